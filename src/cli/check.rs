//! `mosaic check [PROJECT] [--format human|json]`: compile every policy and report diagnostics.

use super::Exit;
use crate::diag;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project folder.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// `human`: compiler-style text; `json`: one JSON object per diagnostic (then a summary object).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let fe = crate::frontend::compile_project(&args.project);
    let errors = fe.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = fe.diagnostics.len() - errors;
    // Built-in files are not the user's: count only the project's own policy files.
    let checked = fe.files.iter().filter(|(_, f)| !f.name.starts_with("<builtin>")).count();
    match args.format {
        Format::Human => {
            print!("{}", diag::render_human(&fe.files, &fe.diagnostics));
            println!("{}", summary(checked, errors, warnings));
        }
        Format::Json => {
            print!("{}", diag::render_json(&fe.files, &fe.diagnostics));
            let v =
                serde_json::json!({"summary": {"files": checked, "errors": errors, "warnings": warnings}});
            println!("{v}");
        }
    }
    Ok(if errors > 0 { Exit::Failure } else { Exit::Success })
}

/// `checked 3 policy files: 1 error, 2 warnings`.
fn summary(files: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    format!(
        "checked {}: {}, {}",
        plural(files, "policy file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_pluralizes() {
        assert_eq!(super::summary(1, 0, 1), "checked 1 policy file: 0 errors, 1 warning");
        assert_eq!(super::summary(3, 2, 0), "checked 3 policy files: 2 errors, 0 warnings");
    }
}
