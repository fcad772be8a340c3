//! Background steps. Each is a `run_once` that tests call with a manual clock; `serve`
//! runs them on a timer (see `reminders::spawn_worker`).

pub mod escalation;
