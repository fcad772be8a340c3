//! Pushes telling the other side of a thread that a message arrived. The step belongs to
//! the messaging service (it claims messages in the database, so replicas never push one
//! twice); this is its place among the workers. It rides on the reminder tick.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::push::PushSender;

/// One step at `now`: how many threads were pushed.
pub async fn run_once<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize, DbErr> {
    crate::services::messages::pushes::push_due(db, sender, now, public_url).await
}
