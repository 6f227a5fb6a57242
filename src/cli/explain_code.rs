//! `mosaic explain-code CODE`: what a diagnostic code means and how to fix it.

use super::Exit;
use crate::diag::Code;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The code, e.g. E0204 (case-insensitive). Without it, lists every code.
    pub code: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let Some(code) = args.code else {
        for c in Code::ALL {
            println!("{}  {}", c.as_str(), c.title());
        }
        return Ok(Exit::Success);
    };
    match Code::parse(&code) {
        Some(c) => {
            println!("{}: {}\n\n{}", c.as_str(), c.title(), c.explanation());
            Ok(Exit::Success)
        }
        None => {
            eprintln!("error: unknown diagnostic code `{code}`; `mosaic explain-code` lists them all");
            Ok(Exit::Usage)
        }
    }
}
