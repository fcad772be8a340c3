//! The reminder tick: materialise and send due reminders (see `crate::reminders` for the
//! outbox and its leases), then the therapists' alert pushes and the escalation of
//! urgent alerts, so a red flag reaches a device within seconds of the check-in that
//! raised it, and the pushes of new messages. The nightly adaptive review (`super::adaptive`) rides on it too.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::{adaptive, alert_pushes, escalation, message_pushes};
use crate::{
    clock::SharedClock,
    outage::{self, Backoff},
    push::PushSender,
    reminders::{DispatchOptions, Report},
};

/// One reminder step at `now`: materialise what falls due soon, lease and send what is due.
pub async fn run_once(
    db: &DatabaseConnection,
    sender: &PushSender,
    now: DateTime<Utc>,
    opts: &DispatchOptions,
) -> Result<Report, DbErr> {
    crate::reminders::run_due(db, sender, now, opts).await
}

/// A tick every `interval` on the injected clock, until the process ends. Errors are
/// logged and the next tick tries again; while the database is unavailable the worker
/// logs once, backs off with jitter, and resumes by itself (due occurrences wait in the
/// outbox, so nothing is lost).
pub fn spawn(
    db: DatabaseConnection,
    sender: Arc<PushSender>,
    clock: SharedClock,
    opts: DispatchOptions,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = Backoff::new("reminders", interval, Duration::from_secs(30).max(interval));
        loop {
            tick.tick().await;
            let step = tick_once(&db, &sender, &clock, &opts).await;
            if let Some(pause) = outage.observe(&step) {
                tokio::time::sleep(pause).await;
            }
        }
    })
}

/// One tick. An unavailable database ends the tick with its error (the later parts would
/// only fail too); other errors are logged and the tick goes on.
async fn tick_once(
    db: &DatabaseConnection,
    sender: &PushSender,
    clock: &SharedClock,
    opts: &DispatchOptions,
) -> Result<(), DbErr> {
    let logged = |what: &str, e: DbErr| {
        if outage::unavailable(&e) {
            return Err(e);
        }
        tracing::warn!(error = %e, "{what} failed; retrying next tick");
        Ok(())
    };
    match run_once(db, sender, clock.now(), opts).await {
        Ok(report) if report.leased > 0 || report.materialised > 0 => tracing::info!(?report, "reminder step"),
        Ok(_) => {}
        Err(e) => logged("reminder step", e)?,
    }
    if let Err(e) = alert_pushes::run_once(db, sender, clock.now(), &opts.public_url).await {
        logged("alert pushes", e)?;
    }
    if let Err(e) = escalation::run_once(db, sender, clock.now(), &opts.public_url).await {
        logged("alert escalation", e)?;
    }
    if let Err(e) = message_pushes::run_once(db, sender, clock.now(), &opts.public_url).await {
        logged("message pushes", e)?;
    }
    if let Err(e) = adaptive::run_once(db, clock.now()).await {
        logged("adaptive reminder review", e)?;
    }
    Ok(())
}
