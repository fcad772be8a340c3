//! Fascia: the backend of a patient self-care PWA for medical massage therapy.
//!
//! `startup` builds the server; `routes` is the HTTP API (one file per resource) over
//! `services` (domain logic, ownership checks, transactions); `auth` is passwords, tokens
//! and the role-checking security schemes. See `docs/architecture.md` for the whole picture.

pub mod auth;
pub mod cli;
pub mod client_addr;
pub mod clinical;
pub mod clock;
pub mod compress;
pub mod config;
pub mod content;
pub mod data_key;
pub mod db;
pub mod domain;
pub mod error;
pub mod ids;
pub mod memory;
pub mod metrics;
pub mod middleware;
pub mod outage;
pub mod pg_nodelay;
pub mod push;
pub mod rate_limit;
pub mod reminders;
pub mod request_id;
pub mod routes;
pub mod services;
pub mod sigv4;
pub mod smtp_url;
pub mod startup;
pub mod state;
pub mod store_error;
pub mod stored;
pub mod vocabulary;
pub mod web;
pub mod workers;
pub mod writer;
