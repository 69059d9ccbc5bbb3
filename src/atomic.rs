//! Files that appear only when complete: written under a temporary name in the same folder,
//! flushed to disk, then renamed. A reader (Sage, the accountant, the watcher) never sees half
//! a file, and a crash leaves at worst a `.tmp` file behind, never a truncated output.
//! Used by the writers, the state, the report and the watcher; a leaf: it depends on no other
//! module of the crate.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Buffer of every output writer: large writes, few syscalls.
pub const BUF_SIZE: usize = 256 * 1024;

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A temporary file next to `target`: `.NAME.PID-N.tmp` (hidden on Unix, skipped by the
/// watcher everywhere thanks to its `.tmp` suffix).
pub fn temp_path_for(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let file = format!(".{name}.{}-{n}{tag}.tmp", std::process::id());
    target.with_file_name(file)
}

pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let tmp = temp_path_for(target, "");
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        Ok(AtomicFile { target: target.to_path_buf(), tmp, out: Some(BufWriter::with_capacity(BUF_SIZE, file)) })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Another final name, in the same folder (the temporary file stays where it is: a
    /// rename within a folder).
    pub fn set_target(&mut self, target: &Path) {
        debug_assert_eq!(target.parent(), self.target.parent());
        self.target = target.to_path_buf();
    }

    /// Flush, fsync, rename over the target, fsync the folder.
    pub fn commit(self) -> io::Result<()> {
        self.commit_with(rename_with_retry)
    }

    /// Like `commit`, but never replaces a file: if the target exists (another program or
    /// another run wrote it meanwhile), the error says so and the file stays untouched.
    pub fn commit_new(self) -> io::Result<()> {
        self.commit_with(rename_no_replace)
    }

    fn commit_with(mut self, rename: fn(&Path, &Path) -> io::Result<()>) -> io::Result<()> {
        let out = self.out.take().expect("committed once");
        let file = out.into_inner().map_err(|e| e.into_error())?;
        commit_temp(file, &self.tmp, &self.target, rename)
    }
}

/// A temporary file written whole (`file`, at `tmp` beside `target`) made the target: synced,
/// renamed (or removed if the rename fails), the folder synced.
fn commit_temp(file: File, tmp: &Path, target: &Path, rename: fn(&Path, &Path) -> io::Result<()>) -> io::Result<()> {
    file.sync_all()?;
    drop(file);
    if let Err(e) = rename(tmp, target) {
        let _ = remove_with_retry(tmp);
        return Err(e);
    }
    sync_dir(target);
    Ok(())
}

/// `commit_new` for a temporary file made by its writer (`temp_path_for`): it becomes
/// `target` unless `target` exists. The file is removed if the rename fails.
pub fn commit_temp_new(file: File, tmp: &Path, target: &Path) -> io::Result<()> {
    commit_temp(file, tmp, target, rename_no_replace)
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.as_mut().expect("not committed").write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.as_mut().expect("not committed").write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = remove_with_retry(&self.tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Renames, retrying while the target or source is held open by another program. On Windows a
/// file opened by Excel, an antivirus or the indexer makes `MoveFileEx` fail with a sharing
/// violation (32) or access denied (5) for a moment; those pass, so retry with backoff.
pub fn rename_with_retry(from: &Path, to: &Path) -> io::Result<()> {
    retrying(8, Duration::from_millis(50), is_transient, || fs::rename(from, to))
}

/// Removes a file, retrying a moment while another program holds it (see
/// `rename_with_retry`): a temporary file an antivirus is scanning is removed once it lets
/// go, instead of staying beside the outputs. Fewer tries than a rename: what is removed is
/// never the user's data, and a drop waits for it.
pub fn remove_with_retry(path: &Path) -> io::Result<()> {
    retrying(5, Duration::from_millis(50), is_transient, || fs::remove_file(path))
}

/// `op` until it succeeds, fails for good, or failed `tries` more times in a way `transient`
/// says passes; the waits double from `delay`, at most 2 s each.
fn retrying<T>(
    tries: u32,
    mut delay: Duration,
    transient: impl Fn(&io::Error) -> bool,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let mut attempts = 0;
    loop {
        match op() {
            Err(e) if attempts < tries && transient(&e) => {
                attempts += 1;
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            done => return done,
        }
    }
}

/// Moves `from` to `to` only if nothing has the name `to`. A hard link is created under the
/// final name (the file system refuses it if the name exists: no window between a check and
/// the move), then the temporary name is removed. Where links are not supported (FAT, some
/// network shares), the name is checked right before the rename: a file that appears in
/// between is the only case left, and only another program writing the same name in the
/// same instant could cause it.
pub fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    let exists = || {
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} appeared while this run was writing it (another run?): it is left untouched", to.display()),
        )
    };
    match fs::hard_link(from, to) {
        Ok(()) => {
            // The final name is in place. The temporary name goes too; if it still stays, it
            // is a leftover `.tmp` file like one a crash leaves.
            let _ = remove_with_retry(from);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) => {
            if to.symlink_metadata().is_ok() {
                return Err(exists());
            }
            rename_with_retry(from, to)
        }
    }
}

/// Errors that mean "in use right now", not "impossible".
pub fn is_transient(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::PermissionDenied {
        return cfg!(windows);
    }
    // ERROR_SHARING_VIOLATION (32), ERROR_LOCK_VIOLATION (33) on Windows.
    cfg!(windows) && matches!(e.raw_os_error(), Some(32) | Some(33))
}

/// Makes the rename itself durable (Unix); Windows has no directory handles to sync.
pub fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure that passes is tried again, with waits that double, up to the number of
    /// tries; another failure, or one that lasts, is given back.
    #[test]
    fn a_file_in_use_is_tried_again_a_few_times() {
        let busy = || io::Error::other("in use");
        let passes = |e: &io::Error| e.to_string() == "in use";
        let tick = Duration::from_millis(1);
        for (fails, tries, ok) in [(0, 3, true), (2, 3, true), (3, 3, true), (4, 3, false), (1, 0, false)] {
            let mut calls = 0;
            let started = std::time::Instant::now();
            let r = retrying(tries, tick, passes, || {
                calls += 1;
                if calls <= fails { Err(busy()) } else { Ok(calls) }
            });
            assert_eq!(r.is_ok(), ok, "{fails} failures, {tries} tries");
            assert_eq!(calls, fails.min(tries) + 1, "{fails} failures, {tries} tries");
            // Waited 1 + 2 + 4... ms between tries.
            let waited: u32 = (0..fails.min(tries)).map(|i| 1 << i).sum();
            assert!(started.elapsed() >= tick * waited);
        }
        let mut calls = 0;
        let r: io::Result<()> = retrying(5, tick, passes, || {
            calls += 1;
            Err(io::Error::new(io::ErrorKind::NotFound, "gone"))
        });
        assert_eq!((r.unwrap_err().kind(), calls), (io::ErrorKind::NotFound, 1), "not in use: not tried again");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fichier récent.tmp");
        fs::write(&f, b"x").unwrap();
        remove_with_retry(&f).unwrap();
        assert!(!f.exists());
        assert_eq!(remove_with_retry(&f).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn nothing_appears_before_commit_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sortie é.txt");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"partial").unwrap();
            assert!(!target.exists());
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "temp file removed");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"done").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"done");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn commit_new_never_replaces_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("commandes.txt");
        fs::write(&target, b"hier").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"aujourd'hui").unwrap();
        let e = f.commit_new().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&target).unwrap(), b"hier");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "temporary file removed");
        let mut f = AtomicFile::create(&target).unwrap();
        f.set_target(&dir.path().join("commandes-2.txt"));
        f.write_all(b"aujourd'hui").unwrap();
        f.commit_new().unwrap();
        assert_eq!(fs::read(dir.path().join("commandes-2.txt")).unwrap(), b"aujourd'hui");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn commit_replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        fs::write(&target, b"old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
    }
}
