//! Which outcome measure a row is about, as `measure_schedule`, `measure_response` and
//! `clinic_instrument` store it. The scoring itself lives in the server's instrument
//! registry; this is only the word.

use sea_orm::entity::prelude::*;

crate::vocabulary! {
    /// Stored as the registry's lowercase id, which the API also uses (`as_str`); a word
    /// outside this set is a decode error, and `parse` gives `None` for it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(32))")]
    pub enum InstrumentId {
        Nprs = "nprs",
        Peg = "peg",
        Psfs = "psfs",
        Pss4 = "pss4",
        Ndi = "ndi",
    }
}
