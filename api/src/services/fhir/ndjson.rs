//! The clinic-wide export in the FHIR Bulk Data layout: a directory with one
//! `<ResourceType>.ndjson` file per resource type, one resource per line, each resource
//! once (the clinic and its staff are shared by many patients).
//!
//! Files are written whole to a temporary name and renamed, so a reader never sees half
//! a file; a failed export leaves no `.ndjson` of its own behind.

use entity::AuditAction;
use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;
use uuid::Uuid;

use super::{Dedup, Links, gather, resources};
use crate::ids::ClinicId;
use crate::services::{
    audit::{self, Event},
    patients,
};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no clinic with this id")]
    UnknownClinic,
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What an export wrote: patients read, and lines per file name.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    pub patients: usize,
    pub files: BTreeMap<String, usize>,
}

/// Exports every patient of `clinic_id` into `dir` (created if missing).
pub async fn write_clinic<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    links: &Links,
    clinic_id: Uuid,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    use sea_orm::EntityTrait;
    if entity::clinic::Entity::find_by_id(clinic_id).one(db).await?.is_none() {
        return Err(ExportError::UnknownClinic);
    }
    let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut seen = Dedup::default();
    let records = patients::all_in_clinic(db, ClinicId::new(clinic_id)).await?;
    let count = records.len();
    for patient in records {
        let record = gather(db, patient).await?;
        for r in resources(&record, links)? {
            if seen.first(&r) {
                let kind = r["resourceType"].as_str().unwrap_or("Unknown").to_owned();
                by_type.entry(kind).or_default().push(r);
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| ExportError::Io(dir.to_owned(), e))?;
    let mut summary = ExportSummary { patients: count, files: BTreeMap::new() };
    for (kind, items) in by_type {
        let name = format!("{kind}.ndjson");
        write_file(&dir.join(&name), &items)?;
        summary.files.insert(name, items.len());
    }
    let event =
        Event::system(ClinicId::new(clinic_id), AuditAction::FhirExportClinic).resource(format!("patients:{count}"));
    audit::record(db, now, event).await?;
    Ok(summary)
}

fn write_file(path: &Path, items: &[Value]) -> Result<(), ExportError> {
    let partial = path.with_extension("ndjson.partial");
    let io = |e| ExportError::Io(path.to_owned(), e);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(io)?);
    for item in items {
        serde_json::to_writer(&mut out, item).map_err(|e| io(e.into()))?;
        out.write_all(b"\n").map_err(io)?;
    }
    out.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}
