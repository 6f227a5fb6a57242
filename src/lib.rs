//! mosaic: a declarative compiler and runtime for unified customer profiles.
#![doc = "See README.md for the architecture and code map."]
// The documentation is for the people working on mosaic, private items included: build it
// with `cargo doc --no-deps --document-private-items`, where these links resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub mod check;
pub mod civil;
pub mod cli;
#[allow(unsafe_code)]
pub mod codegen;
pub mod diag;
pub mod engine;
pub mod fnv;
pub mod frontend;
pub mod gen;
pub mod identity;
pub mod ingest;
pub mod intern;
pub mod interp;
pub mod ir;
pub mod merge;
pub mod ops;
pub mod output;
pub mod policy;
pub mod runtime;
pub mod store;
pub mod syntax;
pub mod value;
pub mod watch;
