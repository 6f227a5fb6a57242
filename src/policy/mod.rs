//! Policy files: YAML with spans → the plain policy model, with diagnostics.

mod model;

pub use model::*;
