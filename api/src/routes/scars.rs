//! Scar assessments: recorded in a session, trended per scar over sessions. Therapists
//! and clinic admins only; another clinic's (or another therapist's) patient is not found.

use chrono::{DateTime, Utc};
use entity::{AuditAction, scar_assessment};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, text::Text};
use crate::{
    auth::TherapistAuth,
    clinical::{
        body::{BodyRegion, BodySide},
        scar::{ScarAssessment, ScarSite, Vss, VssItem},
    },
    error::ApiError,
    services::{audit::Event, measured_site::side_from_stored, patients, scars},
    state::AppState,
};

/// One scar as assessed in a session. The Vancouver Scar Scale items are rated against
/// the skin around the scar; the server adds them up into `total` (0–13).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ScarAssessmentRequest {
    pub region: BodyRegion,
    /// Left or right at paired regions (knee, shoulder, …); absent on the midline
    /// (abdomen, chest, back, neck, head).
    #[oai(nullable)]
    pub side: Option<BodySide>,
    /// Your words for the scar, e.g. "appendectomy incision"; it tells apart two scars of
    /// one region in the series. At most 200 characters.
    #[oai(default, validator(max_length = 200))]
    pub label: Text,
    /// Longest extent in whole millimetres, 1–1000.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub length_mm: i64,
    /// Widest extent across, in whole millimetres, 1–300.
    #[oai(validator(minimum(value = "1"), maximum(value = "300")))]
    pub width_mm: i64,
    /// 0 same colour as the skin around it, 1 lighter, 2 darker.
    #[oai(validator(minimum(value = "0"), maximum(value = "2")))]
    pub pigmentation: i64,
    /// 0 no redness, 1 pink, 2 red, 3 purple or dusky.
    #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
    pub vascularity: i64,
    /// 0 moves like the skin around it, 1 supple, 2 yielding, 3 firm, 4 banding (cord-like,
    /// pales when stretched), 5 contracture (lasting shortening that distorts the part).
    #[oai(validator(minimum(value = "0"), maximum(value = "5")))]
    pub pliability: i64,
    /// 0 flat, 1 raised or sunken under 2 mm, 2 by 2–5 mm, 3 by more than 5 mm.
    #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
    pub height: i64,
}

impl Example for ScarAssessmentRequest {
    fn example() -> Self {
        Self {
            region: BodyRegion::Knee,
            side: Some(BodySide::Left),
            label: "ACL graft incision".into(),
            length_mm: 85,
            width_mm: 4,
            pigmentation: 1,
            vascularity: 1,
            pliability: 2,
            height: 1,
        }
    }
}

/// The words for the level rated on each item.
#[derive(Debug, Object)]
pub struct ScarDescriptionsDto {
    pub pigmentation: String,
    pub vascularity: String,
    pub pliability: String,
    pub height: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ScarAssessmentDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Uuid,
    /// The session's start.
    pub measured_at: DateTime<Utc>,
    pub region: BodyRegion,
    pub side: Option<BodySide>,
    pub label: String,
    pub length_mm: i32,
    pub width_mm: i32,
    pub pigmentation: i16,
    pub vascularity: i16,
    pub pliability: i16,
    pub height: i16,
    /// The sum of the four items, 0 (like normal skin) – 13; computed by the server.
    pub total: i16,
    pub descriptions: ScarDescriptionsDto,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Example for ScarAssessmentDto {
    fn example() -> Self {
        let vss = Vss::new(1, 1, 2, 1).expect("valid levels");
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000901"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            appointment_id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            measured_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            region: BodyRegion::Knee,
            side: Some(BodySide::Left),
            label: "ACL graft incision".into(),
            length_mm: 85,
            width_mm: 4,
            pigmentation: 1,
            vascularity: 1,
            pliability: 2,
            height: 1,
            total: 5,
            descriptions: descriptions(&vss),
            recorded_by: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            created_at: "2026-12-03T14:40:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

fn descriptions(vss: &Vss) -> ScarDescriptionsDto {
    ScarDescriptionsDto {
        pigmentation: vss.description(VssItem::Pigmentation).into(),
        vascularity: vss.description(VssItem::Vascularity).into(),
        pliability: vss.description(VssItem::Pliability).into(),
        height: vss.description(VssItem::Height).into(),
    }
}

impl TryFrom<scar_assessment::Model> for ScarAssessmentDto {
    type Error = ApiError;
    fn try_from(r: scar_assessment::Model) -> Result<Self, ApiError> {
        let vss = Vss::new(r.pigmentation.into(), r.vascularity.into(), r.pliability.into(), r.height.into())
            .map_err(|e| ApiError::internal(&format!("scar_assessment {} holds an item out of range: {e}", r.id)))?;
        Ok(Self {
            region: r.region.into(),
            side: side_from_stored("scar_assessment.side", r.side)?,
            descriptions: descriptions(&vss),
            id: r.id,
            patient_id: r.patient_id,
            appointment_id: r.appointment_id,
            measured_at: r.measured_at,
            label: r.label,
            length_mm: r.length_mm,
            width_mm: r.width_mm,
            pigmentation: r.pigmentation,
            vascularity: r.vascularity,
            pliability: r.pliability,
            height: r.height,
            total: r.total,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        })
    }
}

/// One scar over the sessions it was assessed in, oldest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScarSeriesDto {
    pub region: BodyRegion,
    pub side: Option<BodySide>,
    /// As first written.
    pub label: String,
    /// Last total − first total: negative as the scar matures towards normal skin.
    pub total_change: i16,
    pub assessments: Vec<ScarAssessmentDto>,
}

#[derive(ApiResponse)]
pub enum ScarAssessmentCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ScarAssessmentDto>),
}

pub struct ScarsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Sessions")]
impl ScarsApi {
    /// Record a scar assessment (size and Vancouver Scar Scale) in a session; the total is computed.
    #[oai(path = "/appointments/:id/scar-assessments", method = "post", operation_id = "create_scar_assessment")]
    async fn create_scar_assessment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<ScarAssessmentRequest>,
    ) -> Result<ScarAssessmentCreated, ApiError> {
        let b = body.0;
        let invalid = |e: crate::clinical::scar::ScarError| ApiError::invalid(e.field(), e.to_string());
        let site = ScarSite::new(b.region, b.side, &b.label).map_err(invalid)?;
        let vss = Vss::new(b.pigmentation, b.vascularity, b.pliability, b.height).map_err(invalid)?;
        let assessment = ScarAssessment::new(site, b.length_mm, b.width_mm, vss).map_err(invalid)?;
        let row = scars::record(&state.db, state.now(), &auth.0, id.0, assessment).await?;
        Ok(ScarAssessmentCreated::Created(Json(row.try_into()?)))
    }

    /// A patient's scars, each with its assessments in session order and the change in total.
    #[oai(path = "/patients/:id/scar-assessments", method = "get", operation_id = "list_scar_assessments")]
    async fn list_scar_assessments(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ScarSeriesDto>>, ApiError> {
        let now = state.now();
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let series = scars::series(&state.db, &record).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::ScarAssessmentRead).patient(record.id).at(now)).await?;
        let mut out = Vec::with_capacity(series.len());
        for s in series {
            let total_change = s.total_change();
            out.push(ScarSeriesDto {
                region: s.region,
                side: s.side,
                label: s.label,
                total_change,
                assessments: s.assessments.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
            });
        }
        Ok(Json(out))
    }
}
