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
/// transparent huge pages every reuse page-faulted and the kernel zeroed 2 MB pages again
/// (a third of a run's CPU time). A second's delay keeps memory that is about to be reused
/// and still gives back what a long `watch` no longer needs. Measured on the 100k benchmark:
/// never purging cut system time 10 s -> 4 s but raised peak memory 1.8 -> 2.3 GB; 1 s gives
/// 6 s at 1.8 GB.
#[allow(unsafe_code)]
fn tune_allocator() {
    // mimalloc's own environment variable still wins, for whoever wants to tune it.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table; it is
    // documented as callable at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 1000) }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    mosaic::cli::main()
}
