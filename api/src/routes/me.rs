//! `/api/v1/me`: the signed-in user's own account.

use entity::user;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use super::{ApiTags, RoleDto};
use crate::{
    auth::UserAuth,
    domain::{DisplayName, TimeZoneName},
    error::ApiError,
    state::AppState,
};

#[derive(Debug, Object)]
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

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[oai(validator(max_length = 200))]
    pub display_name: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    #[oai(validator(max_length = 64))]
    pub timezone: Option<String>,
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
    async fn get_me(&self, state: Data<&AppState>, auth: UserAuth) -> Result<Json<MeDto>, ApiError> {
        let account = user::Entity::find_by_id(auth.0.user_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
        Ok(Json(to_dto(account, auth.0.patient_id)))
    }

    /// Change your display name or time zone.
    #[oai(path = "/me", method = "patch", operation_id = "update_me")]
    async fn update_me(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        body: Json<UpdateMeRequest>,
    ) -> Result<Json<MeDto>, ApiError> {
        let name = body
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()
            .map_err(|e| ApiError::invalid("display_name", e.0))?;
        let tz = body
            .timezone
            .as_deref()
            .map(TimeZoneName::parse)
            .transpose()
            .map_err(|e| ApiError::invalid("timezone", e.0))?;
        let account = user::Entity::find_by_id(auth.0.user_id)
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
        let mut active: user::ActiveModel = account.into();
        if let Some(name) = name {
            active.display_name = Set(name.as_str().to_owned());
        }
        if let Some(tz) = tz {
            active.timezone = Set(tz.as_str().to_owned());
        }
        active.updated_at = Set(state.now());
        let updated = active.update(&state.db).await?;
        Ok(Json(to_dto(updated, auth.0.patient_id)))
    }
}
