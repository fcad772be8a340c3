//! The automatic reply to a patient who writes outside clinic hours: once per off-hours
//! stretch, not once per message. Its id is derived from the patient and the instant the
//! stretch began, so however many messages (or replicas) race, one insert wins and the
//! rest find it there.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::message::{self, Author};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, DbErr, EntityTrait, sea_query::OnConflict};
use uuid::Uuid;

use super::{Thread, hours};
use crate::ids::ClinicId;
use crate::services::clinic_settings;

/// Namespace of the derived reply ids.
const REPLY_NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_4f0e_9a57_4c1b_8e7e_2b3f_6a0d_c917);

/// Adds the reply to `thread` if the clinic is closed at `now` and this stretch has
/// none yet. Runs in the patient's message's transaction.
pub(super) async fn answer_off_hours(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    thread: &Thread,
) -> Result<(), DbErr> {
    let (week, clinic_tz) = hours::get(txn, ClinicId::new(thread.clinic_id())).await?;
    let Some(closed_since) = week.closed_since(now, clinic_tz) else { return Ok(()) };
    let numbers = clinic_settings::get(txn, ClinicId::new(thread.clinic_id())).await?.numbers;
    let reopens = week.next_opening(now, clinic_tz);
    let text = reply_text(reopens, thread.actor.timezone(), &numbers);
    let mut seed = thread.patient_id().as_bytes().to_vec();
    seed.extend_from_slice(&closed_since.timestamp().to_be_bytes());
    let row = message::ActiveModel {
        id: Set(Uuid::new_v5(&REPLY_NAMESPACE, &seed)),
        order_key: Set(Uuid::now_v7()),
        clinic_id: Set(thread.clinic_id()),
        patient_id: Set(thread.patient_id()),
        author: Set(Author::Automatic),
        author_user_id: Set(None),
        text: Set(text),
        body_digest: Set(String::new()),
        attachment_count: Set(0),
        read_at: Set(None),
        // The patient is in the app right now: no push for the reply.
        push_due_at: Set(None),
        clinically_relevant_at: Set(None),
        clinically_relevant_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    message::Entity::insert(row)
        .on_conflict(OnConflict::column(message::Column::Id).do_nothing().to_owned())
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// When the team will read the message, in the patient's own time zone.
fn reply_text(
    reopens: Option<DateTime<Utc>>,
    patient_tz: Tz,
    numbers: &crate::clinical::red_flags::ClinicNumbers,
) -> String {
    let when = match reopens {
        Some(at) => {
            format!("when the clinic opens again, {}", at.with_timezone(&patient_tz).format("%A %-d %B at %H:%M"))
        }
        None => "when the clinic opens again".to_owned(),
    };
    numbers.fill(&format!(
        "Thank you for your message. The clinic is closed now; your care team will read it {when}. Messages are \
         not monitored for emergencies: if you think you have a medical emergency, call {{emergency}} now."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::red_flags::ClinicNumbers;

    #[test]
    fn the_reply_says_when_in_the_patients_zone_and_gives_the_emergency_number() {
        let numbers = ClinicNumbers { emergency_number: Some("112".into()), ..Default::default() };
        let text = reply_text(Some("2026-06-08T07:00:00Z".parse().unwrap()), chrono_tz::Europe::Berlin, &numbers);
        assert!(text.contains("Monday 8 June at 09:00"), "{text}");
        assert!(text.contains("call 112 now"), "{text}");
    }
}
