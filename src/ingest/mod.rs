//! Ingest: batch files → records, events and identities, with rejections.

pub mod sample;
