//! Girth measurements for swelling: recorded in a session (several at once), trended per
//! measuring spot with left and right side by side. Therapists and clinic admins only.

use chrono::{DateTime, Utc};
use entity::{AuditAction, girth_measurement};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, text::Text};
use crate::{
    auth::TherapistAuth,
    clinical::{
        body::{BodyRegion, BodySide},
        girth::{GirthMeasurement, to_cm},
    },
    error::ApiError,
    services::{
        audit::Event,
        girths::{self, GirthSession},
        measured_site::side_from_stored,
        patients,
    },
    state::AppState,
};

/// One circumference, taken with the tape at `distance_cm` from a landmark.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct GirthInput {
    pub region: BodyRegion,
    /// Left or right at paired regions; absent on the midline (e.g. waist at the navel).
    #[oai(nullable)]
    pub side: Option<BodySide>,
    /// The bony landmark measured from, with the direction, e.g. "above the lateral
    /// malleolus". The same landmark and distance make one series.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub landmark: Text,
    /// Distance from the landmark in centimetres, 0–100 (kept to the millimetre).
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub distance_cm: f64,
    /// Circumference in centimetres, up to 250 (kept to the millimetre).
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "250")))]
    pub circumference_cm: f64,
}

impl Example for GirthInput {
    fn example() -> Self {
        Self {
            region: BodyRegion::Ankle,
            side: Some(BodySide::Left),
            landmark: "above the lateral malleolus".into(),
            distance_cm: 10.0,
            circumference_cm: 26.2,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct GirthMeasurementsRequest {
    /// Stored all together or not at all, 1–40.
    #[oai(validator(min_items = 1, max_items = 40))]
    pub measurements: Vec<GirthInput>,
}

impl Example for GirthMeasurementsRequest {
    fn example() -> Self {
        Self {
            measurements: vec![
                GirthInput::example(),
                GirthInput { side: Some(BodySide::Right), circumference_cm: 24.0, ..GirthInput::example() },
            ],
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GirthMeasurementDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Uuid,
    /// The session's start.
    pub measured_at: DateTime<Utc>,
    pub region: BodyRegion,
    pub side: Option<BodySide>,
    pub landmark: String,
    pub distance_cm: f64,
    pub circumference_cm: f64,
    pub recorded_by: Uuid,
}

impl TryFrom<girth_measurement::Model> for GirthMeasurementDto {
    type Error = ApiError;
    fn try_from(r: girth_measurement::Model) -> Result<Self, ApiError> {
        Ok(Self {
            region: r.region.into(),
            side: side_from_stored("girth_measurement.side", r.side)?,
            id: r.id,
            patient_id: r.patient_id,
            appointment_id: r.appointment_id,
            measured_at: r.measured_at,
            landmark: r.landmark,
            distance_cm: to_cm(r.distance_mm),
            circumference_cm: to_cm(r.circumference_mm),
            recorded_by: r.recorded_by,
        })
    }
}

/// One session at one spot. Paired regions give `left_cm` and/or `right_cm` (and
/// `difference_cm` when both were measured); midline spots give `circumference_cm`.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct GirthSessionDto {
    pub appointment_id: Uuid,
    pub measured_at: DateTime<Utc>,
    pub left_cm: Option<f64>,
    pub right_cm: Option<f64>,
    /// Left − right: positive when the left is larger (e.g. swollen).
    pub difference_cm: Option<f64>,
    pub circumference_cm: Option<f64>,
}

impl Example for GirthSessionDto {
    fn example() -> Self {
        Self {
            appointment_id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            measured_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            left_cm: Some(26.2),
            right_cm: Some(24.0),
            difference_cm: Some(2.2),
            circumference_cm: None,
        }
    }
}

impl From<GirthSession> for GirthSessionDto {
    fn from(s: GirthSession) -> Self {
        Self {
            appointment_id: s.appointment_id,
            measured_at: s.measured_at,
            left_cm: s.left_mm.map(to_cm),
            right_cm: s.right_mm.map(to_cm),
            difference_cm: s.difference_mm().map(to_cm),
            circumference_cm: s.midline_mm.map(to_cm),
        }
    }
}

/// One measuring spot (region, landmark, distance) over sessions, oldest first.
#[derive(Debug, Object)]
pub struct GirthSeriesDto {
    pub region: BodyRegion,
    /// As first written.
    pub landmark: String,
    pub distance_cm: f64,
    pub sessions: Vec<GirthSessionDto>,
}

#[derive(ApiResponse)]
pub enum GirthMeasurementsCreated {
    /// Recorded, in the order sent.
    #[oai(status = 201)]
    Created(Json<Vec<GirthMeasurementDto>>),
}

pub struct GirthsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Sessions")]
impl GirthsApi {
    /// Record girth (circumference) measurements taken in a session, all or none.
    #[oai(path = "/appointments/:id/girth-measurements", method = "post", operation_id = "create_girth_measurements")]
    async fn create_girth_measurements(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<GirthMeasurementsRequest>,
    ) -> Result<GirthMeasurementsCreated, ApiError> {
        let mut measured = Vec::with_capacity(body.measurements.len());
        for (i, m) in body.0.measurements.into_iter().enumerate() {
            let valid = GirthMeasurement::new(m.region, m.side, &m.landmark, m.distance_cm, m.circumference_cm)
                .map_err(|e| ApiError::invalid(&format!("measurements[{i}].{}", e.field()), e.to_string()))?;
            measured.push(valid);
        }
        let rows = girths::record(&state.db, state.now(), &auth.0, id.0, measured).await?;
        let out = rows.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?;
        Ok(GirthMeasurementsCreated::Created(Json(out)))
    }

    /// A patient's girth series: per spot, session by session, left and right with their difference.
    #[oai(path = "/patients/:id/girth-measurements", method = "get", operation_id = "list_girth_measurements")]
    async fn list_girth_measurements(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<GirthSeriesDto>>, ApiError> {
        let now = state.now();
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let series = girths::series(&state.db, &record).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::GirthMeasurementRead).patient(record.id).at(now)).await?;
        Ok(Json(
            series
                .into_iter()
                .map(|s| GirthSeriesDto {
                    region: s.region,
                    landmark: s.landmark,
                    distance_cm: to_cm(s.distance_mm),
                    sessions: s.sessions.into_iter().map(Into::into).collect(),
                })
                .collect(),
        ))
    }
}
