//! The `mosaic` command-line tool.

fn main() -> std::process::ExitCode {
    mosaic::cli::main()
}
