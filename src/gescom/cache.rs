//! The client list kept between conversions of a long-lived process: the watcher converts
//! file after file against the same list, and reading 200,000 clients for each dropped file
//! would cost more than converting it.
//!
//! The list is read again when its file may have changed: another size, another modification
//! time, or other bytes in its first or last 64 KiB (an export replaced by a copy that kept
//! the old date, by a tool that restores times). What it was read with counts too: the
//! `[clients]` section of the profile, the layout, the codes whose fields are kept. A file
//! that changes while it is read is not kept.

use std::hash::Hasher;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::ClientIndex;
use crate::error::InputError;
use crate::profile::ClientsSection;
use crate::sage::Layout;

/// Bytes looked at, at each end of the file.
const EDGE: u64 = 64 * 1024;

/// What is known of a list file without reading it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Hash of the first and last `EDGE` bytes.
    edges: u64,
}

impl Stamp {
    /// `None` when the file cannot be looked at, or is not a regular file (never waited on,
    /// see `fsguard`): such a list is read every time, and refused there.
    fn of(path: &Path) -> Option<Stamp> {
        let mut f = crate::fsguard::open_regular(path, u64::MAX).ok()?;
        let meta = f.metadata().ok()?;
        let len = meta.len();
        let mut h = rustc_hash::FxHasher::default();
        let mut buf = vec![0u8; EDGE.min(len) as usize];
        f.read_exact(&mut buf).ok()?;
        h.write(&buf);
        if len > EDGE {
            let tail = EDGE.min(len - EDGE);
            f.seek(SeekFrom::Start(len - tail)).ok()?;
            buf.truncate(tail as usize);
            f.read_exact(&mut buf).ok()?;
            h.write(&buf);
        }
        Some(Stamp { len, modified: meta.modified().ok(), edges: h.finish() })
    }
}

struct Kept {
    path: PathBuf,
    /// What the index was read with (`[clients]`, layout version, kept codes), in words.
    how: String,
    stamp: Stamp,
    index: Arc<ClientIndex>,
}

/// A client list read once and handed out again while its file stays the same.
#[derive(Default)]
pub struct ListCache {
    kept: Option<Kept>,
    loads: usize,
}

impl ListCache {
    /// The index of `path` (see `gescom::load`), read again only if the file or what it is
    /// read with changed since the last call.
    pub fn load(
        &mut self,
        path: &Path,
        section: &ClientsSection,
        layout: &'static Layout,
        keep: &[String],
    ) -> Result<Arc<ClientIndex>, InputError> {
        let how = format!("{section:?}, #VER {}, kept {keep:?}", layout.version);
        let before = Stamp::of(path);
        if let (Some(k), Some(stamp)) = (&self.kept, &before)
            && k.path == path
            && k.how == how
            && k.stamp == *stamp
        {
            return Ok(Arc::clone(&k.index));
        }
        // The index in hand is stale: let it go before reading the new one.
        let changed = self.kept.take().is_some_and(|k| k.path == path);
        let index = Arc::new(super::load(path, section, layout, keep)?);
        self.loads += 1;
        tracing::info!(
            "client list {}: {} clients read{}",
            path.display(),
            index.len(),
            if changed { " (changed since the last file)" } else { "" }
        );
        let after = Stamp::of(path);
        if let Some(stamp) = before.filter(|b| after.as_ref() == Some(b)) {
            self.kept = Some(Kept { path: path.to_path_buf(), how, stamp, index: Arc::clone(&index) });
        }
        Ok(index)
    }

    /// How many times a list was read (and not taken from the cache).
    pub fn loads(&self) -> usize {
        self.loads
    }

    /// The list kept: its file and number of clients.
    pub fn kept(&self) -> Option<(&Path, usize)> {
        self.kept.as_ref().map(|k| (k.path.as_path(), k.index.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "N° compte;Intitulé;E-mail\r\nDUPONT;Boulangerie Dupont;contact@boulangerie-dupont.fr\r\nMOREL;Garage Morel;atelier@garage-morel.fr\r\n";

    fn load(cache: &mut ListCache, path: &Path, section: &ClientsSection, keep: &[&str]) -> Arc<ClientIndex> {
        let keep: Vec<String> = keep.iter().map(|k| k.to_string()).collect();
        cache.load(path, section, Layout::builtin(33).unwrap(), &keep).unwrap()
    }

    /// Sets the file's modification time back to `t`, as a copy keeping dates would.
    fn set_modified(path: &Path, t: SystemTime) {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
    }

    #[test]
    fn an_unchanged_list_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clients.csv");
        std::fs::write(&path, LIST).unwrap();
        let (mut cache, section) = (ListCache::default(), ClientsSection::default());
        let a = load(&mut cache, &path, &section, &[]);
        let b = load(&mut cache, &path, &section, &[]);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.loads(), 1);
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn a_changed_list_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clients.csv");
        std::fs::write(&path, LIST).unwrap();
        let (mut cache, section) = (ListCache::default(), ClientsSection::default());
        load(&mut cache, &path, &section, &[]);
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();

        // A client more: another size.
        std::fs::write(&path, format!("{LIST}VIDAL;Vidal Distribution;vidal@exemple.fr\r\n")).unwrap();
        set_modified(&path, modified);
        let ix = load(&mut cache, &path, &section, &[]);
        assert_eq!((cache.loads(), ix.len()), (2, 3));

        // The same size and date, another e-mail: seen in the bytes.
        let same_size = format!("{LIST}VIDAL;Vidal Distribution;vidal@exemple.be\r\n");
        std::fs::write(&path, &same_size).unwrap();
        set_modified(&path, modified);
        let ix = load(&mut cache, &path, &section, &[]);
        assert_eq!(cache.loads(), 3);
        assert_eq!(ix.by_email("vidal@exemple.be")[0].code(), "VIDAL");

        // Saved again unchanged: another date, read again (the bytes are not compared whole).
        set_modified(&path, modified + std::time::Duration::from_secs(60));
        load(&mut cache, &path, &section, &[]);
        assert_eq!(cache.loads(), 4);
        load(&mut cache, &path, &section, &[]);
        assert_eq!(cache.loads(), 4);
    }

    #[test]
    fn what_the_list_is_read_with_counts_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clients.csv");
        std::fs::write(&path, LIST).unwrap();
        let other = dir.path().join("autres.csv");
        std::fs::write(&other, LIST).unwrap();
        let mut cache = ListCache::default();
        let mut section = ClientsSection::default();
        load(&mut cache, &path, &section, &[]);
        load(&mut cache, &path, &section, &["DUPONT"]);
        assert_eq!(cache.loads(), 2, "another kept client");
        let kept = load(&mut cache, &path, &section, &["DUPONT"]);
        assert_eq!(cache.loads(), 2);
        assert_eq!(kept.by_code("DUPONT").unwrap().field(5), Some("Boulangerie Dupont"));
        section.delimiter = Some(";".into());
        load(&mut cache, &path, &section, &["DUPONT"]);
        assert_eq!(cache.loads(), 3, "another [clients] section");
        load(&mut cache, &other, &section, &["DUPONT"]);
        assert_eq!(cache.loads(), 4, "another file");
    }

    #[test]
    fn a_list_that_cannot_be_read_is_an_error_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clients.csv");
        let (mut cache, section) = (ListCache::default(), ClientsSection::default());
        let layout = Layout::builtin(33).unwrap();
        assert!(cache.load(&path, &section, layout, &[]).is_err());
        std::fs::write(&path, LIST).unwrap();
        load(&mut cache, &path, &section, &[]);
        std::fs::remove_file(&path).unwrap();
        assert!(cache.load(&path, &section, layout, &[]).is_err(), "gone: not taken from the cache");
    }
}
