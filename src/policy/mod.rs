//! Policy files: YAML with spans → the plain policy model, with diagnostics.
//!
//! `load_project` reads `mosaic.yaml` and every `*.yaml`/`*.yml`/`*.json` below `policies/`
//! (recursively, sorted by path, hidden entries skipped) over the built-in standard library
//! (`stdlib`), decodes each document by kind (`decode`) and checks what spans documents
//! (`assemble`). Decisions where SPEC is silent:
//! - A top-level list of mappings is a list of documents (how a JSON file holds several).
//! - YAML aliases are not resolved (they read as null); tags are ignored.
//! - Accepted-and-ignored AEP fields (W0001): on every kind `id imsOrgId sandbox version
//!   createEpoch updateEpoch createdBy modifiedBy _links`; on MergePolicy also `schema`; on
//!   ComputedAttribute also `type keepCurrent mergeFunction schema returnSchema definedOn
//!   encodedDefinedOn positionPath lastEvaluationTs dependencies dependents active
//!   evaluationInfo` and a `path` containing `/` (AEP's schema folder); on Audience also
//!   `schema ttlInDays evaluationInfo creationTime updateTime dependencies dependents definedOn
//!   mergePolicyId profileInstanceId type`.
//! - An expression is a string or AEP's `{type: PQL, format: pql/text, value}` object.
//! - Enum values are case-insensitive (`DAYS`/`days`, `CRMID`/`crmid`); `kind` is not.
//!   `identityGraph.type` also takes AEP's legacy `auto` and `Private Graph` (= pdg);
//!   `attributeMerge.data.order` (legacy) is read like `order`; CA `status` also takes
//!   `INITIALIZING` (= NEW) and `PROCESSING` (= PROCESSED).
//! - A Dataset without `path` reads `data/<name>`.
//! - A project namespace with a standard code overrides it, inheriting the fields it omits;
//!   a new namespace needs a `type`. Duplicate codes are E0009.
//! - A Project document may live in any policy file, but there must be exactly one.

mod assemble;
mod decode;
mod fields;
mod load;
mod model;
pub mod scalar;
pub mod stdlib;
pub mod yaml;

pub use load::load_project;
pub use model::*;
