//! Pushes of new alerts to the patient's therapist. The step itself belongs to the
//! alerts service (it claims each alert in the database, so replicas never push one
//! twice); this is its place among the workers.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::push::PushSender;

/// One step at `now`: how many alert pushes a device accepted.
pub async fn run_once<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize, DbErr> {
    crate::services::alerts::push_pending(db, sender, now, public_url).await
}
