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
///
/// Transparent huge pages are turned off for the process too: with them, every fresh 2 MB
/// region a run touches is zeroed whole by the kernel. This is done with `prctl` directly:
/// mimalloc's own `allow_thp` option is only read when mimalloc initializes, before `main`,
/// so setting it here did nothing (its environment variable works). On the 100k benchmark
/// (same binary, runs alternated) system time fell from 2.6-4.7 s to 1.7-2.2 s.
#[allow(unsafe_code)]
fn tune_allocator() {
    // mimalloc's own environment variables still win, for whoever wants to tune it. An
    // option is only set while it holds its documented default, so a mimalloc whose enum
    // numbers differ is left alone rather than mistuned.
    let (variable, option, default, value) = ("MIMALLOC_PURGE_DELAY", PURGE_DELAY, 10, 1000);
    // SAFETY: `mi_option_get` and `mi_option_set` only read and store an integer in mimalloc's
    // option table; they are documented as callable at any time, from any thread.
    if std::env::var_os(variable).is_none() && unsafe { libmimalloc_sys::mi_option_get(option) } == default {
        unsafe { libmimalloc_sys::mi_option_set(option, value) }
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and sets a flag of the
        // process; a kernel without it returns an error, which changes nothing.
        unsafe {
            // The arguments after the option are `unsigned long` in the kernel's prototype.
            let (on, unused): (libc::c_ulong, libc::c_ulong) = (1, 0);
            libc::prctl(libc::PR_SET_THP_DISABLE, on, unused, unused, unused);
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_allocator();
    mosaic::cli::main()
}
