//! The `mosaic` command-line tool.

/// mimalloc instead of the system allocator: a run makes and frees millions of small JSON
/// values, and glibc's malloc spent a third of a run consolidating and splitting its free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (position 15 of its `mi_option_e` enum, the same in its
/// v2 and v3 headers; the Rust bindings name the options around it but not this one).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// By default mimalloc hands freed memory back to the OS after 10 ms; a run frees and reuses
/// memory constantly (a batch file's lines, then its parsed form), so on a machine with
/// transparent huge pages every reuse page-faulted and the kernel zeroed 2 MB pages again:
/// 30–60 % of a run's CPU time. Batch commands keep freed memory (their peak is what counts);
/// `watch` runs for days, so it gives memory back after a second of disuse.
#[allow(unsafe_code)]
fn tune_allocator(long_running: bool) {
    let delay_ms = if long_running { 1000 } else { -1 };
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table; it is
    // documented as callable at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay_ms) }
}

fn main() -> std::process::ExitCode {
    tune_allocator(std::env::args().nth(1).as_deref() == Some("watch"));
    mosaic::cli::main()
}
