//! Ids whose mix-up would be a bug: a plan id passed where a patient id belongs compiles
//! with bare `Uuid`s and quietly finds nothing (or the wrong row). Services take these;
//! routes wrap the path's `Uuid` once. (`PatientId` lives in `auth`, because only the
//! patient security scheme may make one.)
//!
//! Each converts into a sea-orm `Value`, so a filter reads `Column::PlanId.eq(plan_id)`
//! without unwrapping. This is a leaf: it depends on `uuid` and `sea_orm` only.

use std::fmt;

use uuid::Uuid;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn new(id: Uuid) -> Self {
                Self(id)
            }
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A user account (`user.id`): staff or a patient's login, never the patient record.
    UserId
);
id!(
    /// A clinic (`clinic.id`).
    ClinicId
);
id!(
    /// A care plan (`care_plan.id`).
    PlanId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_filters_and_prints_as_its_uuid() {
        let raw = Uuid::now_v7();
        let plan = PlanId::new(raw);
        assert_eq!(sea_orm::Value::from(plan), sea_orm::Value::from(raw));
        assert_eq!(plan.to_string(), raw.to_string());
        assert_eq!(Uuid::from(plan), raw);
    }
}
