//! Setting up clinics from the command line: `create-admin` and the `demo` data set.

use chrono::{DateTime, Utc};
use entity::{JsonText, Role, appointment, check_in, clinic, measure_schedule, patient, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    auth::{password, tokens},
    db,
    domain::{DisplayName, Email, NewPassword, TimeZoneName},
};

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("an account with email {0} already exists")]
    EmailTaken(String),
    #[error("this database already holds real clinics; the demo only runs on an empty or demo-only database")]
    RealClinicsPresent,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct NewClinicAdmin {
    pub clinic_name: DisplayName,
    pub timezone: TimeZoneName,
    pub email: Email,
    pub display_name: DisplayName,
    pub password: NewPassword,
}

struct NewUser<'a> {
    clinic_id: Uuid,
    role: Role,
    email: &'a str,
    name: &'a str,
    timezone: &'a str,
    password: &'a str,
}

async fn insert_user<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, new: NewUser<'_>) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(new.clinic_id),
        role: Set(new.role),
        email: Set(new.email.to_owned()),
        password_hash: Set(password::hash(new.password)),
        display_name: Set(new.name.to_owned()),
        timezone: Set(new.timezone.to_owned()),
        disabled_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

async fn insert_clinic<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    name: &str,
    timezone: &str,
    is_demo: bool,
) -> Result<clinic::Model, DbErr> {
    clinic::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        timezone: Set(timezone.to_owned()),
        is_demo: Set(is_demo),
        emergency_number: Set(None),
        clinic_phone: Set(None),
        crisis_line: Set(None),
        escalation_delay_seconds: Set(crate::services::clinic_settings::DEFAULT_ESCALATION_DELAY_SECONDS),
        late_note_days: Set(crate::services::clinic_settings::DEFAULT_LATE_NOTE_DAYS),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Creates a clinic and its first admin.
pub async fn create_clinic_admin<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    new: NewClinicAdmin,
) -> Result<(clinic::Model, user::Model), ProvisionError> {
    if user::Entity::find().filter(user::Column::Email.eq(new.email.as_str())).one(db).await?.is_some() {
        return Err(ProvisionError::EmailTaken(new.email.to_string()));
    }
    let txn = db::begin_write(db).await?;
    let clinic = insert_clinic(&txn, now, new.clinic_name.as_str(), new.timezone.as_str(), false).await?;
    let admin = insert_user(
        &txn,
        now,
        NewUser {
            clinic_id: clinic.id,
            role: Role::Admin,
            email: new.email.as_str(),
            name: new.display_name.as_str(),
            timezone: new.timezone.as_str(),
            password: new.password.expose(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((clinic, admin))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_id: Option<Uuid>,
}

const DEMO_TZ: &str = "America/New_York";
const DEMO_DOMAIN: &str = "demo.fascia.invalid";

/// Seeds (or re-seeds) the demo clinic and prints fresh passwords each time, so a
/// newcomer who lost the output can simply run it again. Refuses to touch a database that
/// holds any non-demo clinic.
pub async fn seed_demo<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<DemoLogin>, ProvisionError> {
    let real = clinic::Entity::find().filter(clinic::Column::IsDemo.eq(false)).count(db).await?;
    if real > 0 {
        return Err(ProvisionError::RealClinicsPresent);
    }
    let people = [
        (Role::Admin, "admin", "Dana Admin"),
        (Role::Therapist, "therapist", "Theo Therapist"),
        (Role::Patient, "patient1", "Pat Rivera"),
        (Role::Patient, "patient2", "Sam Okafor"),
    ];
    let txn = db::begin_write(db).await?;
    let clinic = match clinic::Entity::find().filter(clinic::Column::IsDemo.eq(true)).one(&txn).await? {
        Some(c) => c,
        None => insert_clinic(&txn, now, "Demo Massage Therapy Clinic", DEMO_TZ, true).await?,
    };
    let mut logins = Vec::new();
    let mut therapist_id = None;
    for (role, local, name) in people {
        let email = format!("{local}@{DEMO_DOMAIN}");
        let password = format!("demo-{}", &tokens::generate()[..12]);
        let account = match user::Entity::find().filter(user::Column::Email.eq(&email)).one(&txn).await? {
            Some(existing) => {
                let mut active: user::ActiveModel = existing.into();
                active.password_hash = Set(password::hash(&password));
                active.password_changed_at = Set(now);
                active.updated_at = Set(now);
                active.update(&txn).await?
            }
            None => {
                let new =
                    NewUser { clinic_id: clinic.id, role, email: &email, name, timezone: DEMO_TZ, password: &password };
                insert_user(&txn, now, new).await?
            }
        };
        let mut patient_id = None;
        if role == Role::Therapist {
            therapist_id = Some(account.id);
        }
        if role == Role::Patient {
            let existing = patient::Entity::find().filter(patient::Column::UserId.eq(account.id)).one(&txn).await?;
            let record = match existing {
                Some(p) => p,
                None => {
                    let record = patient::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        clinic_id: Set(clinic.id),
                        user_id: Set(Some(account.id)),
                        primary_therapist_id: Set(therapist_id.expect("therapist is seeded before patients")),
                        display_name: Set(name.to_owned()),
                        search_name: Set(name.to_lowercase()),
                        referring_physician_name: Set(Some("Dr. Demo Referrer".into())),
                        referring_physician_contact: Set(None),
                        diagnosis: Set(Some("Neck and upper-back stiffness (demo data)".into())),
                        icd10_codes: Set("M54.2".into()),
                        precautions: Set(None),
                        baseline_pain: Set(Some(6)),
                        disengaged_after_days: Set(3),
                        consent_reminders: Set(true),
                        consent_physician_sharing: Set(false),
                        archived_at: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(&txn)
                    .await?;
                    if local == "patient1" {
                        seed_demo_history(&txn, now, &record).await?;
                    }
                    record
                }
            };
            patient_id = Some(record.id);
        }
        logins.push(DemoLogin { role, email, password, display_name: name.to_owned(), patient_id });
    }
    txn.commit().await?;
    Ok(logins)
}

/// Two weeks of evening check-ins with pain easing from 6 to about 4, a weekly pain
/// rating, and a session booked for next week, so trends and today have something to show.
async fn seed_demo_history<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
) -> Result<(), DbErr> {
    use crate::clinical::body::{BodyRegion, PainQuality, PainSite};
    let tz: chrono_tz::Tz = DEMO_TZ.parse().expect("demo zone is valid");
    let neck =
        |pain: i16| PainSite::new(BodyRegion::Neck, None, pain as u8, vec![PainQuality::Stiff]).expect("valid site");
    let mut rows = Vec::new();
    for days_ago in (1..=14i64).rev() {
        let at = now - chrono::Duration::days(days_ago);
        let pain = (6 - (14 - days_ago) / 5) as i16;
        rows.push(check_in::Model {
            id: Uuid::now_v7(),
            patient_id: record.id,
            recorded_at: at,
            local_date: crate::services::local_date(at, tz),
            pain: Some(pain),
            stress: Some((5 - days_ago % 3) as i16),
            sleep_quality: Some(6),
            medication: Some(if days_ago > 10 { check_in::Medication::NonOpioid } else { check_in::Medication::None }),
            medications: JsonText::default(),
            pain_sites: crate::services::check_ins::stored_sites(&[neck(pain)]),
            red_flags: JsonText::default(),
            context: check_in::Context::Daily,
            note: None,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        });
    }
    // Every column Set, so each row is inserted as built; trends read the daily roll-up.
    check_in::Entity::insert_many(rows.iter().map(|r| r.clone().into_active_model().reset_all()))
        .exec_without_returning(db)
        .await?;
    crate::services::check_in_days::add(db, &rows.iter().collect::<Vec<_>>()).await?;
    measure_schedule::Entity::insert(measure_schedule::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(record.id),
        instrument: Set(entity::InstrumentId::Nprs),
        every_days: Set(7),
        starts_on: Set(crate::services::local_date(now, tz)),
        activities: Set(entity::JsonText(Vec::new())),
        created_by: Set(record.primary_therapist_id),
        created_at: Set(now),
        updated_at: Set(now),
        ended_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    let starts = now + chrono::Duration::days(7);
    appointment::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        therapist_id: Set(record.primary_therapist_id),
        starts_at: Set(starts),
        ends_at: Set(starts + chrono::Duration::hours(1)),
        status: Set(entity::appointment::Status::Scheduled),
        authorization_id: Set(None),
        care_plan_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
