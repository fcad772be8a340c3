//! Reading a patient's consent history (written by `consents`). Apart from the writes
//! because it takes the visibility proof from `patients`, which itself records consent
//! changes when a record is created or edited.

use entity::consent_event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::services::patients::PatientScope;

/// A patient's history is short (a change now and then); this bounds a hostile one.
const HISTORY_LIMIT: u64 = 1000;

/// The patient's consent history, oldest first.
pub async fn history<C: ConnectionTrait>(db: &C, scope: PatientScope) -> Result<Vec<consent_event::Model>, DbErr> {
    consent_event::Entity::find()
        .filter(consent_event::Column::PatientId.eq(scope.uuid()))
        .order_by_asc(consent_event::Column::At)
        .order_by_asc(consent_event::Column::Id)
        .limit(HISTORY_LIMIT)
        .all(db)
        .await
}
