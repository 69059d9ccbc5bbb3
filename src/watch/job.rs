//! One dropped file, from the inbox to archive/ or errors/, restartable after a crash at any
//! point.
//!
//! ## The work folder and the journal
//! A file is claimed by renaming it from `inbox/NAME` to `work/ID_NAME`, where ID is
//! `YYYYMMDD-HHMMSS-NNN` (local time of the claim, then a sequence): the name the file keeps
//! in archive/ or errors/, and the stem of its outputs (`out/ID_NAME-stem.txt`). Shops drop
//! `orders_export.csv` every day; the ID keeps each day's output apart, so an output the
//! accountant has not imported yet is never overwritten, and the outputs sort in the order the
//! files arrived.
//!
//! Beside the claimed file, `work/ID.job.json` (written atomically) records the stage:
//! - `claimed`: nothing is decided. On restart the attempt is redone from scratch: its
//!   leftovers (`work/ID.out/`, `work/ID.state/`) are deleted first.
//! - `decided`: the conversion is over and its results are in the work folder: the outputs in
//!   `work/ID.out/`, the state it produced in `work/ID.state/`, the note and the destination
//!   in the journal. On restart these are only moved into place (every step can be repeated);
//!   the file is never converted again.
//!
//! ## Why the state is converted on a copy
//! Conversion writes the state (issued codes, counter, and soon the ledger of converted
//! orders) before its outputs. Converting against the real state folder, a crash after that
//! write but before the outputs are safe would leave codes and orders recorded whose documents
//! exist nowhere; a rerun would then skip those orders as "already converted" and lose them.
//! So each attempt converts against a copy of the state in `work/ID.state/`; the copy replaces
//! the real state only once the journal says `decided`. A crash before that throws the copy
//! away and converts again from the unchanged state: every order is converted exactly once.
//! A crash after it repeats the install, which writes the same bytes again.
//!
//! One watcher per folder (a lock in `work/`) and one file at a time: the state a file is
//! converted against is always the state its predecessor left.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::failpoint;
use super::inbox::Ready;
use super::journal::{Decision, Destination, Dirs, JOURNAL_VERSION, Journal, Note, Outcome, Stage};
use super::notes::{duplicate_note, failure_note, internal_error_report, partial_note, relocate_report, windows_text};
use super::seen::{self, Seen, SeenEntry};
use crate::atomic::{self, AtomicFile, is_transient, remove_with_retry, rename_with_retry, sync_dir, write_atomic};
use crate::convert::{self, ConvertOptions};
use crate::gescom::ListCache;
use crate::report::Status;

impl Dirs {
    fn journal(&self, id: &str) -> PathBuf {
        self.work.join(format!("{id}.job.json"))
    }
    fn staged_out(&self, id: &str) -> PathBuf {
        self.work.join(format!("{id}.out"))
    }
    fn staged_state(&self, id: &str) -> PathBuf {
        self.work.join(format!("{id}.state"))
    }
    fn staged_report(&self, id: &str) -> PathBuf {
        self.work.join(format!("{id}.report.json"))
    }
    fn staged_html(&self, id: &str) -> PathBuf {
        self.work.join(format!("{id}.report.html"))
    }
    fn destination(&self, d: &Decision) -> PathBuf {
        match d.destination {
            Destination::Archive => self.archive.join(&d.day),
            Destination::Errors => self.errors.clone(),
        }
    }
}

impl Journal {
    /// The journal of a file just claimed: nothing decided yet.
    fn claimed(id: &str, original: String, claimed: String) -> Journal {
        Journal {
            version: JOURNAL_VERSION,
            id: id.to_string(),
            original,
            claimed,
            received: now_local().strftime("%Y-%m-%d %H:%M:%S").to_string(),
            stage: Stage::Claimed,
            decision: None,
        }
    }
}

/// Why a job could not go on; it stays in work/ and is tried again later.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Nothing can be converted now (profile, client list, damaged state): not this file's fault.
    #[error("{0}")]
    Blocked(String),
    /// A file operation failed (a file in use, a full disk, a locked output folder).
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The journal cannot be read: the job needs a person.
    #[error("{}: {message}", path.display())]
    Journal { path: PathBuf, message: String },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> JobError + '_ {
    move |source| JobError::Io { path: path.to_path_buf(), source }
}

/// What became of an attempt to take a file.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    Taken(String),
    /// Held open by another program (Windows: the writer, Excel, an antivirus).
    InUse,
    /// Changed between the check and the move (Unix, where an open file can be moved).
    Changed,
    /// Taken away by someone else.
    Gone,
}

/// A finished job, for the log and the summary.
#[derive(Debug, Clone)]
pub struct Done {
    pub outcome: Outcome,
    pub original: String,
    pub summary: String,
}

/// `YYYYMMDD-HHMMSS-NNN`
pub fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'-'
        && b[16..].iter().all(u8::is_ascii_digit)
}

/// The job id a name in work/ belongs to (`ID_NAME`, `ID.job.json`, `ID.out`, ...).
pub fn id_of(name: &str) -> Option<&str> {
    let end = name.find(['_', '.']).unwrap_or(name.len());
    let id = &name[..end];
    is_id(id).then_some(id)
}

fn now_local() -> jiff::ZonedDateTime {
    jiff::ZonedDateTime::now()
}

pub struct Worker {
    pub dirs: Dirs,
    /// Language of the summaries logged and of the HTML reports.
    lang: crate::i18n::Lang,
    /// Ids given out by this process or found in work/ at start.
    used: std::collections::HashSet<String>,
    /// The client list, read again only when its file changes.
    lists: ListCache,
}

impl Worker {
    pub fn new(dirs: Dirs, lang: crate::i18n::Lang) -> Worker {
        Worker { dirs, lang, used: Default::default(), lists: ListCache::default() }
    }

    /// A worker that starts with the client list already read into `lists`.
    pub fn with_lists(dirs: Dirs, lang: crate::i18n::Lang, lists: ListCache) -> Worker {
        Worker { lists, ..Worker::new(dirs, lang) }
    }

    /// The client list kept between files.
    pub fn lists(&self) -> &ListCache {
        &self.lists
    }

    /// Removes what a crash can leave behind outside the journals' care: temporary files of
    /// atomic writes, and staging folders whose job is over. Returns the ids of jobs to resume.
    pub fn recover(&mut self) -> io::Result<Vec<String>> {
        // The state folder too: nothing else may write it while the watcher holds the lock
        // (a `passerelle convert` on the same state at the same time would lose updates anyway).
        for dir in [&self.dirs.out, &self.dirs.errors, &self.dirs.work, &self.dirs.state] {
            remove_temp_files(dir);
        }
        if let Ok(days) = fs::read_dir(&self.dirs.archive) {
            for d in days.flatten() {
                remove_temp_files(&d.path());
            }
        }
        // Ids must stay unique even when a restart falls within the second of an earlier claim:
        // the ids of today's files already out of work/ are taken too.
        let today = self.dirs.archive.join(now_local().strftime("%Y-%m-%d").to_string());
        for dir in [&self.dirs.out, &self.dirs.errors, &today] {
            for e in fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Some(id) = id_of(&e.file_name().to_string_lossy()) {
                    self.used.insert(id.to_string());
                }
            }
        }
        let jobs = self.pending()?;
        for entry in fs::read_dir(&self.dirs.work)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = id_of(&name) else { continue };
            self.used.insert(id.to_string());
            let leftover = name.ends_with(".out")
                || name.ends_with(".state")
                || name.ends_with(".report.json")
                || name.ends_with(".report.html");
            if leftover && !jobs.iter().any(|j| j == id) {
                tracing::debug!("work: removing {name}, left by a finished job");
                remove_any(&entry.path())?;
            }
        }
        Ok(jobs)
    }

    /// Ids of the jobs in work/ (a journal or a claimed file), in the order they were claimed.
    pub fn pending(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.dirs.work)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = id_of(&name) else { continue };
            let is_job = name.ends_with(".job.json") || name.as_bytes().get(id.len()) == Some(&b'_');
            if is_job && !ids.iter().any(|i| i == id) {
                ids.push(id.to_string());
            }
        }
        // By time, then by sequence as a number (…-999 before …-1000).
        ids.sort_by_key(|id| (id[..15].to_string(), id[16..].parse::<u64>().unwrap_or(u64::MAX)));
        Ok(ids)
    }

    /// A new id for `name`: unique in work/, and such that none of the paths the file and its
    /// outputs will have exists already (an output the accountant has not imported yet is
    /// never overwritten, even after a restart within the same second).
    fn new_id(&mut self, name: &str) -> String {
        let now = now_local();
        let stamp = now.strftime("%Y%m%d-%H%M%S").to_string();
        let day = now.strftime("%Y-%m-%d").to_string();
        let mut n = 1u32;
        loop {
            let id = format!("{stamp}-{n:03}");
            n += 1;
            if self.used.contains(&id) {
                continue;
            }
            let claimed = format!("{id}_{name}");
            let stem = Path::new(&claimed).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let taken = self.dirs.work.join(&claimed).exists()
                || self.dirs.journal(&id).exists()
                || self.dirs.errors.join(&claimed).exists()
                || self.dirs.archive.join(&day).join(&claimed).exists()
                || output_exists(&self.dirs.out, &stem);
            if taken {
                continue;
            }
            self.used.insert(id.clone());
            return id;
        }
    }

    /// Takes a stable file out of the inbox. Anything but `Taken`: not this time; the scans
    /// will offer it again.
    pub fn claim(&mut self, ready: &Ready) -> Result<Claim, JobError> {
        let original = ready.name.to_string_lossy().into_owned();
        let id = self.new_id(&original);
        let claimed = format!("{id}_{original}");
        let src = self.dirs.inbox.join(&ready.name);
        let dst = self.dirs.work.join(&claimed);
        // One attempt only: on Windows a rename fails while the writer (or Excel, or an
        // antivirus) holds the file; the next scan tries again instead of blocking here.
        match fs::rename(&src, &dst) {
            Ok(()) => sync_dir(&dst),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Claim::Gone),
            Err(e) if is_transient(&e) => return Ok(Claim::InUse),
            Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
                return Err(JobError::Io {
                    path: src,
                    source: io::Error::other(format!(
                        "cannot be moved into {}: inbox/ and work/ must be on the same drive ({e})",
                        self.dirs.work.display()
                    )),
                });
            }
            Err(e) => return Err(JobError::Io { path: src, source: e }),
        }
        failpoint("claim.renamed");
        // On Unix a rename succeeds even while a writer still has the file open. If the file
        // changed since it was judged stable, give it back and observe it again.
        if let Ok(md) = fs::metadata(&dst) {
            let changed = md.len() != ready.size || md.modified().ok() != ready.mtime;
            if changed && !src.exists() && fs::rename(&dst, &src).is_ok() {
                tracing::info!("inbox: \"{original}\" changed while being taken: left in the inbox for now");
                return Ok(Claim::Changed);
            }
        }
        let j = Journal::claimed(&id, original, claimed);
        self.save_journal(&j)?;
        failpoint("claim.journal");
        tracing::info!("took \"{}\" (as work/{})", j.original, j.claimed);
        Ok(Claim::Taken(id))
    }

    fn save_journal(&self, j: &Journal) -> Result<(), JobError> {
        let path = self.dirs.journal(&j.id);
        let text = serde_json::to_string_pretty(j).expect("journal serialises");
        write_atomic(&path, text.as_bytes()).map_err(io_at(&path))
    }

    fn load_journal(&self, id: &str) -> Result<Option<Journal>, JobError> {
        let path = self.dirs.journal(id);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(JobError::Io { path, source: e }),
        };
        // Journals are written atomically: a damaged one was edited or hit by a disk fault. Its
        // stage is unknown, and guessing could convert orders twice or lose them: a person decides.
        let help = "if the outputs of this file are in out/, move the file to archive/; otherwise move \
                    it back to inbox/ (with its original name); then delete the journal and the \
                    folders of the same number in work/";
        let j: Journal = serde_json::from_str(&text)
            .map_err(|e| JobError::Journal { path: path.clone(), message: format!("damaged journal ({e}): {help}") })?;
        if j.version > JOURNAL_VERSION || j.id != id {
            return Err(JobError::Journal {
                path,
                message: format!("journal of another passerelle version or another job: {help}"),
            });
        }
        Ok(Some(j))
    }

    /// Brings job `id` to its end: converts it if nothing was decided yet, then moves every
    /// result into place. Safe to call again after a crash at any point.
    pub fn run(&mut self, id: &str) -> Result<Option<Done>, JobError> {
        let mut j = match self.load_journal(id)? {
            Some(j) => j,
            None => {
                // Claimed, then the process died before the journal was written.
                let Some(claimed) = self.claimed_file(id)? else { return Ok(None) };
                let original = claimed.split_once('_').map(|(_, o)| o.to_string()).unwrap_or_else(|| claimed.clone());
                let j = Journal::claimed(id, original, claimed);
                self.save_journal(&j)?;
                j
            }
        };
        if j.stage == Stage::Claimed {
            if !self.dirs.work.join(&j.claimed).exists() {
                tracing::error!("work/{}: the file is gone (moved or deleted by hand?): its job is dropped", j.claimed);
                self.drop_job(id)?;
                return Ok(None);
            }
            self.decide(&mut j)?;
        }
        self.finish(&j).map(Some)
    }

    fn claimed_file(&self, id: &str) -> Result<Option<String>, JobError> {
        let prefix = format!("{id}_");
        for entry in fs::read_dir(&self.dirs.work).map_err(io_at(&self.dirs.work))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) {
                return Ok(Some(name));
            }
        }
        Ok(None)
    }

    fn drop_job(&self, id: &str) -> Result<(), JobError> {
        for p in [
            self.dirs.staged_out(id),
            self.dirs.staged_state(id),
            self.dirs.staged_report(id),
            self.dirs.staged_html(id),
        ] {
            remove_any(&p).map_err(io_at(&p))?;
        }
        let p = self.dirs.journal(id);
        remove_any(&p).map_err(io_at(&p))
    }

    /// Converts the claimed file (or recognises it as a duplicate) and records the decision.
    fn decide(&mut self, j: &mut Journal) -> Result<(), JobError> {
        use crate::i18n::Msg;
        use crate::t;
        let d = &self.dirs;
        let lang = self.lang;
        let input = d.work.join(&j.claimed);
        let (staged_out, staged_state, staged_report, staged_html) =
            (d.staged_out(&j.id), d.staged_state(&j.id), d.staged_report(&j.id), d.staged_html(&j.id));
        // Leftovers of an attempt interrupted before its decision: start clean.
        for p in [&staged_out, &staged_state, &staged_report, &staged_html] {
            remove_any(p).map_err(io_at(p))?;
        }
        let hash = seen::hash_file(&input).map_err(io_at(&input))?;
        let mut seen = Seen::load(&d.state).map_err(|e| JobError::Blocked(e.to_string()))?;
        let day = now_local().strftime("%Y-%m-%d").to_string();
        let decision = if let Some(first) = seen.files.get(&hash) {
            Decision {
                outcome: Outcome::Duplicate,
                outputs: Vec::new(),
                install_state: false,
                destination: Destination::Archive,
                note: Some(Note {
                    file: format!("{}.duplicate.txt", j.claimed),
                    text: duplicate_note(d, j, first, lang),
                }),
                report: false,
                html: false,
                summary: t!(
                    lang,
                    Msg::WatchFileDuplicate,
                    file = j.original,
                    first = first.original,
                    received = first.received,
                    kept = format!("archive/{day}/{}", j.claimed)
                ),
                day,
            }
        } else {
            copy_tree(&d.state, &staged_state).map_err(io_at(&staged_state))?;
            failpoint("decide.state_copied");
            let opts = ConvertOptions {
                profile: Some(d.profile.clone()),
                clients: None,
                out: staged_out.clone(),
                report: None,
                html: None,
                state: Some(staged_state.clone()),
                dry_run: false,
                force: false,
                inputs: vec![input.clone()],
                entries: true,
                lang,
            };
            // A bug hit by one odd file must not stop the watcher, nor crash it again at every
            // restart on the same file: a panic fails this file only.
            let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                failpoint("convert");
                convert::convert_with(&opts, Some(&mut self.lists))
            }));
            let mut report = match converted {
                Ok(r) => r.map_err(|e| JobError::Blocked(e.to_string()))?,
                Err(panic) => internal_error_report(&input, panic),
            };
            failpoint("decide.converted");
            let dest_input = |dest: &Path| dest.join(&j.claimed);
            let mut outputs: Vec<String> = report
                .inputs
                .first()
                .map(|i| {
                    i.outputs
                        .iter()
                        .filter_map(|o| Path::new(o).file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let input_failed = report.inputs.first().is_none_or(|i| i.status == Status::Failed);
            let (outcome, destination) = if input_failed {
                (Outcome::Failed, Destination::Errors)
            } else if report.failed() {
                (Outcome::Partial, Destination::Errors)
            } else {
                (Outcome::Converted, Destination::Archive)
            };
            let dest = match destination {
                Destination::Archive => d.archive.join(&day),
                Destination::Errors => d.errors.clone(),
            };
            for line in report.human_for(crate::report::SummaryFor::Watch, lang).lines() {
                tracing::info!("  {line}");
            }
            let shown_outputs: Vec<String> = outputs.iter().map(|o| d.show(&d.out.join(o))).collect();
            let note = match outcome {
                Outcome::Failed => Some(failure_note(d, j, &input, &report, lang)),
                Outcome::Partial => Some(partial_note(d, j, &input, &report, &shown_outputs, lang)),
                _ => None,
            }
            .map(|text| Note { file: format!("{}.error.txt", j.claimed), text });
            let note_path = || d.show(&dest.join(format!("{}.error.txt", j.claimed)));
            let summary = match outcome {
                Outcome::Failed => t!(lang, Msg::WatchFileFailed, file = j.original, note = note_path()),
                Outcome::Partial => t!(
                    lang,
                    Msg::WatchFilePartial,
                    file = j.original,
                    outputs = shown_outputs.join(", "),
                    note = note_path()
                ),
                _ if outputs.is_empty() => t!(lang, Msg::WatchFileNothing, file = j.original),
                _ => t!(lang, Msg::WatchFileConverted, file = j.original, outputs = shown_outputs.join(", ")),
            };
            if outcome == Outcome::Converted {
                // Only a clean conversion counts as "seen": a file that failed, even in part,
                // must convert when it is dropped again after the profile or client list is fixed.
                seen.files.insert(
                    hash,
                    SeenEntry {
                        original: j.original.clone(),
                        claimed: j.claimed.clone(),
                        day: day.clone(),
                        received: j.received.clone(),
                    },
                );
                seen.save(&staged_state).map_err(|e| JobError::Blocked(e.to_string()))?;
            }
            // The report tells where things ended, not where they were while being converted.
            relocate_report(&mut report, &input, &dest_input(&dest), &staged_out, &d.out);
            write_atomic(&staged_report, report.to_json().as_bytes()).map_err(io_at(&staged_report))?;
            // The page for people: beside the outputs, under the name they share (the job's id
            // keeps it free in out/); for a file without outputs, beside its report.
            let page = crate::html::page(&report, lang);
            let html = outputs.is_empty();
            if html {
                write_atomic(&staged_html, page.as_bytes()).map_err(io_at(&staged_html))?;
            } else {
                let stem =
                    Path::new(&j.claimed).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let name = format!("{stem}.html");
                let path = staged_out.join(&name);
                write_atomic(&path, page.as_bytes()).map_err(io_at(&path))?;
                outputs.push(name);
            }
            // The decision must not rely on copies the OS has not written yet.
            sync_tree(&staged_state).map_err(io_at(&staged_state))?;
            Decision {
                outcome,
                outputs,
                install_state: outcome != Outcome::Failed,
                destination,
                day,
                note,
                report: true,
                html,
                summary,
            }
        };
        j.stage = Stage::Decided;
        j.decision = Some(decision);
        self.save_journal(j)?;
        failpoint("decide.journal");
        Ok(())
    }

    /// Moves every result of a decided job into place. Each step can be repeated.
    fn finish(&mut self, j: &Journal) -> Result<Done, JobError> {
        let d = self.dirs.clone();
        let Some(dec) = &j.decision else {
            return Err(JobError::Journal { path: d.journal(&j.id), message: "decided without a decision".into() });
        };
        if dec.install_state {
            let from = d.staged_state(&j.id);
            install_tree(&from, &d.state).map_err(io_at(&d.state))?;
            failpoint("finish.state");
        }
        fs::create_dir_all(&d.out).map_err(io_at(&d.out))?;
        for o in &dec.outputs {
            let (from, to) = (d.staged_out(&j.id).join(o), d.out.join(o));
            move_into(&from, &to).map_err(io_at(&to))?.log(&d, &to);
            failpoint("finish.output");
        }
        let dest = d.destination(dec);
        fs::create_dir_all(&dest).map_err(io_at(&dest))?;
        if let Some(note) = &dec.note {
            let path = dest.join(&note.file);
            write_atomic(&path, &windows_text(&note.text)).map_err(io_at(&path))?;
            failpoint("finish.note");
        }
        if dec.report {
            let to = dest.join(format!("{}.report.json", j.claimed));
            move_into(&d.staged_report(&j.id), &to).map_err(io_at(&to))?.log(&d, &to);
        }
        if dec.html {
            let to = dest.join(format!("{}.html", j.claimed));
            move_into(&d.staged_html(&j.id), &to).map_err(io_at(&to))?.log(&d, &to);
        }
        let to = dest.join(&j.claimed);
        move_into(&d.work.join(&j.claimed), &to).map_err(io_at(&to))?.log(&d, &to);
        failpoint("finish.input");
        // The journal goes before the staging folders: a journal that says "decided" always has
        // its staged results beside it; staging folders without a journal are swept at start.
        let journal = d.journal(&j.id);
        remove_with_retry(&journal).map_err(io_at(&journal))?;
        sync_dir(&journal);
        failpoint("finish.journal");
        for p in [d.staged_out(&j.id), d.staged_state(&j.id)] {
            if let Err(e) = remove_any(&p) {
                tracing::warn!("{}: could not remove ({e}); it will be removed at the next start", d.show(&p));
            }
        }
        match dec.outcome {
            Outcome::Failed | Outcome::Partial => tracing::warn!("{}", dec.summary),
            _ => tracing::info!("{}", dec.summary),
        }
        Ok(Done { outcome: dec.outcome, original: j.original.clone(), summary: dec.summary.clone() })
    }
}

/// What `move_into` found.
#[derive(Debug, PartialEq, Eq)]
enum Moved {
    Now,
    /// Moved by an earlier run that stopped before recording it.
    AlreadyThere,
    /// Neither the source nor the target exists: someone removed it by hand.
    Missing,
}

impl Moved {
    fn log(self, d: &Dirs, to: &Path) {
        if self == Moved::Missing {
            tracing::error!(
                "{}: should have been there but its source in work/ is gone (removed by hand?)",
                d.show(to)
            );
        }
    }
}

/// Moves `from` to `to` without ever replacing a different file at `to`; repeatable.
fn move_into(from: &Path, to: &Path) -> io::Result<Moved> {
    let from_exists = from.symlink_metadata().is_ok();
    let to_exists = to.symlink_metadata().is_ok();
    match (from_exists, to_exists) {
        (false, true) => return Ok(Moved::AlreadyThere),
        (false, false) => return Ok(Moved::Missing),
        (true, true) => {
            // A crash between a copy and the removal of its source (cross-drive move).
            if fs::read(from)? == fs::read(to)? {
                remove_with_retry(from)?;
                return Ok(Moved::AlreadyThere);
            }
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "a different file already has this name: it is left untouched, move it away",
            ));
        }
        (true, false) => {}
    }
    match rename_with_retry(from, to) {
        Ok(()) => {
            sync_dir(to);
            Ok(Moved::Now)
        }
        // out/ or archive/ on another drive (a junction): copy aside, rename, then remove.
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            let mut f = AtomicFile::create(to)?;
            f.write_all(&fs::read(from)?)?;
            f.commit()?;
            remove_with_retry(from)?;
            Ok(Moved::Now)
        }
        Err(e) => Err(e),
    }
}

fn remove_any(p: &Path) -> io::Result<()> {
    match p.symlink_metadata() {
        Ok(md) if md.is_dir() => fs::remove_dir_all(p),
        Ok(_) => remove_with_retry(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Temporary files of atomic writes interrupted by a crash (`.NAME.PID-N.tmp`).
fn remove_temp_files(dir: &Path) {
    let Ok(list) = fs::read_dir(dir) else { return };
    for e in list.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") && e.file_type().is_ok_and(|t| t.is_file()) {
            tracing::debug!("removing {}, left by an interrupted write", e.path().display());
            let _ = fs::remove_file(e.path());
        }
    }
}

fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Copies the state folder (a missing one is empty) into a fresh folder.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let list = match fs::read_dir(from) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in list {
        let e = e?;
        let name = e.file_name();
        if is_temp(&name.to_string_lossy()) {
            continue;
        }
        let ty = e.file_type()?;
        if ty.is_dir() {
            copy_tree(&e.path(), &to.join(&name))?;
        } else if ty.is_file() {
            fs::copy(e.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn sync_tree(dir: &Path) -> io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            sync_tree(&e.path())?;
        } else {
            // FlushFileBuffers (Windows) needs a handle with write access; a read-only one gets
            // "Access denied", and every job would stop here.
            fs::OpenOptions::new().read(true).write(cfg!(windows)).open(e.path())?.sync_all()?;
        }
    }
    atomic::sync_dir(&dir.join("."));
    Ok(())
}

/// Writes every file of `from` over `to`, each atomically.
fn install_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if is_temp(&name.to_string_lossy()) {
            continue;
        }
        if e.file_type()?.is_dir() {
            install_tree(&e.path(), &to.join(&name))?;
        } else {
            let target = to.join(&name);
            let bytes = fs::read(e.path())?;
            // Unchanged files are left alone: fewer writes, and a state file opened by
            // someone else does not stop the job for nothing.
            if fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
                write_atomic(&target, &bytes)?;
            }
        }
    }
    Ok(())
}

/// Is there an output of `stem` in `out` (`<stem>.txt`, or a template's `<stem>.<name>.csv`)?
/// Names are looked up rather than computed: the templates a profile writes may change.
fn output_exists(out: &Path, stem: &str) -> bool {
    let prefix = format!("{stem}.");
    fs::read_dir(out)
        .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with(&prefix)))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert!(is_id("20261128-143005-001"));
        assert!(is_id("20261128-143005-1234"));
        assert!(!is_id("20261128-143005"));
        assert!(!is_id("2026112a-143005-001"));
        assert_eq!(id_of("20261128-143005-001_orders_export.csv"), Some("20261128-143005-001"));
        assert_eq!(id_of("20261128-143005-001.job.json"), Some("20261128-143005-001"));
        assert_eq!(id_of("20261128-143005-001.out"), Some("20261128-143005-001"));
        assert_eq!(id_of("orders_export.csv"), None);
        assert_eq!(id_of(".lock"), None);
    }

    #[test]
    fn move_into_is_repeatable_and_never_replaces_another_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a é.txt"), dir.path().join("b é.txt"));
        fs::write(&a, "x").unwrap();
        assert_eq!(move_into(&a, &b).unwrap(), Moved::Now);
        assert_eq!(move_into(&a, &b).unwrap(), Moved::AlreadyThere);
        fs::write(&a, "x").unwrap();
        assert_eq!(move_into(&a, &b).unwrap(), Moved::AlreadyThere, "same content: the copy is dropped");
        assert!(!a.exists());
        fs::write(&a, "y").unwrap();
        assert!(move_into(&a, &b).is_err());
        assert_eq!(fs::read(&b).unwrap(), b"x");
        let c = dir.path().join("c");
        assert_eq!(move_into(&c, &dir.path().join("d")).unwrap(), Moved::Missing);
    }

    #[test]
    fn state_copy_and_install() {
        let dir = tempfile::tempdir().unwrap();
        let (state, copy) = (dir.path().join("state"), dir.path().join("copy"));
        copy_tree(&state, &copy).unwrap();
        assert_eq!(fs::read_dir(&copy).unwrap().count(), 0, "no state yet: empty copy");
        fs::create_dir_all(state.join("ledger")).unwrap();
        fs::write(state.join("passerelle-state.json"), "1").unwrap();
        fs::write(state.join("ledger").join("orders.json"), "a").unwrap();
        fs::write(state.join(".passerelle-state.json.1-0.tmp"), "junk").unwrap();
        remove_any(&copy).unwrap();
        copy_tree(&state, &copy).unwrap();
        assert!(!copy.join(".passerelle-state.json.1-0.tmp").exists());
        fs::write(copy.join("passerelle-state.json"), "2").unwrap();
        fs::write(copy.join("ledger").join("orders.json"), "ab").unwrap();
        install_tree(&copy, &state).unwrap();
        install_tree(&copy, &state).unwrap();
        assert_eq!(fs::read_to_string(state.join("passerelle-state.json")).unwrap(), "2");
        assert_eq!(fs::read_to_string(state.join("ledger").join("orders.json")).unwrap(), "ab");
    }
}
