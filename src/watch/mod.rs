//! `mosaic watch`: run, then ingest new batch files as they land and hot-reload policies.
//!
//! The loop is single-threaded and owns the session: file-system events (debounced by
//! `notify-debouncer-full`) go through the pure [`classify`](classify::classify); batch files
//! are taken once settled; policy changes are compiled on another thread and swapped in
//! between evaluations. A stop signal is honoured after the current evaluation.

pub mod apply;
pub mod classify;
pub mod incremental;
pub mod reload;
pub mod session;
pub mod state;

pub use session::{Error, Evaluation, Options, Session};

use classify::Change;
use incremental::thousands;
use notify::RecursiveMode;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Test knob: how long a batch file must stay unchanged before it is taken (ms).
const SETTLE_ENV: &str = "MOSAIC_WATCH_SETTLE_MS";
/// A file taken while still being written is read again when it changes (its size or mtime
/// differs from the manifest's), so a short settle costs at most a re-read, never data.
const DEFAULT_SETTLE_MS: u64 = 50;
/// A file still being written after this long is taken anyway (and re-read when it changes).
const MAX_WAIT: Duration = Duration::from_secs(10);
/// `profiles.jsonl` is rewritten once no batch has been evaluated for this long: a rewrite
/// costs more than a batch's latency budget at 100,000 profiles, so it waits for a lull.
const FLUSH_AFTER: Duration = Duration::from_secs(1);
/// With the wall clock as `now` (no `--as-of`), computed-attribute windows move although no
/// data changes; incremental evaluations only rebuild the profiles a batch touches, so every
/// profile is re-evaluated in full at this cadence, when no batch is waiting.
const CLOCK_REFRESH: Duration = Duration::from_secs(15 * 60);

enum Msg {
    Fs(notify_debouncer_full::DebounceEventResult),
    Compiled(Box<reload::Outcome>),
    Stop,
}

/// A batch file seen changing, waiting to settle.
struct Pending {
    removed: bool,
    /// Renamed into place (and not touched since): complete, taken at once.
    complete: bool,
    since: Instant,
}

/// How often pending files are checked.
const POLL: Duration = Duration::from_millis(10);

/// Runs until SIGINT/SIGTERM. Returns the start error when the policies do not compile.
pub fn watch(opts: Options) -> Result<(), Error> {
    let settle = Duration::from_millis(
        std::env::var(SETTLE_ENV).ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_SETTLE_MS),
    );
    let (tx, rx) = mpsc::channel::<Msg>();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let (stop, tx) = (Arc::clone(&stop), tx.clone());
        // ctrlc runs this on its own thread, not in signal context, so sending is safe. It can
        // only be installed once per process; a second session in-process simply has none.
        let _ = ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            let _ = tx.send(Msg::Stop);
        });
    }

    let (mut session, first) = Session::start(opts)?;
    print!("{}", first.report.summary());
    log_evaluation("start", &first);
    let root = session.root().to_path_buf();
    let fs_tx = tx.clone();
    let mut debouncer = notify_debouncer_full::new_debouncer(settle, None, move |res| {
        let _ = fs_tx.send(Msg::Fs(res));
    })
    .map_err(|source| Error::Notify { path: root.clone(), source })?;
    // The whole project, recursively: watching files dies after an editor's atomic save, and
    // dataset folders may appear later. Our own writes under .mosaic/ and out/ are classified
    // away.
    debouncer
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|source| Error::Notify { path: root.clone(), source })?;
    println!("watching {} (Ctrl-C to stop)", root.display());

    let mut pending: BTreeMap<PathBuf, Pending> = BTreeMap::new();
    let mut rescan = false;
    // What the policy files looked like when last compiled: a rescan recompiles only if they
    // changed (batches need no such check: ingest compares every file with the manifest).
    let mut stamp = policy_stamp(session.root());
    let mut policy_dirty = false;
    let mut compiling = false;
    let mut last_eval = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let wait = if pending.is_empty() { settle.max(Duration::from_millis(20)) / 2 } else { POLL };
        match rx.recv_timeout(wait) {
            Ok(Msg::Stop) => break,
            Ok(Msg::Fs(Ok(events))) => {
                rescan |= events.iter().any(|e| e.need_rescan());
                let recorded: Vec<_> = events.iter().filter_map(|e| classify::record(&e.event)).collect();
                let renamed = classify::renamed_into_place(&recorded, &session.layout);
                for change in classify::classify(&recorded, &session.layout) {
                    match change {
                        Change::Policy { .. } => policy_dirty = true,
                        Change::Batch { path, removed, .. } => {
                            let since = pending.get(&path).map_or_else(Instant::now, |p| p.since);
                            let complete = renamed.contains(&path);
                            pending.insert(path, Pending { removed, complete, since });
                        }
                        Change::Dataset { .. } => rescan = true,
                    }
                }
            }
            Ok(Msg::Fs(Err(errors))) => {
                for e in errors {
                    eprintln!("warning: watching: {e}");
                }
                rescan = true;
            }
            Ok(Msg::Compiled(outcome)) => {
                compiling = false;
                // A policy file changed again while compiling: that result is already stale.
                if !policy_dirty {
                    apply_reload(&mut session, *outcome);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if policy_dirty && !compiling {
            let (root, engine, policy) =
                (session.root().to_path_buf(), session.opts.engine, session.opts.policy.clone());
            reload::spawn(root.clone(), engine, policy, tx.clone(), |o| Msg::Compiled(Box::new(o)))
                .map_err(|source| Error::Io { path: root, source })?;
            compiling = true;
            policy_dirty = false;
            stamp = policy_stamp(session.root());
        }
        if (rescan || !pending.is_empty()) && settled(&session, &pending, settle) {
            // A failed evaluation (an unreadable file, a full disk) is logged, not fatal: the
            // store holds every batch committed so far, and the next change retries.
            // Events were lost (a rescan): ingest compares every batch file with the manifest
            // anyway, so the incremental step finds what they hid; policies are checked here.
            if rescan && policy_stamp(session.root()) != stamp {
                policy_dirty = true;
            }
            let result = session.evaluate();
            last_eval = Instant::now();
            let mut retry = false;
            match result {
                Ok(eval) => {
                    log_batches(&session, &pending, &eval);
                    if pending.is_empty() {
                        log_evaluation("rescan", &eval);
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    // Another process has the store (opening it waited a while): a rescan
                    // finds every batch this evaluation could not take.
                    retry = e.is_busy();
                }
            }
            pending.clear();
            rescan = retry;
        }
        if pending.is_empty() && !rescan && !compiling {
            idle_work(&mut session, last_eval);
        }
    }
    if let Err(e) = session.flush() {
        eprintln!("error: {e}");
    }
    println!("stopped");
    Ok(())
}

/// What waits for a lull: the clock's full re-evaluation and rewriting `profiles.jsonl`.
fn idle_work(session: &mut Session, last_eval: Instant) {
    if session.opts.as_of.is_none() && session.last_full().elapsed() >= CLOCK_REFRESH {
        match session.evaluate_full() {
            Ok(eval) => log_evaluation("clock", &eval),
            Err(e) => eprintln!("error: {e}"),
        }
    }
    if session.dirty() && last_eval.elapsed() >= FLUSH_AFTER {
        if let Err(e) = session.flush() {
            eprintln!("error: {e}");
        }
    }
}

/// Size and mtime of `mosaic.yaml` and of every file under `policies/`, sorted by path.
fn policy_stamp(root: &std::path::Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(PathBuf, u64, Option<SystemTime>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(m) if m.is_dir() => walk(&path, out),
                Ok(m) => out.push((path, m.len(), m.modified().ok())),
                Err(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(m) = std::fs::metadata(root.join("mosaic.yaml")) {
        out.push((root.join("mosaic.yaml"), m.len(), m.modified().ok()));
    }
    walk(&root.join("policies"), &mut out);
    out.sort();
    out
}

/// Whether every pending file has stayed unchanged for `settle` (or waited too long).
fn settled(session: &Session, pending: &BTreeMap<PathBuf, Pending>, settle: Duration) -> bool {
    let now = SystemTime::now();
    pending.iter().all(|(path, p)| {
        if p.removed || p.complete || p.since.elapsed() > MAX_WAIT {
            return true;
        }
        match std::fs::metadata(session.layout.root.join(path)).and_then(|m| m.modified()) {
            Ok(mtime) => now.duration_since(mtime).is_ok_and(|age| age >= settle),
            // Gone meanwhile: its removal event follows; ingest sees the folder as it is.
            Err(_) => true,
        }
    })
}

fn apply_reload(session: &mut Session, outcome: reload::Outcome) {
    match outcome.result {
        Ok(loaded) => {
            if let Some(w) = outcome.warnings {
                eprint!("{w}");
            }
            let diff = session.swap(loaded);
            let eval = match session.evaluate_full() {
                Ok(eval) => eval,
                Err(e) => {
                    eprintln!("error: {e}");
                    println!("reload: {diff}, re-evaluation failed");
                    return;
                }
            };
            println!(
                "reload: {diff}, {} profiles changed (compile {} ms, re-evaluation {} ms)",
                thousands(eval.changed),
                outcome.millis,
                eval.millis
            );
        }
        Err(failure) => {
            eprint!("{failure}");
            if !failure.to_string().ends_with('\n') {
                eprintln!();
            }
            println!("reload failed: keeping the previous policies");
        }
    }
}

/// One line per batch: dataset, records, rejected, profiles changed, latency.
fn log_batches(session: &Session, pending: &BTreeMap<PathBuf, Pending>, eval: &Evaluation) {
    for (path, p) in pending {
        let Some(id) = batch_id(session, path) else { continue };
        let latency = p.since.elapsed().as_millis();
        if p.removed {
            println!("batch {id}: removed, {} profiles changed, {latency} ms", thousands(eval.changed));
            continue;
        }
        let (records, rejected) = match session.batch_counts(&id) {
            Ok(counts) => counts.unwrap_or((0, 0)),
            Err(e) => {
                eprintln!("error: {e}");
                (0, 0)
            }
        };
        println!(
            "batch {id}: {} records, {} rejected, {} profiles changed, {latency} ms",
            thousands(records),
            thousands(rejected),
            thousands(eval.changed)
        );
    }
}

/// `<dataset>/<file name>` of a batch file path (relative to the project).
fn batch_id(session: &Session, path: &std::path::Path) -> Option<String> {
    let dir = path.parent()?;
    let (dataset, _) = session.layout.datasets.iter().find(|(_, d)| d == dir)?;
    Some(format!("{dataset}/{}", path.file_name()?.to_string_lossy()))
}

fn log_evaluation(what: &str, eval: &Evaluation) {
    println!(
        "{what}: {} batches ingested, {} profiles, {} profiles changed, {} ms",
        thousands(eval.report.run.ingested_batches),
        thousands(eval.report.profiles),
        thousands(eval.changed),
        eval.millis
    );
}
