//! Policy files: YAML with spans → the plain policy model, with diagnostics.

mod model;
pub mod scalar;
pub mod yaml;

pub use model::*;
