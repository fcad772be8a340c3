//! A clinic's MFA policy: whether its staff (therapists and admins) must use a second
//! factor. Read at every staff login; changed by the clinic's admins only (audited).
//! No row means not required.

use chrono::{DateTime, Utc};
use entity::{AuditAction, clinic_mfa_policy};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait, sea_query::OnConflict,
};

use crate::{
    auth::Principal,
    db,
    ids::ClinicId,
    services::audit::{self, Event},
};

pub async fn staff_required<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<bool, DbErr> {
    Ok(clinic_mfa_policy::Entity::find_by_id(clinic_id).one(db).await?.is_some_and(|p| p.staff_required))
}

/// Sets the admin's clinic's policy; answers the stored value.
pub async fn set<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    staff_required: bool,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    clinic_mfa_policy::Entity::insert(clinic_mfa_policy::ActiveModel {
        clinic_id: Set(who.clinic_id),
        staff_required: Set(staff_required),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(clinic_mfa_policy::Column::ClinicId)
            .update_columns([clinic_mfa_policy::Column::StaffRequired, clinic_mfa_policy::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let event = Event::by(who, AuditAction::ClinicMfaPolicyUpdate)
        .resource(format!("clinic:{}:staff_required={staff_required}", who.clinic_id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(staff_required)
}
