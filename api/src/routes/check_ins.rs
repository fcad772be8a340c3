//! Check-ins: `/api/v1/me/check-ins` for the patient (offline-safe batches, corrections
//! while recent) and `/api/v1/patients/{id}/check-ins` for their therapist.
//!
//! Posting a batch never loses a red flag: the body is read leniently
//! ([`super::check_in_payload`]) so a schema problem is answered per item or per field
//! instead of refusing the request, and any known red flag named anywhere in it is kept,
//! alerted and answered with tiered guidance.

use entity::AuditAction;
use std::collections::BTreeSet;

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags, NoContent,
    check_in_dto::{CheckInBatch, CheckInBatchResult, CheckInInput, CheckInPage, CheckInResult, CheckInSaved},
    check_in_payload::{self, Unreadable},
    date_range::DateRange,
    decode_cursor, into_page,
    lenient_json::LenientJson,
    page_limit,
    red_flags::RedFlagGuidanceDto,
};
use crate::ids::ClinicId;
use crate::{
    auth::{PatientAuth, TherapistAuth},
    clinical::{red_flags::Guidance, symptoms::RedFlag},
    error::{ApiError, ErrorBody, ErrorDetail},
    request_id::current_request_id,
    services::{
        audit::Event,
        check_ins::{self, ChangeError},
        clinic_settings,
        exercise_logs::Stored,
        local_date,
        patients::{self, PatientScope},
        red_flags::{self, NewReport},
    },
    state::AppState,
};

fn invalid_body(problems: &[(String, String)]) -> ErrorBody {
    let message = match problems {
        [] => "invalid check-in".to_owned(),
        [(field, problem)] => format!("{field}: {problem}"),
        [(field, problem), rest @ ..] => format!("{field}: {problem} (and {} more)", rest.len()),
    };
    let mut error = ErrorBody::new("validation_failed", message);
    error.details = problems
        .iter()
        .map(|(field, problem)| ErrorDetail { field: field.clone(), problem: problem.clone() })
        .collect();
    error
}

/// What the patient is told about the red flags named in a request.
async fn guidance_for(
    state: &AppState,
    clinic_id: Uuid,
    flags: &[RedFlag],
    therapist_alerted: bool,
) -> Result<(Option<String>, Option<RedFlagGuidanceDto>), ApiError> {
    if flags.is_empty() {
        return Ok((None, None));
    }
    let settings = clinic_settings::get(&state.db, ClinicId::new(clinic_id)).await?;
    let guidance = Guidance::for_flags(flags, &settings.numbers, therapist_alerted);
    Ok((guidance.as_ref().map(Guidance::text), guidance.as_ref().map(Into::into)))
}

impl From<ChangeError> for ApiError {
    fn from(err: ChangeError) -> Self {
        match err {
            ChangeError::NotFound => ApiError::not_found("check-in"),
            ChangeError::WindowClosed => ApiError::conflict(err.to_string()),
            ChangeError::Db(e) => e.into(),
        }
    }
}

pub struct CheckInsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::CheckIns")]
impl CheckInsApi {
    /// Record check-ins: 1–100, each answered on its own; red flags are kept and answered whatever else is wrong.
    #[oai(path = "/me/check-ins", method = "post", operation_id = "create_check_ins")]
    async fn create_check_ins(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: LenientJson<CheckInBatch>,
    ) -> Result<Json<CheckInBatchResult>, ApiError> {
        let now = state.now();
        let batch = check_in_payload::read_batch(&body.0, now)
            .map_err(|Unreadable(field, problem)| ApiError::invalid(field, problem))?;
        let mut named: BTreeSet<RedFlag> = batch.overflow_flags.iter().copied().collect();
        let mut checked = Vec::with_capacity(batch.items.len());
        let mut reports = Vec::new();
        let mut results: Vec<Option<CheckInResult>> = Vec::with_capacity(batch.items.len());
        for item in batch.items {
            named.extend(item.red_flags.iter().copied());
            match (item.id, item.body) {
                (Some(id), Ok(b)) => {
                    checked.push((id, b));
                    results.push(None);
                }
                (id, body) => {
                    let problems = body.err().unwrap_or_else(|| vec![("id".into(), "is required".into())]);
                    if !item.red_flags.is_empty() {
                        reports.push(NewReport {
                            item_key: item.key,
                            check_in_id: id,
                            flags: item.red_flags.clone(),
                            recorded_at: item.recorded_at,
                            // Field names only: problem texts may quote what was sent.
                            problems: problems.iter().map(|(f, _)| f.clone()).collect(),
                        });
                    }
                    results.push(Some(CheckInResult {
                        id,
                        status: 422,
                        check_in: None,
                        error: Some(invalid_body(&problems)),
                        red_flags: item.red_flags,
                    }));
                }
            }
        }
        if !batch.overflow_flags.is_empty() {
            reports.push(NewReport {
                item_key: batch.overflow_key,
                check_in_id: None,
                flags: batch.overflow_flags.clone(),
                recorded_at: None,
                problems: vec![format!("items: {} past the 100-item limit", batch.overflow_count)],
            });
        }
        let flagged: Vec<Vec<RedFlag>> = checked.iter().map(|(_, b)| b.red_flags().to_vec()).collect();
        let ids: Vec<Uuid> = checked.iter().map(|(id, _)| *id).collect();
        let named: Vec<RedFlag> = named.into_iter().collect();
        let writing = check_ins::Batch {
            patient_id: auth.0.patient_id.uuid(),
            tz: auth.0.timezone(),
            who: auth.0.principal.clone(),
            items: checked,
            reports,
            named: named.clone(),
            request_id: current_request_id(),
            now,
        };
        let recorded = state.writer.merge(writing).await?;
        let mut stored = recorded.results.into_iter().zip(ids.into_iter().zip(flagged));
        let mut results_out = Vec::with_capacity(results.len());
        for slot in results {
            if let Some(done) = slot {
                results_out.push(done);
                continue;
            }
            let Some((outcome, (id, red_flags))) = stored.next() else { break };
            results_out.push(match outcome {
                Stored::Created(row) => CheckInResult {
                    id: Some(row.id),
                    status: 201,
                    check_in: Some(row.try_into()?),
                    error: None,
                    red_flags,
                },
                Stored::Replayed(row) => CheckInResult {
                    id: Some(row.id),
                    status: 200,
                    check_in: Some(row.try_into()?),
                    error: None,
                    red_flags,
                },
                Stored::Conflict | Stored::NotFound => CheckInResult {
                    id: Some(id),
                    status: 409,
                    check_in: None,
                    error: Some(ErrorBody::new("conflict", "this id was already used for a different check-in")),
                    red_flags,
                },
            });
        }
        let (guidance, red_flag_guidance) =
            guidance_for(&state, auth.0.clinic_id, &named, recorded.therapist_alerted).await?;
        let problems = batch.problems.into_iter().map(|(field, problem)| ErrorDetail { field, problem }).collect();
        Ok(Json(CheckInBatchResult { results: results_out, guidance, red_flag_guidance, problems }))
    }

    /// Your check-ins by local date range (default: the last 7 days), in recorded order.
    #[oai(path = "/me/check-ins", method = "get", operation_id = "list_my_check_ins")]
    async fn list_my_check_ins(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<CheckInPage>, ApiError> {
        let now = state.now();
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, local_date(now, auth.0.timezone()))?;
        let patient_id = auth.0.patient_id.uuid();
        let page = page(&state, (&auth.0).into(), from, to, cursor.0, limit.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::CheckInRead).patient(patient_id).at(now)).await?;
        Ok(Json(page))
    }

    /// Correct one of your check-ins (within 7 days of recording it); send the whole check-in.
    ///
    /// Read like a batch item: every problem is answered at once (422), and red flags in a
    /// correction that cannot be stored are still kept and alerted.
    #[oai(path = "/me/check-ins/:id", method = "put", operation_id = "update_my_check_in")]
    async fn update_my_check_in(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
        body: LenientJson<CheckInInput>,
    ) -> Result<Json<CheckInSaved>, ApiError> {
        let now = state.now();
        let check_in_payload::Item { id: sent, recorded_at, red_flags: flags, body, key } =
            check_in_payload::read_one(&body.0, now);
        let keep = |problems: Vec<String>| NewReport {
            item_key: key,
            check_in_id: Some(id.0),
            flags: flags.clone(),
            recorded_at,
            problems,
        };
        let checked = match body {
            Ok(_) if sent != Some(id.0) => Err(vec![("id".to_owned(), "must be the id in the path".to_owned())]),
            other => other,
        };
        let checked = match checked {
            Ok(checked) => checked,
            Err(problems) => {
                if !flags.is_empty() {
                    red_flags::keep(&state.db, now, &auth.0, keep(problems.iter().map(|(f, _)| f.clone()).collect()))
                        .await?;
                }
                return Err(ApiError::Unprocessable(Json(invalid_body(&problems))));
            }
        };
        let (tz, id) = (auth.0.timezone(), id.0);
        let correction = state
            .writer
            .write((auth.0.clone(), checked), move |txn, (who, body)| {
                Box::pin(check_ins::update(txn, now, who, tz, id, body.clone()))
            })
            .await;
        let (row, _, alerted) = match correction {
            Ok(done) => done,
            Err(ChangeError::Db(e)) => return Err(e.into()),
            Err(refused) => {
                if !flags.is_empty() {
                    red_flags::keep(&state.db, now, &auth.0, keep(vec![refused.to_string()])).await?;
                }
                return Err(refused.into());
            }
        };
        let flags = check_ins::red_flags_of(&row);
        let (guidance, red_flag_guidance) = guidance_for(&state, auth.0.clinic_id, &flags, alerted).await?;
        Ok(Json(CheckInSaved { check_in: row.try_into()?, guidance, red_flag_guidance }))
    }

    /// Withdraw one of your check-ins (within 7 days of recording it).
    #[oai(path = "/me/check-ins/:id", method = "delete", operation_id = "delete_my_check_in")]
    async fn delete_my_check_in(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let (now, id) = (state.now(), id.0);
        state.writer.write(auth.0.clone(), move |txn, who| Box::pin(check_ins::delete(txn, now, who, id))).await?;
        Ok(NoContent::Done)
    }

    /// A patient's check-ins by local date range (default: the last 7 days).
    #[oai(path = "/patients/:id/check-ins", method = "get", operation_id = "list_patient_check_ins")]
    async fn list_patient_check_ins(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<CheckInPage>, ApiError> {
        let now = state.now();
        let (record, tz) = patients::find_visible_in_zone(&state.db, &auth.0, id.0).await?;
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, local_date(now, tz))?;
        let page = page(&state, record.scope(), from, to, cursor.0, limit.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::CheckInRead).patient(record.id).at(now)).await?;
        Ok(Json(page))
    }
}

async fn page(
    state: &AppState,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<CheckInPage, ApiError> {
    let limit = page_limit(limit);
    let rows = check_ins::list(&state.db, patient, from, to, decode_cursor(cursor.as_deref())?, limit + 1).await?;
    let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
    Ok(CheckInPage { items: rows.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?, next_cursor })
}
