//! Which outcome measure a row is about, as `measure_schedule`, `measure_response` and
//! `clinic_instrument` store it. The scoring itself lives in the server's instrument
//! registry; this is only the word.

use sea_orm::entity::prelude::*;

/// Stored as the registry's lowercase id. A word outside this set is a decode error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum InstrumentId {
    #[sea_orm(string_value = "nprs")]
    Nprs,
    #[sea_orm(string_value = "peg")]
    Peg,
    #[sea_orm(string_value = "psfs")]
    Psfs,
    #[sea_orm(string_value = "pss4")]
    Pss4,
    #[sea_orm(string_value = "ndi")]
    Ndi,
}

impl InstrumentId {
    /// The stored word, which is also the id the API and the registry use.
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentId::Nprs => "nprs",
            InstrumentId::Peg => "peg",
            InstrumentId::Psfs => "psfs",
            InstrumentId::Pss4 => "pss4",
            InstrumentId::Ndi => "ndi",
        }
    }

    /// The instrument a registry id names, if it is one the tables can hold.
    pub fn parse(id: &str) -> Option<Self> {
        <Self as sea_orm::Iterable>::iter().find(|i| i.as_str() == id)
    }
}
