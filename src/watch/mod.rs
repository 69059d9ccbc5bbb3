//! `passerelle watch`: the drop folder.
//!
//! ```text
//! DIR/profile.toml   the profile (default; --profile overrides)
//! DIR/inbox/         files are dropped here
//! DIR/work/          files being converted, each with its journal (journal.rs, job.rs); the lock
//! DIR/out/           converted files, ID_NAME.txt, for the accountant to import
//! DIR/archive/DAY/   inputs converted (and exact duplicates, with a .duplicate.txt)
//! DIR/errors/        inputs that failed, each with its .error.txt and .report.json
//! DIR/state/         state next to the profile: issued codes, ledger, content hashes
//! ```
//!
//! File-system events (notify) are only hints that something changed: the inbox is scanned at
//! start, after every burst of events, on a timer, and whenever a waiting file could have
//! settled. With `--poll` no events are asked for at all (network shares send none).
//! One file at a time: take it, convert it, put everything in place, then the next.
//! A problem with one file never stops the watcher; a problem that would fail every file
//! (profile, client list, state) pauses it and it tries again after `retry_seconds`.

pub mod inbox;
pub mod job;
pub mod journal;
mod lock;
pub mod log;
mod notes;
pub mod seen;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::profile::{ProfileError, WatchSection};
use inbox::Tracker;
use job::{Claim, JobError, Worker};
use journal::{Dirs, Outcome};

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub dir: PathBuf,
    /// Default: DIR/profile.toml.
    pub profile: Option<PathBuf>,
    /// Process what is in the inbox (and in work/), then exit.
    pub once: bool,
    /// Scan at this interval instead of waiting for file-system events.
    pub poll: Option<Duration>,
    /// Language of the summaries logged and of the HTML reports.
    pub lang: crate::i18n::Lang,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("watch folder {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "no watch folder {}: create it with a profile.toml inside (copy the watch/ folder of passerelle), or pass --dir DIR",
        path.display()
    )]
    NoDir { path: PathBuf },
    #[error(
        "no profile at {}: write one with `passerelle profile init \"{}\"` (then set [clients] file), or pass --profile FILE",
        path.display(), path.display()
    )]
    NoProfile { path: PathBuf },
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Critical(#[from] crate::convert::CriticalError),
    #[error(
        "another passerelle watch is already working on {} (it holds {}): stop it first. One watcher per folder",
        dir.display(), lock.display()
    )]
    Busy { dir: PathBuf, lock: PathBuf },
}

impl WatchError {
    /// The error as a person reads it in `lang` (see `CriticalError::for_people`).
    pub fn for_people(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::{Lang, Msg};
        use crate::t;
        match (lang, self) {
            (Lang::En, _) => self.to_string(),
            (_, WatchError::NoDir { path }) => t!(lang, Msg::ErrWatchNoDir, path = path.display()),
            (_, WatchError::NoProfile { path }) => t!(lang, Msg::ErrWatchNoProfile, path = path.display()),
            (_, WatchError::Busy { dir, lock }) => {
                t!(lang, Msg::ErrWatchBusy, dir = dir.display(), lock = lock.display())
            }
            (_, WatchError::Critical(e)) => e.for_people(lang),
            _ => self.to_string(),
        }
    }
}

/// Why a file waits in the inbox after its move to work/ failed.
const UNTAKEN: &str = "cannot be taken from the inbox (see the error above)";

/// What a run did (`--once` turns it into the exit code).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub converted: usize,
    pub partial: usize,
    pub failed: usize,
    pub duplicates: usize,
    /// Files still being written when `--once` gave up waiting: left in the inbox.
    pub left: usize,
    /// Files that could not be taken from the inbox (permissions, another drive): left there.
    pub untaken: usize,
    /// Jobs that could not be finished (left in work/ for the next run), with the last reason.
    pub stuck: Option<String>,
    /// The reason was a profile, client list or state problem (exit code 2 with `--once`).
    pub blocked: bool,
}

impl Summary {
    fn count(&mut self, o: Outcome) {
        match o {
            Outcome::Converted => self.converted += 1,
            Outcome::Partial => self.partial += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Duplicate => self.duplicates += 1,
        }
    }

    /// 0: everything converted; 1: a file failed or could not be finished; 2: profile, client
    /// list or state problem (the exit codes of `convert`, see `commands.rs`).
    pub fn exit_code(&self) -> u8 {
        if self.blocked {
            2
        } else if self.failed + self.partial + self.untaken > 0 || self.stuck.is_some() {
            1
        } else {
            0
        }
    }

    pub fn line(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::Msg;
        use crate::t;
        let mut s = t!(
            lang,
            Msg::WatchLine,
            converted = self.converted,
            partial = self.partial,
            failed = self.failed,
            duplicates = self.duplicates
        );
        if self.left > self.untaken {
            s.push_str(&t!(lang, Msg::WatchLeft, n = self.left - self.untaken));
        }
        if self.untaken > 0 {
            s.push_str(&t!(lang, Msg::WatchUntaken, n = self.untaken));
        }
        if let Some(r) = &self.stuck {
            s.push_str(&t!(lang, Msg::WatchStuck, reason = r));
        }
        s
    }
}

/// Crash injection for the restart tests: `PASSERELLE_WATCH_CRASH=POINT` (or `POINT:N`, the
/// N-th time) ends the process there at once, as a kill would: no destructor runs, buffered
/// writes are lost (`exit` rather than `abort`, which would leave core dumps).
/// `POINT:N:panic` panics instead (a bug in a conversion). Unset: a no-op.
///
/// Only with the `test-hooks` feature, which `cargo test` turns on (Cargo.toml): a build of the
/// binary has the no-op below and never reads the variable.
#[cfg(feature = "test-hooks")]
pub(crate) fn failpoint(name: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::AtomicU32;
    static POINT: OnceLock<Option<(String, u32, bool)>> = OnceLock::new();
    static HITS: AtomicU32 = AtomicU32::new(0);
    let point = POINT.get_or_init(|| {
        let v = std::env::var("PASSERELLE_WATCH_CRASH").ok()?;
        let mut parts = v.split(':');
        let p = parts.next()?.to_string();
        let n = parts.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        Some((p, n, parts.next() == Some("panic")))
    });
    if let Some((p, n, panic)) = point
        && p == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        if *panic {
            panic!("PASSERELLE_WATCH_CRASH: panic at {name}");
        }
        eprintln!("PASSERELLE_WATCH_CRASH: aborting at {name}");
        std::process::exit(86);
    }
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn failpoint(_name: &str) {}

pub struct Watch {
    opts: WatchOptions,
    pub dirs: Dirs,
    settings: WatchSection,
    log_file: Option<PathBuf>,
    worker: Worker,
    tracker: Tracker,
    /// Held while the watcher runs; the OS releases it if the process dies.
    _lock: File,
}

/// A file left in the inbox, and why.
type Waiting = (std::ffi::OsString, &'static str);

/// What the loop of `Watch::run` carries from one turn to the next.
struct Looping {
    every: Duration,
    debounce: Duration,
    retry: Duration,
    /// --once gives a file still being written this long from the first look at the inbox
    /// (not from the start: finishing what an earlier run left in work/ can take a while).
    once_wait: Duration,
    once_deadline: Option<Instant>,
    next_scan: Instant,
    retry_at: Option<Instant>,
    recovered: bool,
    work_due: bool,
    last_scan_error: Option<String>,
    in_use: std::collections::HashSet<std::ffi::OsString>,
    failed_claims: std::collections::HashMap<std::ffi::OsString, Instant>,
}

impl Looping {
    fn new(s: &WatchSection, every: Duration) -> Looping {
        Looping {
            every,
            debounce: Duration::from_millis(s.debounce_ms),
            retry: Duration::from_secs(s.retry_seconds),
            once_wait: Duration::from_millis(s.settle_ms.max(s.min_age_ms) + s.settle_ms) + Duration::from_millis(200),
            once_deadline: None,
            next_scan: Instant::now(),
            retry_at: None,
            recovered: false,
            work_due: true,
            last_scan_error: None,
            in_use: Default::default(),
            failed_claims: Default::default(),
        }
    }
}

impl Watch {
    /// Reads the profile, checks the client list, creates the folders, takes the lock. Every
    /// error here is a usage or profile error: nothing is touched in the inbox.
    pub fn open(opts: &WatchOptions) -> Result<Watch, WatchError> {
        let root = opts.dir.clone();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WatchError::Io { path, source }
        };
        if !root.is_dir() {
            return Err(WatchError::NoDir { path: root });
        }
        let profile_path = opts.profile.clone().unwrap_or_else(|| root.join("profile.toml"));
        // Missing: how to make one. There but not a file (a FIFO, a folder): the profile
        // reader says what it is.
        if !profile_path.exists() {
            return Err(WatchError::NoProfile { path: profile_path });
        }
        let profile = crate::setup::load_profile(&profile_path)?;
        let layout = crate::sage::Layout::builtin(profile.output.sage_version)
            .ok_or(crate::convert::CriticalError::Layout(profile.output.sage_version))?;
        // Fail now, at start, rather than on the first file; the list read is kept for the files.
        let mut lists = crate::gescom::ListCache::default();
        crate::convert::load_clients_kept(&profile, layout, None, &mut lists)?;
        let dirs = Dirs::new(&root, &profile_path, &profile.default_state_dir());
        for d in [&dirs.inbox, &dirs.out, &dirs.archive, &dirs.errors, &dirs.work] {
            fs::create_dir_all(d).map_err(io(d))?;
        }
        let lock_path = dirs.work.join(".lock");
        let lock = match lock::exclusive(&lock_path) {
            Ok(Some(f)) => f,
            Ok(None) => return Err(WatchError::Busy { dir: root, lock: lock_path }),
            Err(e) => return Err(WatchError::Io { path: lock_path, source: e }),
        };
        let settings = profile.watch.clone();
        let log_file = Some(settings.log_file.trim()).filter(|s| !s.is_empty()).map(|s| profile.resolve_path(s));
        Ok(Watch {
            opts: opts.clone(),
            tracker: Tracker::new(
                Duration::from_millis(settings.settle_ms),
                Duration::from_millis(settings.min_age_ms),
            ),
            worker: Worker::with_lists(dirs.clone(), opts.lang, lists),
            dirs,
            settings,
            log_file,
            _lock: lock,
        })
    }

    /// How many times the client list was read (at start, then each time its file changed).
    pub fn list_reads(&self) -> usize {
        self.worker.lists().loads()
    }

    /// `[watch] log_file` of the profile, resolved.
    pub fn log_file(&self) -> Option<PathBuf> {
        self.log_file.clone()
    }

    /// Runs until `stop` is set (or, with `--once`, until the inbox is done). Each turn of the
    /// loop: the jobs left in work/ (`work_step`), the inbox (`scan_step`), with `--once` whether
    /// to stop (`once_done`), then a sleep until something is due.
    pub fn run(&mut self, stop: &AtomicBool) -> Summary {
        let mut summary = Summary::default();
        let s = self.settings.clone();
        let debounce = Duration::from_millis(s.debounce_ms);
        let (tx, rx) = mpsc::channel::<()>();
        // Keep the watcher alive for the whole loop.
        let (_watcher, every) = self.listen(tx);
        tracing::info!(
            "profile {}; state {}; a file is taken once unchanged for {} ms and {} ms old",
            self.dirs.profile.display(),
            self.dirs.state.display(),
            s.settle_ms,
            s.min_age_ms
        );
        if let Some((list, clients)) = self.worker.lists().kept() {
            tracing::info!("client list {}: {clients} clients, read again only when it changes", list.display());
        }
        let mut lp = Looping::new(&s, every);
        loop {
            if stop.load(Ordering::SeqCst) {
                tracing::info!("stopped");
                break;
            }
            self.work_step(&mut lp, stop, &mut summary);
            let (scanned, waiting) = self.scan_step(&mut lp, stop, &mut summary);
            if self.opts.once && self.once_done(&mut lp, scanned, &waiting, &mut summary) {
                break;
            }
            // 4. Sleep until something is due, waking for events and, often, for Ctrl-C.
            let due = lp.retry_at.map_or(lp.next_scan, |r| r.min(lp.next_scan));
            let wait = due.saturating_duration_since(Instant::now()).min(Duration::from_millis(200));
            match rx.recv_timeout(wait) {
                Ok(()) => {
                    while rx.try_recv().is_ok() {}
                    lp.next_scan = lp.next_scan.min(Instant::now() + debounce);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {}
            }
        }
        tracing::info!("{}", summary.line(self.opts.lang));
        summary
    }

    /// File-system events on the inbox (or polling), and how often a full scan runs.
    fn listen(&self, tx: mpsc::Sender<()>) -> (Option<notify::RecommendedWatcher>, Duration) {
        let s = &self.settings;
        // --once: the scan rhythm does not apply (it stops when the inbox is done): not said.
        let once = self.opts.once;
        if once {
            tracing::info!("converting what is in {} now, then stopping (--once)", self.dirs.show_root());
        }
        match self.opts.poll {
            Some(p) => {
                if !once {
                    tracing::info!("watching {} by polling every {:?}", self.dirs.show_root(), p);
                }
                (None, p)
            }
            None => match events(&self.dirs.inbox, tx) {
                Ok(w) => {
                    if !once {
                        tracing::info!(
                            "watching {} (file-system events, and a full scan every {} s)",
                            self.dirs.show_root(),
                            s.rescan_seconds
                        );
                    }
                    (Some(w), Duration::from_secs(s.rescan_seconds))
                }
                Err(e) => {
                    let p = Duration::from_secs(s.rescan_seconds.min(5));
                    if !once {
                        tracing::warn!(
                            "no file-system events for {} ({e}): scanning every {:?} instead",
                            self.dirs.inbox.display(),
                            p
                        );
                    }
                    (None, p)
                }
            },
        }
    }

    /// Step 1: jobs left in work/ (by a crash, a stop, a blocked run) go first, in order: at start,
    /// and when a retry is due.
    fn work_step(&mut self, lp: &mut Looping, stop: &AtomicBool, summary: &mut Summary) {
        let now = Instant::now();
        if !((lp.work_due || lp.retry_at.is_some()) && lp.retry_at.is_none_or(|t| now >= t)) {
            return;
        }
        lp.retry_at = None;
        if !lp.recovered {
            match self.worker.recover() {
                Ok(jobs) => {
                    lp.recovered = true;
                    if !jobs.is_empty() {
                        tracing::info!("{} file(s) left in work/ by an earlier run: finishing them", jobs.len());
                    }
                }
                Err(e) => {
                    tracing::error!("work folder {}: {e}", self.dirs.work.display());
                    summary.stuck = Some(e.to_string());
                    lp.retry_at = Some(now + lp.retry);
                }
            }
        }
        if lp.recovered {
            if self.drain(stop, summary) {
                lp.work_due = false;
            } else {
                lp.retry_at = Some(Instant::now() + lp.retry);
            }
        }
    }

    /// Step 2: the inbox, when a scan is due and nothing is stuck: each file ready is taken and
    /// converted. Whether a scan ran, and the files left waiting, with why.
    fn scan_step(&mut self, lp: &mut Looping, stop: &AtomicBool, summary: &mut Summary) -> (bool, Vec<Waiting>) {
        let mut waiting: Vec<Waiting> = Vec::new();
        if lp.retry_at.is_some() || Instant::now() < lp.next_scan || stop.load(Ordering::SeqCst) {
            return (false, waiting);
        }
        let debounce = lp.debounce;
        lp.once_deadline.get_or_insert_with(|| Instant::now() + lp.once_wait);
        lp.next_scan = Instant::now() + lp.every;
        match self.tracker.scan(&self.dirs.inbox) {
            Ok(scan) => {
                if lp.last_scan_error.take().is_some() {
                    tracing::info!("inbox {}: readable again", self.dirs.inbox.display());
                }
                lp.failed_claims.retain(|_, until| *until > Instant::now());
                for ready in &scan.ready {
                    if stop.load(Ordering::SeqCst) || lp.retry_at.is_some() {
                        break;
                    }
                    self.take(ready, lp, stop, summary, &mut waiting);
                }
                // A file whose move failed was forgotten by the tracker before the claim, so
                // the scan sees it anew as too recent: it is still untaken.
                waiting.extend(scan.waiting.into_iter().filter(|(_, why)| *why != "empty").map(|(name, why)| {
                    if lp.failed_claims.contains_key(&name) { (name, UNTAKEN) } else { (name, why) }
                }));
                if let Some(t) = scan.next {
                    lp.next_scan = lp.next_scan.min(t);
                }
                if !scan.ready.is_empty() {
                    // Taking files takes time: look again soon for what arrived meanwhile.
                    lp.next_scan = lp.next_scan.min(Instant::now() + debounce);
                }
                if !waiting.is_empty() || !scan.ready.is_empty() {
                    lp.next_scan = lp.next_scan.min(Instant::now() + self.tracker.settle.max(debounce));
                }
            }
            Err(e) => {
                // A share gone offline: said once, not at every poll.
                let msg = e.to_string();
                if lp.last_scan_error.as_ref() != Some(&msg) {
                    tracing::warn!("inbox {}: cannot list it ({msg}); trying again", self.dirs.inbox.display());
                    lp.last_scan_error = Some(msg);
                }
                waiting.push((self.dirs.inbox.as_os_str().to_owned(), "cannot be listed"));
            }
        }
        (true, waiting)
    }

    /// One file the scan found ready: claimed (moved to work/) and converted, or left waiting.
    fn take(
        &mut self,
        ready: &inbox::Ready,
        lp: &mut Looping,
        stop: &AtomicBool,
        summary: &mut Summary,
        waiting: &mut Vec<Waiting>,
    ) {
        if lp.failed_claims.contains_key(&ready.name) {
            waiting.push((ready.name.clone(), UNTAKEN));
            return;
        }
        self.tracker.forget(&ready.name);
        match self.worker.claim(ready) {
            Ok(Claim::Taken(_)) => {
                lp.in_use.remove(&ready.name);
                if !self.drain(stop, summary) {
                    lp.retry_at = Some(Instant::now() + lp.retry);
                }
            }
            Ok(Claim::InUse) => {
                // Excel can keep a file open for hours: said once.
                if lp.in_use.insert(ready.name.clone()) {
                    tracing::info!(
                        "inbox: \"{}\" is open in another program: taken once it is closed",
                        ready.name.to_string_lossy()
                    );
                }
                waiting.push((ready.name.clone(), "is open in another program"));
            }
            // Observed afresh by the next scans.
            Ok(Claim::Changed) => waiting.push((ready.name.clone(), "still changing")),
            Ok(Claim::Gone) => {}
            // This file only (permissions, another drive): the others go on.
            Err(e) => {
                tracing::error!("{e}; tried again in {} s", self.settings.retry_seconds);
                lp.failed_claims.insert(ready.name.clone(), Instant::now() + lp.retry);
                waiting.push((ready.name.clone(), UNTAKEN));
            }
        }
    }

    /// Step 3, with --once: done when a scan finds nothing left to take, or once files still being
    /// written have had their chance (a scheduled task comes back for them).
    fn once_done(&self, lp: &mut Looping, scanned: bool, waiting: &[Waiting], summary: &mut Summary) -> bool {
        if lp.retry_at.is_some() {
            return true;
        }
        if scanned && waiting.is_empty() && lp.next_scan > Instant::now() {
            let rescan_soon = lp.next_scan <= Instant::now() + lp.debounce;
            if !rescan_soon {
                return true;
            }
        }
        let deadline = lp.once_deadline.unwrap_or_else(|| Instant::now() + lp.once_wait);
        if scanned && !waiting.is_empty() && Instant::now() > deadline {
            for (name, why) in waiting {
                tracing::warn!("inbox: \"{}\" {why}: left for the next run", name.to_string_lossy());
            }
            summary.left = waiting.len();
            summary.untaken = waiting.iter().filter(|(_, why)| *why == UNTAKEN).count();
            return true;
        }
        if !waiting.is_empty() {
            lp.next_scan = lp.next_scan.min(deadline.max(Instant::now() + Duration::from_millis(10)));
        }
        false
    }

    /// Finishes every job in work/, oldest first. False: one could not be finished (it waits
    /// for the retry), and no later one is started, since each converts against the state the
    /// previous one leaves.
    fn drain(&mut self, stop: &AtomicBool, summary: &mut Summary) -> bool {
        let jobs = match self.worker.pending() {
            Ok(j) => j,
            Err(e) => {
                tracing::error!("work folder {}: {e}", self.dirs.work.display());
                summary.stuck = Some(e.to_string());
                return false;
            }
        };
        for (i, id) in jobs.into_iter().enumerate() {
            // The first job is finished even when a stop came meanwhile: it may be the file
            // just claimed, and "after the current file" includes it.
            if i > 0 && stop.load(Ordering::SeqCst) {
                return true;
            }
            match self.worker.run(&id) {
                Ok(Some(done)) => {
                    summary.count(done.outcome);
                    summary.stuck = None;
                    summary.blocked = false;
                }
                Ok(None) => {}
                Err(e) => {
                    let blocked = matches!(e, JobError::Blocked(_));
                    tracing::error!(
                        "{}: {e}. The file waits in work/ and is tried again in {} s",
                        if blocked { "cannot convert anything" } else { "cannot finish a file" },
                        self.settings.retry_seconds
                    );
                    summary.stuck = Some(e.to_string());
                    summary.blocked = blocked;
                    return false;
                }
            }
        }
        true
    }
}

impl Dirs {
    fn show_root(&self) -> String {
        self.root.display().to_string()
    }
}

/// File-system events of the inbox; each one only wakes the loop.
fn events(inbox: &Path, tx: mpsc::Sender<()>) -> notify::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Err(e) = &res {
            // An overflow or a watch error: a full scan repairs whatever was missed.
            tracing::debug!("file-system events: {e}");
        }
        let _ = tx.send(());
    })?;
    w.watch(inbox, notify::RecursiveMode::NonRecursive)?;
    Ok(w)
}
