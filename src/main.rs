//! The `mosaic` command-line tool.

/// mimalloc instead of the system allocator: a run makes and frees millions of small JSON
/// values, and glibc's malloc spent a third of a run consolidating and splitting its free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mosaic::cli::main()
}
