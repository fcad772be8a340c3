//! Session notes over HTTP: write a draft, read it, sign it, add addenda, and the
//! procedure-code catalogue.
//!
//! GET and PUT send the note's version as a strong `ETag` (`"7"`). A PUT with `If-Match`
//! applies only if the note is still at that version, else 412 and nothing changes; the
//! PWA should always send it once it has read the note. A PUT without `If-Match` still
//! overwrites a draft, as before versions existed.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Header, Path},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags,
    session_note_dto::{AddendumDto, AddendumRequest, SessionNoteDto, SessionNoteRequest},
    treatment_vocabulary::ProcedureCatalogue,
};
use crate::{
    auth::TherapistAuth,
    clinical::{rom::RomMeasurement, treatment::SessionRecord},
    domain::PainScore,
    error::{ApiError, ErrorBody},
    services::session_notes::{self, Expected, FullNote, NoteError, NoteInput},
    state::AppState,
};

fn conflict(code: &str, err: &NoteError) -> ApiError {
    ApiError::Conflict(Json(ErrorBody::new(code, err.to_string())))
}

impl From<NoteError> for ApiError {
    fn from(err: NoteError) -> Self {
        match err {
            NoteError::NotFound => ApiError::not_found("session note"),
            NoteError::Cancelled => conflict("conflict", &err),
            NoteError::Signed => conflict("note_signed", &err),
            NoteError::Empty => conflict("note_empty", &err),
            NoteError::NotSigned => conflict("note_not_signed", &err),
            NoteError::NotAuthor => ApiError::Forbidden(Json(ErrorBody::new("not_author", err.to_string()))),
            // Only PUT can be stale; it answers 412 itself (see `put_session_note`).
            NoteError::Stale => conflict("precondition_failed", &err),
            NoteError::Db(e) => e.into(),
        }
    }
}

/// The strong entity tag of a note version.
fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Reads an `If-Match` value: `*`, or a list of entity tags. Weak tags never match (If-Match
/// compares strongly) and tags this server did not make match no version.
fn expected(if_match: &str) -> Expected {
    if if_match.trim() == "*" {
        return Expected::Any;
    }
    let versions = if_match
        .split(',')
        .map(str::trim)
        .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"')?.parse::<i32>().ok())
        .collect();
    Expected::Versions(versions)
}

fn pain(field: &str, v: Option<i64>) -> Result<Option<PainScore>, ApiError> {
    v.map(|v| PainScore::new(v).map_err(|e| ApiError::invalid(field, e.0))).transpose()
}

impl TryFrom<SessionNoteRequest> for NoteInput {
    type Error = ApiError;
    fn try_from(b: SessionNoteRequest) -> Result<Self, ApiError> {
        let mut rom = Vec::with_capacity(b.rom.len());
        for (i, r) in b.rom.into_iter().enumerate() {
            let measured = RomMeasurement::new(r.region, r.movement, r.side, r.degrees, r.mode, r.method)
                .map_err(|e| ApiError::invalid(&format!("rom[{i}].{}", e.field()), e.to_string()))?;
            rom.push(measured);
        }
        let techniques = b
            .techniques
            .into_iter()
            .enumerate()
            .map(|(i, t)| t.check(&format!("techniques[{i}]")).map(Into::into))
            .collect::<Result<Vec<_>, _>>()?;
        let regions = b
            .regions
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.check(&format!("regions[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut procedures = Vec::with_capacity(b.procedures.len());
        for (i, p) in b.procedures.into_iter().enumerate() {
            let code = p.code.check(&format!("procedures[{i}].code"))?;
            let minutes = u32::try_from(p.minutes)
                .map_err(|_| ApiError::invalid(&format!("procedures[{i}].minutes"), "must be between 1 and 120"))?;
            procedures.push((code.into(), minutes));
        }
        let record = SessionRecord::new(
            techniques,
            regions,
            b.position.map(|p| p.check("position")).transpose()?.map(Into::into),
            b.pressure.map(|p| p.check("pressure")).transpose()?.map(Into::into),
            b.response.into(),
            procedures,
        )
        .map_err(|e| ApiError::invalid(&e.field(), e.to_string()))?;
        Ok(NoteInput {
            subjective: b.subjective.into(),
            objective: b.objective.into(),
            assessment: b.assessment.into(),
            plan: b.plan.into(),
            pain_before: pain("pain_before", b.pain_before)?,
            pain_after: pain("pain_after", b.pain_after)?,
            rom,
            record,
        })
    }
}

#[derive(ApiResponse)]
pub enum NoteReply {
    /// The note; `ETag` is its version, for `If-Match` on the next PUT.
    #[oai(status = 200)]
    Ok(Json<SessionNoteDto>, #[oai(header = "ETag")] String),
}

impl From<FullNote> for NoteReply {
    fn from(full: FullNote) -> Self {
        let tag = etag(full.note.version);
        NoteReply::Ok(Json(full.into()), tag)
    }
}

#[derive(ApiResponse)]
pub enum PutNoteReply {
    /// Saved; `ETag` is the new version.
    #[oai(status = 200)]
    Ok(Json<Box<SessionNoteDto>>, #[oai(header = "ETag")] String),
    /// `If-Match` named a version the note no longer has (someone else saved first), or
    /// there is no note yet. Nothing was changed: read the note again and merge.
    #[oai(status = 412)]
    PreconditionFailed(Json<ErrorBody>),
}

#[derive(ApiResponse)]
pub enum AddendumCreated {
    /// Added; it is listed with the note from now on.
    #[oai(status = 201)]
    Created(Json<AddendumDto>),
}

pub struct SessionNotesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Sessions")]
impl SessionNotesApi {
    /// Write the draft session note (SOAP, pain, range of motion, treatment, timed minutes); send If-Match.
    #[oai(path = "/appointments/:id/note", method = "put", operation_id = "put_session_note")]
    async fn put_session_note(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        /// The `ETag` from your last read; without it a draft is overwritten whatever its version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<SessionNoteRequest>,
    ) -> Result<PutNoteReply, ApiError> {
        let input = NoteInput::try_from(body.0)?;
        let expected = if_match.0.as_deref().map(expected);
        match session_notes::put(&state.db, state.now(), &auth.0, id.0, expected, input).await {
            Ok(full) => {
                let tag = etag(full.note.version);
                Ok(PutNoteReply::Ok(Json(Box::new(full.into())), tag))
            }
            Err(err @ NoteError::Stale) => {
                Ok(PutNoteReply::PreconditionFailed(Json(ErrorBody::new("precondition_failed", err.to_string()))))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Read a session note with its treatment, units and addenda.
    #[oai(path = "/appointments/:id/note", method = "get", operation_id = "get_session_note")]
    async fn get_session_note(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<NoteReply, ApiError> {
        Ok(session_notes::get(&state.db, state.now(), &auth.0, id.0).await?.into())
    }

    /// Sign your draft note; from then on it never changes (late if past the clinic's limit).
    #[oai(path = "/appointments/:id/note/sign", method = "post", operation_id = "sign_session_note")]
    async fn sign_session_note(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<NoteReply, ApiError> {
        Ok(session_notes::sign(&state.db, state.now(), &auth.0, id.0).await?.into())
    }

    /// Add a correction to a signed note; you and the time are recorded with it.
    #[oai(path = "/appointments/:id/note/addenda", method = "post", operation_id = "add_session_note_addendum")]
    async fn add_session_note_addendum(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<AddendumRequest>,
    ) -> Result<AddendumCreated, ApiError> {
        let reason: String = body.0.reason.into();
        let text: String = body.0.text.into();
        if reason.trim().is_empty() {
            return Err(ApiError::invalid("reason", "must not be blank"));
        }
        if text.trim().is_empty() {
            return Err(ApiError::invalid("text", "must not be blank"));
        }
        let row = session_notes::add_addendum(&state.db, state.now(), &auth.0, id.0, reason, text).await?;
        Ok(AddendumCreated::Created(Json(row.into())))
    }

    /// The timed procedure codes a note may record, with labels and the units rule.
    #[oai(path = "/procedure-codes", method = "get", operation_id = "list_procedure_codes")]
    async fn list_procedure_codes(&self, _auth: TherapistAuth) -> Result<Json<ProcedureCatalogue>, ApiError> {
        Ok(Json(ProcedureCatalogue::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_star_lists_and_ignores_weak_or_foreign_tags() {
        assert_eq!(expected("*"), Expected::Any);
        assert_eq!(expected("\"3\""), Expected::Versions(vec![3]));
        assert_eq!(expected("\"2\", \"5\""), Expected::Versions(vec![2, 5]));
        assert_eq!(expected("W/\"3\""), Expected::Versions(vec![]));
        assert_eq!(expected("\"abc\", 3"), Expected::Versions(vec![]));
        assert_eq!(etag(4), "\"4\"");
    }
}
