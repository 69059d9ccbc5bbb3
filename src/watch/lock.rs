//! The lock that keeps a second watcher (a scheduled task started while the previous run is
//! still busy, a second PC on the same share) out of a drop folder. Held by an open file, so the
//! OS releases it when the process ends, even by a kill: no stale lock to clean up.
//!
//! `File::try_lock` is `flock(LOCK_EX | LOCK_NB)` on Unix and `LockFileEx` (exclusive, fail
//! immediately) on Windows: both belong to the open file, conflict with any other open file of
//! the same path (in this process or another), and end when it is closed, which the OS does for
//! a process that dies.

use std::fs::{File, TryLockError};
use std::io;
use std::path::Path;

/// `Ok(None)`: another process holds it.
pub fn exclusive(path: &Path) -> io::Result<Option<File>> {
    let f = match File::options().create(true).truncate(false).write(true).open(path) {
        Ok(f) => f,
        // Windows: a watcher of an earlier version holds the file open without sharing
        // (ERROR_SHARING_VIOLATION); it is as busy as a locked one.
        Err(e) if cfg!(windows) && e.raw_os_error() == Some(32) => return Ok(None),
        Err(e) => return Err(e),
    };
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
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
