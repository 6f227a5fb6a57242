//! The `mosaic` command-line tool.

/// mimalloc instead of the system allocator: a run makes and frees millions of small JSON
/// values, and glibc's malloc spent a third of a run consolidating and splitting its free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (position 15 of its `mi_option_e` enum, the same in its
/// v2 and v3 headers; the Rust bindings name the options around it but not this one).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc v3's `mi_option_allow_thp` (position 43 of `mi_option_e` in the v3 header the
/// bindings build; checked by compiling a program against that header).
const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

/// By default mimalloc hands freed memory back to the OS after 10 ms; a run frees and reuses
/// memory constantly (a batch file's lines, then its parsed form), so on a machine with
/// transparent huge pages every reuse page-faulted and the kernel zeroed 2 MB pages again
/// (a third of a run's CPU time). A second's delay keeps memory that is about to be reused
/// and still gives back what a long `watch` no longer needs. Measured on the 100k benchmark:
/// never purging cut system time 10 s -> 4 s but raised peak memory 1.8 -> 2.3 GB; 1 s gives
/// 6 s at 1.8 GB.
///
/// Transparent huge pages are turned off for the process too: with them, every fresh 2 MB
/// region a run touches is zeroed whole by the kernel. On the 100k benchmark (same binary,
/// one run each way, load ~1.3) system time fell from 6.7 s to 2.6 s and the wall time from
/// 13.1 s to 10.2-11.4 s, peak memory unchanged.
#[allow(unsafe_code)]
fn tune_allocator() {
    // mimalloc's own environment variables still win, for whoever wants to tune it. An
    // option is only set while it holds its documented default, so a mimalloc whose enum
    // numbers differ is left alone rather than mistuned.
    let options = [("MIMALLOC_PURGE_DELAY", PURGE_DELAY, 10, 1000), ("MIMALLOC_ALLOW_THP", ALLOW_THP, 1, 0)];
    for (variable, option, default, value) in options {
        // SAFETY: `mi_option_get` and `mi_option_set` only read and store an integer in
        // mimalloc's option table; they are documented as callable at any time, from any
        // thread.
        if std::env::var_os(variable).is_none()
            && unsafe { libmimalloc_sys::mi_option_get(option) } == default
        {
            unsafe { libmimalloc_sys::mi_option_set(option, value) }
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    mosaic::cli::main()
}
