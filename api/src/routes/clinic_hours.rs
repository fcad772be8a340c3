//! `/api/v1/clinic/hours`: when the care team reads messages. Outside these hours a
//! patient's message gets one automatic reply per off-hours stretch saying when it will
//! be read. Read by anyone in the clinic (the app shows them), set by clinic admins.

use chrono::Weekday;
use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, payload::Json, types::Example};

use super::{ApiTags, text::Text};
use crate::{
    auth::{AdminAuth, UserAuth},
    error::ApiError,
    services::messages::hours::{self, DayHours, HoursError, WeeklyHours},
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum WeekdayDto {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<WeekdayDto> for Weekday {
    fn from(d: WeekdayDto) -> Self {
        match d {
            WeekdayDto::Monday => Weekday::Mon,
            WeekdayDto::Tuesday => Weekday::Tue,
            WeekdayDto::Wednesday => Weekday::Wed,
            WeekdayDto::Thursday => Weekday::Thu,
            WeekdayDto::Friday => Weekday::Fri,
            WeekdayDto::Saturday => Weekday::Sat,
            WeekdayDto::Sunday => Weekday::Sun,
        }
    }
}

impl From<Weekday> for WeekdayDto {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => Self::Monday,
            Weekday::Tue => Self::Tuesday,
            Weekday::Wed => Self::Wednesday,
            Weekday::Thu => Self::Thursday,
            Weekday::Fri => Self::Friday,
            Weekday::Sat => Self::Saturday,
            Weekday::Sun => Self::Sunday,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DayHoursDto {
    pub weekday: WeekdayDto,
    /// `HH:MM` local time in the clinic's zone.
    pub open: Text,
    /// `HH:MM`, after `open`; `24:00` for midnight.
    pub close: Text,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct ClinicHoursDto {
    /// The clinic's IANA time zone, in which the hours are meant.
    pub timezone: String,
    /// Weekdays without an entry are closed. No entries: no automatic replies.
    pub days: Vec<DayHoursDto>,
}

impl Example for ClinicHoursDto {
    fn example() -> Self {
        let day = |weekday| DayHoursDto { weekday, open: "08:00".into(), close: "17:30".into() };
        Self { timezone: "Europe/Berlin".into(), days: vec![day(WeekdayDto::Monday), day(WeekdayDto::Tuesday)] }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct UpdateClinicHours {
    /// At most one entry per weekday.
    #[oai(validator(max_items = 7))]
    pub days: Vec<DayHoursDto>,
}

impl Example for UpdateClinicHours {
    fn example() -> Self {
        Self { days: ClinicHoursDto::example().days }
    }
}

fn parse_minute(field: &str, value: &str) -> Result<i16, ApiError> {
    let bad = || ApiError::invalid(field, "must be a local time HH:MM between 00:00 and 24:00");
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (i16, i16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) => Ok(24 * 60),
        (0..24, 0..60) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

fn format_minute(m: i16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

impl TryFrom<UpdateClinicHours> for WeeklyHours {
    type Error = ApiError;
    fn try_from(body: UpdateClinicHours) -> Result<Self, ApiError> {
        let mut days = Vec::with_capacity(body.days.len());
        for (i, d) in body.days.into_iter().enumerate() {
            let open = parse_minute(&format!("days[{i}].open"), &d.open)?;
            let close = parse_minute(&format!("days[{i}].close"), &d.close)?;
            days.push(
                DayHours::new(d.weekday.into(), open, close)
                    .map_err(|e| ApiError::invalid(&format!("days[{i}]"), e.to_string()))?,
            );
        }
        WeeklyHours::new(days).map_err(|e: HoursError| ApiError::invalid("days", e.to_string()))
    }
}

fn dto(hours: WeeklyHours, tz: chrono_tz::Tz) -> ClinicHoursDto {
    ClinicHoursDto {
        timezone: tz.name().to_owned(),
        days: hours
            .days()
            .iter()
            .map(|d| DayHoursDto {
                weekday: d.weekday().into(),
                open: format_minute(d.open()).as_str().into(),
                close: format_minute(d.close()).as_str().into(),
            })
            .collect(),
    }
}

pub struct ClinicHoursApi;

#[OpenApi(prefix_path = "/api/v1/clinic", tag = "ApiTags::Clinic")]
impl ClinicHoursApi {
    /// When your clinic's care team reads messages.
    #[oai(path = "/hours", method = "get", operation_id = "get_clinic_hours")]
    async fn get_clinic_hours(&self, state: Data<&AppState>, auth: UserAuth) -> Result<Json<ClinicHoursDto>, ApiError> {
        let (hours, tz) = hours::get(&state.db, auth.0.clinic()).await?;
        Ok(Json(dto(hours, tz)))
    }

    /// Replace your clinic's message hours; automatic off-hours replies follow them at once.
    #[oai(path = "/hours", method = "put", operation_id = "update_clinic_hours")]
    async fn update_clinic_hours(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<UpdateClinicHours>,
    ) -> Result<Json<ClinicHoursDto>, ApiError> {
        let hours = WeeklyHours::try_from(body.0)?;
        let (hours, tz) = hours::replace(&state.db, state.now(), &auth.0, hours).await?;
        Ok(Json(dto(hours, tz)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_minutes_and_midnight_closes_the_day() {
        assert_eq!(parse_minute("t", "08:30").ok(), Some(510));
        assert_eq!(parse_minute("t", "24:00").ok(), Some(1440));
        for bad in ["24:01", "8:30", "08:60", "+8:30", "-1:00", "", "0830"] {
            assert!(parse_minute("t", bad).is_err(), "{bad}");
        }
    }
}
