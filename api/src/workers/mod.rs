//! Every background loop of the process, in one place.
//!
//! Each worker is a `run_once` step at a given instant that tests call with a manual
//! clock, and a thin loop around it that `serve` (or `serve --worker-only`) spawns. All
//! their state lives in the database, so any number of replicas may run them at once.
//!
//! - [`reminders`]: materialise and send due reminders; the therapists' alert pushes and
//!   the escalation of urgent alerts ride on the same tick, so a red flag reaches a
//!   device within seconds.
//! - [`adaptive`]: the nightly review that moves daily reminders towards each patient's
//!   routine and backs off ignored ones (rides on the reminder tick).
//! - [`alert_pushes`]: push alerts not pushed yet to the patient's therapist.
//! - [`escalation`]: push urgent alerts nobody acknowledged to other staff.
//! - [`message_pushes`]: tell the other side of a thread a message arrived (no text).
//! - [`alert_rules`]: the alert rules that depend on time passing.
//! - [`wal_checkpoint`]: keep the SQLite WAL file small.
//! - [`retention`]: purge erased patients' clinical records when their retention ends.
//! - [`blob_deletes`]: delete erased attachments' objects from the blob store.

pub mod adaptive;
pub mod alert_pushes;
pub mod alert_rules;
pub mod blob_deletes;
pub mod escalation;
pub mod message_pushes;
pub mod reminders;
pub mod retention;
pub mod wal_checkpoint;

use crate::state::AppState;

/// The loops `serve` runs besides the HTTP API, when workers are on: the alert rules and
/// the reminder tick, the retention purge, the blob deletes. Abort the handles to stop them.
pub fn spawn_all(state: &AppState) -> [tokio::task::JoinHandle<()>; 4] {
    [
        alert_rules::spawn(state.db.clone(), state.clock.clone(), state.settings.alert_interval),
        reminders::spawn(
            state.db.clone(),
            state.push.clone(),
            state.clock.clone(),
            crate::reminders::DispatchOptions::from_settings(&state.settings),
            state.settings.push.interval,
        ),
        retention::spawn(state.db.clone(), state.clock.clone(), retention::INTERVAL),
        blob_deletes::spawn(state.db.clone(), state.blobs.clone(), state.clock.clone(), blob_deletes::INTERVAL),
    ]
}
