//! `vocabulary!` for the domain's closed word lists (body regions, symptoms, reminder
//! kinds …): the plain form of `entity::vocabulary!`, so a word list is declared the same
//! way whether it is stored or not.
//!
//! Domain enums use the plain form only: `ALL`, `as_str` and `parse`, no framework
//! derives (a `#[sea_orm(db_type)]` would make a storage enum, which belongs in `entity`).
//! Whatever the caller writes above the enum (doc comments, `derive`s, `serde`
//! attributes for stored JSON) is kept as written. The API schema of these enums is
//! implemented in `routes::enum_schema` from `ALL` and `as_str`, so the order of the
//! variants is the order the spec lists them in.
//!
//! A leaf: it names no other module.

pub(crate) use entity::vocabulary;
