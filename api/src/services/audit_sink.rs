//! Where reads leave their audit events. Reads of health data are audited, but a read
//! should not wait for a commit: the sink queues the events and stores what is waiting as
//! one multi-row insert through the writer.
//!
//! The loss window is what is queued and not yet committed: normally one writer round
//! (milliseconds), at most [`SINK_BOUND`] events; a graceful shutdown flushes it, a crash
//! can lose it. When the database cannot take the events they are kept and retried, the
//! queue fills, and readers wait for room up to the database deadline and then get 503:
//! a read is never served after its audit event was dropped.

use entity::audit_event;
use sea_orm::DbErr;
use tokio::sync::{mpsc, oneshot};

use crate::{
    services::audit,
    writer::{self, Writer},
};

/// Read events waiting for the writer, at most this many.
pub const SINK_BOUND: usize = 4096;
enum Queued {
    Event(Box<audit_event::ActiveModel>),
    /// Answered once everything queued before it is committed.
    Flush(oneshot::Sender<()>),
}

/// Where reads leave their audit events; cheap to clone.
#[derive(Clone)]
pub struct Sink {
    queue: mpsc::Sender<Queued>,
    deadline: std::time::Duration,
}

impl Sink {
    pub fn start(writer: Writer, deadline: std::time::Duration) -> Self {
        let (queue, events) = mpsc::channel(SINK_BOUND);
        tokio::spawn(drain(writer, events));
        Self { queue, deadline }
    }

    /// Queues a read's event (`Event::at`); waits only for room in the queue
    /// (back-pressure).
    pub async fn read(&self, event: audit_event::ActiveModel) -> Result<(), DbErr> {
        writer::enqueue(&self.queue, Queued::Event(Box::new(event)), self.deadline).await
    }

    /// Waits until every event queued so far is stored, e.g. before listing the log.
    pub async fn flush(&self) -> Result<(), DbErr> {
        let (done, stored) = oneshot::channel();
        writer::enqueue(&self.queue, Queued::Flush(done), self.deadline).await?;
        writer::answer_within(stored, self.deadline).await
    }
}

/// Takes what is queued, stores it in one writer job, answers flushes; retries (keeping
/// the events) while the database refuses.
async fn drain(writer: Writer, mut queue: mpsc::Receiver<Queued>) {
    let mut taken = Vec::with_capacity(SINK_BOUND);
    let mut failing = false;
    while queue.recv_many(&mut taken, SINK_BOUND).await > 0 {
        let mut rows = Vec::new();
        let mut flushes = Vec::new();
        for item in taken.drain(..) {
            match item {
                Queued::Event(row) => rows.push(*row),
                Queued::Flush(done) => flushes.push(done),
            }
        }
        // Shared, so a failed attempt still has the rows for the next one.
        let rows = std::sync::Arc::new(rows);
        let mut pause = std::time::Duration::from_millis(50);
        while !rows.is_empty() {
            match writer.write(rows.clone(), |txn, rows| Box::pin(audit::record_rows(txn, rows))).await {
                Ok(()) => {
                    if failing {
                        tracing::info!("read audit events are being stored again");
                        failing = false;
                    }
                    break;
                }
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, events = rows.len(), "cannot store read audit events; retrying");
                        failing = true;
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
