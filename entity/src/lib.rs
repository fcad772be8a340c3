//! Sea-orm entities, one file per table. These are storage shapes only: the API never
//! takes or returns them directly (DTOs live in `fascia::routes`).

pub mod audit_event;
pub mod clinic;
pub mod invite;
pub mod patient;
pub mod refresh_token;
pub mod role;
pub mod user;

pub use role::Role;
