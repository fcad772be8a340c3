use sea_orm::entity::prelude::*;

/// Append-only: the database itself refuses UPDATE and DELETE on this table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub clinic_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    /// None for an anonymous caller (a failed login, a refused token).
    pub actor_role: Option<ActorRole>,
    pub action: crate::AuditAction,
    pub patient_id: Option<Uuid>,
    pub resource: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Outcome {
        Success = "success",
        Failure = "failure",
        Denied = "denied",
    }
}

crate::vocabulary! {
    /// Who acted: an account's role, or the server itself; stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum ActorRole {
        Admin = "admin",
        Therapist = "therapist",
        Patient = "patient",
        /// A background step of the server (alert rules, escalation, reminders).
        System = "system",
    }
}

impl From<crate::Role> for ActorRole {
    fn from(role: crate::Role) -> Self {
        match role {
            crate::Role::Admin => ActorRole::Admin,
            crate::Role::Therapist => ActorRole::Therapist,
            crate::Role::Patient => ActorRole::Patient,
        }
    }
}
