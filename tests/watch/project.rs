//! Test helpers: temporary projects, a `mosaic watch` child process whose output goes to files,
//! and polling for conditions (generous timeouts: no test depends on the machine's speed).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const AS_OF: &str = "2026-10-01T12:00:00Z";
const INGEST_TIME: &str = "2026-01-01T00:00:00Z";
const TIMEOUT: Duration = Duration::from_secs(180);

/// The policies of the small generated projects (shared with the `run` tests).
const POLICIES: &str = include_str!("../fixtures/small-policies.yaml");

pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A temporary project folder, removed on drop.
pub struct Project {
    pub root: PathBuf,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Project {
    pub fn new(name: &str) -> Project {
        let root = std::env::temp_dir().join(format!("mosaic-watch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        write(&root, "mosaic.yaml", "kind: Project\nname: w\n");
        write(&root, "policies/policies.yaml", POLICIES);
        std::fs::create_dir_all(root.join("data/crm")).unwrap();
        std::fs::create_dir_all(root.join("data/web")).unwrap();
        let p = Project { root };
        // The checker infers event fields from the data: every project starts with one event.
        p.batch("web", "000-seed.jsonl", &[p.purchase(100, "seed", 1)]);
        p
    }

    /// A project with two customers, each with one purchase (`crm/001.jsonl`, `web/001.jsonl`).
    pub fn two_customers(name: &str) -> Project {
        let p = Project::new(name);
        p.batch("crm", "001.jsonl", &[p.customer(1, 2), p.customer(2, 0)]);
        p.batch("web", "001.jsonl", &[p.purchase(1, "e1", 150), p.purchase(2, "e2", 20)]);
        p
    }

    pub fn customer(&self, c: u32, tier: u32) -> String {
        format!(
            "{{\"crmId\": \"c-{c}\", \"identityMap\": {{\"Email\": [{{\"id\": \"u{c}@x.se\"}}]}}, \"tier\": {tier}, \"extSourceSystemAudit\": {{\"lastUpdatedDate\": \"2026-09-{:02}T00:00:00Z\"}}}}",
            1 + c % 28
        )
    }

    pub fn purchase(&self, c: u32, id: &str, price: u32) -> String {
        self.purchase_on(c, &format!("k{c}"), id, price)
    }

    /// A purchase from device `device`: a device shared by two customers joins their graphs.
    pub fn purchase_on(&self, c: u32, device: &str, id: &str, price: u32) -> String {
        format!(
            "{{\"_id\": \"{id}\", \"timestamp\": \"2026-09-{:02}T10:00:00Z\", \"eventType\": \"commerce.purchases\", \"identityMap\": {{\"ECID\": [{{\"id\": \"{device}\"}}], \"CRMID\": [{{\"id\": \"c-{c}\"}}]}}, \"commerce\": {{\"order\": {{\"priceTotal\": {price}.5}}}}}}",
            10 + c % 18
        )
    }

    /// Writes a batch file in place.
    pub fn batch(&self, dataset: &str, name: &str, lines: &[String]) {
        write(&self.root, &format!("data/{dataset}/{name}"), &(lines.join("\n") + "\n"));
    }

    /// Writes a batch under a hidden name, then renames it into place (as copiers do).
    pub fn batch_renamed(&self, dataset: &str, name: &str, lines: &[String]) {
        let tmp = format!("data/{dataset}/.{name}.part");
        write(&self.root, &tmp, &(lines.join("\n") + "\n"));
        std::fs::rename(self.root.join(tmp), self.root.join(format!("data/{dataset}/{name}"))).unwrap();
    }

    /// A copy of the project's policies and data, without `skip` and without any state.
    pub fn copy_without(&self, name: &str, skip: &str) -> Project {
        let copy = Project {
            root: self
                .root
                .with_file_name(format!("{}-{name}", self.root.file_name().unwrap().to_string_lossy())),
        };
        let _ = std::fs::remove_dir_all(&copy.root);
        copy_tree(&self.root, &copy.root, &self.root.join(skip));
        copy
    }
}

fn copy_tree(from: &Path, to: &Path, skip: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let path = entry.path();
        if path == skip || name == ".mosaic" || name == "out" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &to.join(&name), skip);
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// The standard output of `mosaic ARGS... ROOT`, which must succeed.
pub fn mosaic(root: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(args)
        .arg(root)
        .env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// `profiles.jsonl` of a fresh `mosaic run` over a copy of `root`'s policies and data.
pub fn fresh_run(root: &Path) -> String {
    let copy = root.with_file_name(format!("{}-fresh", root.file_name().unwrap().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(root, &copy, Path::new(""));
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(["run", "--as-of", AS_OF])
        .arg(&copy)
        .env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(copy.join("out/profiles.jsonl")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&copy);
    assert!(out.status.success(), "fresh run failed: {}", String::from_utf8_lossy(&out.stderr));
    text
}

/// A running `mosaic watch`, its stdout and stderr in files next to the project.
pub struct Watcher {
    child: Child,
    log: PathBuf,
    err: PathBuf,
    out: PathBuf,
}

impl Watcher {
    pub fn start(p: &Project) -> Watcher {
        Watcher::start_with(p, &[])
    }

    /// Starts with extra environment variables (test hooks).
    pub fn start_with(p: &Project, env: &[(&str, &str)]) -> Watcher {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let stamp = STARTS.fetch_add(1, Ordering::SeqCst);
        let base =
            p.root.with_file_name(format!("{}-log-{stamp}", p.root.file_name().unwrap().to_string_lossy()));
        let (log, err) = (base.with_extension("out"), base.with_extension("err"));
        let child = Command::new(env!("CARGO_BIN_EXE_mosaic"))
            .args(["watch", "--as-of", AS_OF, "--threads", "2"])
            .arg(&p.root)
            .env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME)
            .env("MOSAIC_WATCH_SETTLE_MS", "50")
            .envs(env.iter().copied())
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
            .spawn()
            .unwrap();
        Watcher { child, log, err, out: p.root.join("out/profiles.jsonl") }
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    fn wait(&mut self, what: &str, mut ok: impl FnMut(&Watcher) -> bool) {
        let start = Instant::now();
        while !ok(self) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("watch exited ({status}) waiting for {what}\n{}{}", self.stdout(), self.stderr());
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}\n{}{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn wait_for_log(&mut self, text: &str) {
        self.wait(&format!("`{text}` in the log"), |w| w.stdout().contains(text));
    }

    pub fn wait_for_profiles(&mut self, expected: &str) {
        let out = self.out.clone();
        self.wait("profiles.jsonl to equal a fresh run", |_| {
            std::fs::read_to_string(&out).is_ok_and(|t| t == expected)
        });
    }

    pub fn wait_for_fresh_run(&mut self, p: &Project) {
        let expected = fresh_run(&p.root);
        self.wait_for_profiles(&expected);
    }

    /// Waits until the process ends by itself; returns whether it succeeded.
    pub fn wait_for_exit(mut self) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(start.elapsed() < TIMEOUT, "watch did not exit\n{}", self.stdout());
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM: stops cleanly after the current evaluation.
    pub fn terminate(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "watch exited with {status}\n{}", self.stderr());
                break;
            }
            assert!(start.elapsed() < TIMEOUT, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(25));
        }
        assert!(self.stdout().contains("stopped"), "{}", self.stdout());
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(&self.err);
    }
}
