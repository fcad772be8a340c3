//! The audit trail: who did what to whose data. Rows are append-only (enforced by
//! database triggers); the request id ties an event to the log line of the request that
//! caused it.
//!
//! Writes record their event in their own transaction ([`record`]): the change and its
//! audit row commit together. Reads hand theirs to the sink (`services::audit_sink`),
//! so a read never waits for a commit.

use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_event};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{ids::ClinicId, request_id::current_request_id};

/// Who acted, as the audit trail records it. Its own type rather than the
/// authentication principal, so that the audit trail sits below `auth` (which records
/// refused calls) instead of the two importing each other; `auth` provides the
/// conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub clinic_id: Uuid,
    pub user_id: Uuid,
    pub role: entity::Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// `audit_event.resource` is a `varchar(200)` on PostgreSQL.
const RESOURCE_MAX_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct Event {
    clinic_id: Option<Uuid>,
    actor_user_id: Option<Uuid>,
    actor_role: Option<audit_event::ActorRole>,
    action: AuditAction,
    patient_id: Option<Uuid>,
    resource: Option<String>,
    outcome: Outcome,
}

impl Event {
    pub fn by(actor: impl Into<Actor>, action: AuditAction) -> Self {
        let actor = actor.into();
        Self {
            clinic_id: Some(actor.clinic_id),
            actor_user_id: Some(actor.user_id),
            actor_role: Some(actor.role.into()),
            action,
            patient_id: None,
            resource: None,
            outcome: Outcome::Success,
        }
    }

    /// An event by someone not (yet) authenticated, e.g. a failed login.
    pub fn anonymous(action: AuditAction) -> Self {
        Self {
            clinic_id: None,
            actor_user_id: None,
            actor_role: None,
            action,
            patient_id: None,
            resource: None,
            outcome: Outcome::Success,
        }
    }

    /// An event by a known account that did not present a token (login, refresh).
    pub fn by_user(user: &entity::user::Model, action: AuditAction) -> Self {
        Self {
            clinic_id: Some(user.clinic_id),
            actor_user_id: Some(user.id),
            actor_role: Some(user.role.into()),
            ..Self::anonymous(action)
        }
    }

    /// An event by the server itself (a worker step), within a clinic.
    pub fn system(clinic_id: ClinicId, action: AuditAction) -> Self {
        Self {
            clinic_id: Some(clinic_id.uuid()),
            actor_role: Some(audit_event::ActorRole::System),
            ..Self::anonymous(action)
        }
    }

    /// Files an event without an account (a physician opening a share link) under the
    /// clinic it concerns.
    pub fn in_clinic(mut self, clinic_id: ClinicId) -> Self {
        self.clinic_id = Some(clinic_id.uuid());
        self
    }
    pub fn patient(mut self, patient_id: Uuid) -> Self {
        self.patient_id = Some(patient_id);
        self
    }
    /// What was acted on, cut to the column's 200 characters: it can quote a request path,
    /// whose length the client chooses, and a refused request must still be audited.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        let resource: String = resource.into();
        self.resource = Some(match resource.char_indices().nth(RESOURCE_MAX_CHARS) {
            Some((cut, _)) => resource[..cut].to_owned(),
            None => resource,
        });
        self
    }
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

pub async fn record<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, event: Event) -> Result<(), DbErr> {
    audit_event::Entity::insert(event.at(now)).exec_without_returning(db).await?;
    Ok(())
}

/// Rows per multi-row insert of audit events (10 columns a row, far below the limits
/// on bound parameters).
const ROWS_PER_INSERT: usize = 500;

/// Stores audit rows made earlier (with [`Event::at`]) in as few statements as possible.
pub async fn record_rows<C: ConnectionTrait>(db: &C, rows: &[audit_event::ActiveModel]) -> Result<(), DbErr> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        audit_event::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    Ok(())
}

impl Event {
    /// The stored form of the event, at `now`, with the current request's id.
    pub fn at(self, now: DateTime<Utc>) -> audit_event::ActiveModel {
        let event = self;
        audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(now),
            clinic_id: Set(event.clinic_id),
            actor_user_id: Set(event.actor_user_id),
            actor_role: Set(event.actor_role),
            action: Set(event.action),
            patient_id: Set(event.patient_id),
            resource: Set(event.resource),
            outcome: Set(match event.outcome {
                Outcome::Success => audit_event::Outcome::Success,
                Outcome::Failure => audit_event::Outcome::Failure,
                Outcome::Denied => audit_event::Outcome::Denied,
            }),
            request_id: Set(current_request_id()),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub patient_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub action: Option<AuditAction>,
    pub outcome: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first, one clinic only, `limit` rows after the cursor row.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    filter: Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    use audit_event::Column as C;
    let mut q = audit_event::Entity::find().filter(C::ClinicId.eq(clinic_id));
    if let Some(v) = filter.patient_id {
        q = q.filter(C::PatientId.eq(v));
    }
    if let Some(v) = filter.actor_user_id {
        q = q.filter(C::ActorUserId.eq(v));
    }
    if let Some(v) = filter.action {
        q = q.filter(C::Action.eq(v));
    }
    if let Some(v) = filter.outcome {
        q = q.filter(C::Outcome.eq(v));
    }
    if let Some(v) = filter.from {
        q = q.filter(C::At.gte(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(C::At.lt(v));
    }
    if let Some(v) = after {
        q = q.filter(C::Id.lt(v));
    }
    q.order_by_desc(C::Id).limit(limit).all(db).await
}
