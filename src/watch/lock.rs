//! The lock that keeps a second watcher (a scheduled task started while the previous run is
//! still busy, a second PC on the same share) out of a drop folder. Held by an open file, so the
//! OS releases it when the process ends, even by a kill: no stale lock to clean up.
//! (`File::try_lock` does this in std from Rust 1.89; the crate still declares 1.85.)

use std::fs::File;
use std::io;
use std::path::Path;

/// `Ok(None)`: another process holds it.
#[cfg(unix)]
pub fn exclusive(path: &Path) -> io::Result<Option<File>> {
    use std::os::fd::AsRawFd;
    let f = File::options().create(true).truncate(false).write(true).open(path)?;
    // SAFETY: flock on a descriptor this function owns; no memory is involved.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(Some(f));
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock { Ok(None) } else { Err(e) }
}

/// Windows: opened with no sharing, the file cannot be opened again until this handle closes.
#[cfg(windows)]
pub fn exclusive(path: &Path) -> io::Result<Option<File>> {
    use std::os::windows::fs::OpenOptionsExt;
    match File::options().create(true).truncate(false).write(true).share_mode(0).open(path) {
        Ok(f) => Ok(Some(f)),
        // ERROR_SHARING_VIOLATION
        Err(e) if e.raw_os_error() == Some(32) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(any(unix, windows)))]
pub fn exclusive(path: &Path) -> io::Result<Option<File>> {
    File::options().create(true).truncate(false).write(true).open(path).map(Some)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".lock");
        let first = super::exclusive(&p).unwrap();
        assert!(first.is_some());
        assert!(super::exclusive(&p).unwrap().is_none());
        drop(first);
        assert!(super::exclusive(&p).unwrap().is_some());
    }
}
