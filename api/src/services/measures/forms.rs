//! How a measure is asked in one clinic: the instrument's own items, or for a licensed
//! instrument the text the clinic holds a licence for. Kept apart from scheduling and
//! scoring, which only need the finished form.

use chrono::{DateTime, Utc};
use entity::{
    AuditAction, InstrumentId, JsonText,
    clinic_instrument::{self, ItemText, LicensedItemV2, LicensedTextV2},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait, sea_query::OnConflict,
};

use super::{MeasureError, instrument, registered, stored_id};
use crate::{
    auth::Principal,
    clinical::instruments::{Instrument, Items, Licence, LicensedItem, LicensedText},
    db,
    ids::ClinicId,
    services::audit::{self, Event},
};

/// A measure as the patient is asked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub instructions: String,
    /// The period the answers are about, where the form names one.
    pub recall_period: Option<String>,
    pub items: Vec<FormItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormItem {
    pub prompt: String,
    /// One label per answer value from `item_min`; empty for 0–10 ratings whose
    /// anchors are in the prompt.
    pub options: Vec<String>,
}

/// The clinic's licensed text for `inst`, when it is complete. Version 1 (a bare array
/// of prompts, without answer labels, instructions or recall period) cannot be shown in
/// the validated format, so the instrument counts as not supplied until an admin sends
/// the full text again; so does version 2 text that no longer fits the instrument. Text
/// that does not decode at all failed when the row was read.
fn complete_text(inst: &Instrument, stored: &ItemText) -> Option<LicensedText> {
    match stored {
        ItemText::PromptsV1(_) => None,
        ItemText::V2(text) => LicensedText::from_stored(
            inst,
            text.instructions.clone(),
            text.recall_period.clone(),
            text.items.iter().map(|i| LicensedItem { prompt: i.prompt.clone(), options: i.options.clone() }).collect(),
        ),
    }
}

/// The text to store for a validated licensed text (always the current version).
fn to_stored(text: &LicensedText) -> ItemText {
    ItemText::V2(LicensedTextV2 {
        instructions: text.instructions().to_owned(),
        recall_period: text.recall_period().to_owned(),
        items: text
            .items()
            .iter()
            .map(|i| LicensedItemV2 { prompt: i.prompt.clone(), options: i.options.clone() })
            .collect(),
    })
}

/// How `inst` is asked in this clinic, or `None` when it cannot be used there.
pub async fn form<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    inst: &Instrument,
    activities: &[String],
) -> Result<Option<Form>, DbErr> {
    let licensed = match inst.items {
        Items::Licensed { .. } => {
            clinic_instrument::Entity::find_by_id((clinic_id.uuid(), stored_id(inst))).one(db).await?
        }
        _ => None,
    };
    Ok(form_with(inst, activities, licensed.as_ref()))
}

/// `form` once the clinic's licensed text for `inst` (if it has any) has been read.
pub(super) fn form_with(
    inst: &Instrument,
    activities: &[String],
    licensed: Option<&clinic_instrument::Model>,
) -> Option<Form> {
    let plain = |prompts: Vec<String>| Form {
        instructions: inst.instructions.to_owned(),
        recall_period: None,
        items: prompts.into_iter().map(|prompt| FormItem { prompt, options: vec![] }).collect(),
    };
    match inst.items {
        Items::Prompts(p) => Some(plain(p.iter().map(|s| (*s).to_owned()).collect())),
        Items::PatientActivities { .. } => Some(plain(activities.to_vec())),
        Items::Licensed { .. } => {
            let row = licensed?;
            complete_text(inst, &row.item_text.0).map(|text| Form {
                instructions: text.instructions().to_owned(),
                recall_period: Some(text.recall_period().to_owned()),
                items: text
                    .items()
                    .iter()
                    .map(|i| FormItem { prompt: i.prompt.clone(), options: i.options.clone() })
                    .collect(),
            })
        }
    }
}

/// The licensed instruments a clinic has switched on with complete text.
pub async fn licensed_enabled<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<Vec<InstrumentId>, DbErr> {
    let mut enabled = Vec::new();
    for row in
        clinic_instrument::Entity::find().filter(clinic_instrument::Column::ClinicId.eq(clinic_id)).all(db).await?
    {
        if complete_text(registered(row.instrument), &row.item_text.0).is_some() {
            enabled.push(row.instrument);
        }
    }
    Ok(enabled)
}

/// The licensed text as an admin sent it, not yet checked against its instrument.
#[derive(Debug, Clone)]
pub struct LicensedTextInput {
    pub instructions: String,
    pub recall_period: String,
    pub items: Vec<LicensedItem>,
}

/// Switches a licensed instrument on for the admin's clinic with the text it holds a
/// licence for (replacing earlier text).
pub async fn supply_licensed_text<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: &str,
    input: LicensedTextInput,
) -> Result<(), MeasureError> {
    let inst = instrument(id)?;
    let text = LicensedText::new(inst, input.instructions, input.recall_period, input.items)?;
    let txn = db::begin_write(db).await?;
    clinic_instrument::Entity::insert(clinic_instrument::ActiveModel {
        clinic_id: Set(who.clinic_id),
        instrument: Set(stored_id(inst)),
        item_text: Set(JsonText(to_stored(&text))),
        enabled_by: Set(who.user_id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([clinic_instrument::Column::ClinicId, clinic_instrument::Column::Instrument])
            .update_columns([clinic_instrument::Column::ItemText, clinic_instrument::Column::EnabledBy])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(&txn, now, Event::by(who, AuditAction::InstrumentEnable).resource(format!("instrument:{}", inst.id)))
        .await?;
    txn.commit().await?;
    Ok(())
}

pub fn licence_name(inst: &Instrument) -> &'static str {
    match inst.licence {
        Licence::Free => "free",
        Licence::TextLicensed { .. } => "text_licensed",
    }
}
