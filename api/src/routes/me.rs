//! `/api/v1/me`: the signed-in user's own account.

use entity::user;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, RoleDto, text::Text};
use crate::{
    auth::UserAuth,
    domain::{DisplayName, TimeZoneName},
    error::ApiError,
    services::accounts,
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct MeDto {
    pub id: Uuid,
    pub email: String,
    pub role: RoleDto,
    pub display_name: String,
    /// IANA time zone used for the user's local days and reminders.
    pub timezone: String,
    pub clinic_id: Uuid,
    /// The user's patient record, for patients.
    pub patient_id: Option<Uuid>,
}

impl Example for MeDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-0000000000b1"),
            email: "maria.keller@example.org".into(),
            role: RoleDto::Patient,
            display_name: "Maria Keller".into(),
            timezone: "Europe/Berlin".into(),
            clinic_id: uuid!("0193a5b2-4c00-7000-8000-000000000001"),
            patient_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000101")),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct UpdateMeRequest {
    #[oai(nullable, validator(max_length = 200, min_length = 1))]
    pub display_name: Option<Text>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    #[oai(nullable, validator(max_length = 64))]
    pub timezone: Option<Text>,
}

impl Example for UpdateMeRequest {
    fn example() -> Self {
        Self { display_name: Some("Maria K.".into()), timezone: Some("Europe/Vienna".into()) }
    }
}

fn to_dto(u: user::Model, patient_id: Option<Uuid>) -> MeDto {
    MeDto {
        id: u.id,
        email: u.email,
        role: u.role.into(),
        display_name: u.display_name,
        timezone: u.timezone,
        clinic_id: u.clinic_id,
        patient_id,
    }
}

pub struct MeApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Me")]
impl MeApi {
    /// Your account: who you are, your role, clinic and time zone.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn get_me(&self, auth: UserAuth) -> Result<Json<MeDto>, ApiError> {
        // Result only so the error responses the security scheme can give are documented.
        Ok(Json(to_dto(auth.0.account, auth.0.patient_id)))
    }

    /// Change your display name or time zone.
    #[oai(path = "/me", method = "patch", operation_id = "update_me")]
    async fn update_me(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        body: Json<UpdateMeRequest>,
    ) -> Result<Json<MeDto>, ApiError> {
        let name = body.display_name.as_deref().map(DisplayName::parse).transpose();
        let name = name.map_err(|e| ApiError::invalid("display_name", e.0))?;
        let tz = body.timezone.as_deref().map(TimeZoneName::parse).transpose();
        let tz = tz.map_err(|e| ApiError::invalid("timezone", e.0))?;
        let patient_id = auth.0.patient_id;
        let updated = accounts::update_profile(&state.db, state.now(), auth.0.account, name, tz).await?;
        // Requests authenticate against a briefly remembered account; a new zone must
        // count from the next request on.
        state.live_sessions.changed();
        Ok(Json(to_dto(updated, patient_id)))
    }
}
