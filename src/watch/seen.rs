//! The content-hash journal: which file contents the watcher has already converted, so the
//! same export dropped twice (a sync tool re-uploading, a person dropping it again) produces
//! nothing the second time. It lives in the state folder, beside the issued codes and the
//! ledger of orders, because it says the same kind of thing: "this was converted already".
//!
//! SHA-256 (the `sha2` crate) rather than a fast hash: the digest is kept for years, must not
//! change with the Rust version (std's `DefaultHasher` may), and a false match would silently
//! drop a file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::state::SEEN_FILE;

pub const SEEN_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeenEntry {
    /// Name of the file as dropped in the inbox.
    pub original: String,
    /// Name it was given when claimed (the name it has in archive/).
    pub claimed: String,
    /// Archive sub-folder (YYYY-MM-DD).
    pub day: String,
    /// When it was received (local time).
    pub received: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seen {
    pub version: u32,
    /// SHA-256 of the content (hex) → the first file that had it.
    pub files: BTreeMap<String, SeenEntry>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen { version: SEEN_VERSION, files: BTreeMap::new() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeenError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} is damaged ({message}). It lists the files already converted: restore it from a backup, or move it away knowing that a file dropped again would then be converted again", path.display())]
    Damaged { path: PathBuf, message: String },
}

impl Seen {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(SEEN_FILE)
    }

    /// Loads the journal of `state_dir`; a missing file is an empty journal. A damaged one is an
    /// error, never a silent reset (a reset would convert duplicates again).
    pub fn load(state_dir: &Path) -> Result<Seen, SeenError> {
        let path = Seen::path(state_dir);
        let text = match crate::fsguard::read_text(&path, crate::fsguard::MAX_TEXT_BYTES) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Seen::default()),
            Err(source) => return Err(SeenError::Io { path, source }),
        };
        let seen: Seen = serde_json::from_str(&text)
            .map_err(|e| SeenError::Damaged { path: path.clone(), message: e.to_string() })?;
        if seen.version > SEEN_VERSION {
            return Err(SeenError::Damaged {
                path,
                message: format!("version {} written by a newer passerelle", seen.version),
            });
        }
        Ok(seen)
    }

    pub fn save(&self, state_dir: &Path) -> Result<(), SeenError> {
        let path = Seen::path(state_dir);
        let io = |source| SeenError::Io { path: path.clone(), source };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let text = serde_json::to_string_pretty(self).expect("journal serialises");
        crate::atomic::write_atomic(&path, text.as_bytes()).map_err(io)
    }
}

/// SHA-256 of a file, as lowercase hex.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(h))
}

/// The digest as lowercase hex, as `watch-seen.json` keeps it.
fn hex(h: Sha256) -> String {
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(data);
        hex(h)
    }

    #[test]
    fn nist_vectors() {
        assert_eq!(sha(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            sha(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(sha(&million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn a_file_is_hashed_as_its_bytes() {
        // The keys of existing watch-seen.json files: the digest must not change.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("commandes.csv");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(hash_file(&p).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &big).unwrap();
        assert_eq!(hash_file(&p).unwrap(), sha(&big), "read in 64 KiB pieces");
    }

    #[test]
    fn streaming_in_odd_pieces_gives_the_same_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut h = Sha256::new();
        for piece in data.chunks(13) {
            h.update(piece);
        }
        assert_eq!(hex(h), sha(&data));
    }

    #[test]
    fn journal_round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Seen::load(dir.path()).unwrap();
        s.files.insert(
            "ab".into(),
            SeenEntry {
                original: "commandes été.csv".into(),
                claimed: "20261128-143005-001_commandes été.csv".into(),
                day: "2026-11-28".into(),
                received: "2026-11-28 14:30:05".into(),
            },
        );
        s.save(dir.path()).unwrap();
        assert_eq!(Seen::load(dir.path()).unwrap(), s);
        std::fs::write(Seen::path(dir.path()), "{").unwrap();
        assert!(matches!(Seen::load(dir.path()), Err(SeenError::Damaged { .. })));
    }
}
