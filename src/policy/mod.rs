//! Policy files: YAML with spans → the plain policy model, with diagnostics.

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
