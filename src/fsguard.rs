//! Guards on the files passerelle reads and the paths it writes, shared by every reader.
//!
//! - Only regular files are read: a named pipe (FIFO), a device such as `/dev/zero`, a socket
//!   or a folder is refused at once with "not a regular file", never waited on (a FIFO is
//!   opened without blocking, then checked on the open handle) nor read without end.
//! - Sizes are checked before reading: [`MAX_INPUT_BYTES`] for streamed inputs,
//!   [`MAX_TEXT_BYTES`] for files read whole (profile, templates).
//! - Streams are read with limits: a CSV record (`table::rows`) or a line of a Format Sage
//!   file longer than [`MAX_RECORD_BYTES`] is an error ([`TooLong`]) naming the line where it
//!   starts.
//! - [`same_file`] compares paths as the file system sees them (canonical paths, the same
//!   file through another name, case-insensitively on Windows), to refuse a `--report` that
//!   would overwrite an input.
//!
//! A reader of a new format opens its input with [`open_regular`] (or [`open_with_head`] to
//! sniff it first), caps what it keeps per record, and names file and line in its errors.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

/// Largest shop export, client list or mapping file read (streamed). A bigger file is not
/// an export from a shop or from Gestion Commerciale.
pub const MAX_INPUT_BYTES: u64 = 4 << 30;
/// Largest file read whole into memory: a profile, a template, a state file.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;
/// Longest CSV record (all its cells and line breaks), and longest line of a Format Sage file.
pub const MAX_RECORD_BYTES: u64 = 8 << 20;
/// Longest cell of a CSV file; a spreadsheet cell stops at Excel's own limit, 32,767
/// characters.
pub const MAX_CELL_BYTES: usize = 1 << 20;
pub const MAX_CELL_CHARS: usize = 32_767;
/// Longest column title, and most columns, of a table header (Excel stops at XFD: 16,384).
pub const MAX_HEADER_CHARS: usize = 1_024;
pub const MAX_COLUMNS: usize = 16_384;
/// Deepest nesting of XML elements (a PrestaShop webservice file uses 8 levels).
pub const MAX_XML_DEPTH: usize = 256;

/// An error of a guard, as an `io::Error` (kind `InvalidData` or `InvalidInput`) whose text
/// says what was expected; readers put it in their own error, which names the file.
fn refused(kind: io::ErrorKind, message: String) -> io::Error {
    io::Error::new(kind, message)
}

/// "a folder", "a named pipe", "a device"...: what a path is when it is not a file.
pub fn describe(md: &Metadata) -> &'static str {
    let ft = md.file_type();
    if ft.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_file() { "a file" } else { "not a file" }
}

fn not_regular(md: &Metadata) -> io::Error {
    refused(io::ErrorKind::InvalidInput, format!("not a regular file ({}): passerelle reads files only", describe(md)))
}

/// "4 GiB", "64 MiB", "8 MiB", "512 bytes".
pub fn human_size(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Opens `path` for reading if it is a regular file of at most `max_len` bytes. A FIFO is
/// never waited on: the file is opened without blocking and checked on its handle (so what
/// is read is what was checked).
pub fn open_regular(path: &Path, max_len: u64) -> io::Result<File> {
    let file = open_nonblocking(path)?;
    let md = file.metadata()?;
    if !md.is_file() {
        return Err(not_regular(&md));
    }
    if md.len() > max_len {
        return Err(refused(
            io::ErrorKind::InvalidData,
            format!(
                "{} bytes: larger than the {} passerelle reads (not an export? split it)",
                md.len(),
                human_size(max_len)
            ),
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    // Back to blocking reads: they only matter for what is not a regular file, refused next.
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function owns; no memory is passed.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    // Windows: a named pipe or a device (`\\.\pipe\x`, `NUL`, `COM1`) is not a file by its
    // metadata; check before opening, then again on the handle.
    let md = std::fs::metadata(path)?;
    if !md.is_file() {
        return Err(not_regular(&md));
    }
    File::open(path)
}

/// Opens a regular file (see `open_regular`) and reads up to `n` bytes of its start, then
/// rewinds: the file is opened once for sniffing and reading.
pub fn open_with_head(path: &Path, max_len: u64, n: usize) -> io::Result<(File, Vec<u8>)> {
    let mut file = open_regular(path, max_len)?;
    let mut head = Vec::with_capacity(n);
    (&mut file).take(n as u64).read_to_end(&mut head)?;
    file.rewind()?;
    Ok((file, head))
}

/// Reads a regular file of at most `max_len` bytes as UTF-8 text (profiles, templates).
pub fn read_text(path: &Path, max_len: u64) -> io::Result<String> {
    let file = open_regular(path, max_len)?;
    let mut text = String::new();
    // `take`: the file may have grown since it was checked.
    file.take(max_len + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max_len {
        return Err(refused(
            io::ErrorKind::InvalidData,
            format!("larger than the {} passerelle reads", human_size(max_len)),
        ));
    }
    Ok(text)
}

/// A record or line longer than its limit, carried in an `io::Error` so that readers can
/// name the line (`io::Error::get_ref` then `downcast_ref::<TooLong>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    /// Line where the record starts (1-based).
    pub line: u64,
    pub limit: u64,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a record of more than {} starts on this line: a quote that is never closed, or not a text export",
            human_size(self.limit)
        )
    }
}

impl std::error::Error for TooLong {}

impl TooLong {
    /// The `TooLong` inside an I/O error, if that is what it is.
    pub fn in_io(e: &io::Error) -> Option<&TooLong> {
        e.get_ref().and_then(|x| x.downcast_ref::<TooLong>())
    }
}

/// At most `max` characters of `s` for a message, with "…" when cut: an error quotes a value,
/// never a whole line of a file.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Is `a` the same file as `b`? Both are made absolute and canonical (the parent when the
/// file does not exist yet), so `out/../in.csv` and `in.csv` match; two existing files are
/// also compared by identity (a hard link, another mount of the same folder) on Unix; on
/// Windows, names compare without case, as the file system does.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return ma.dev() == mb.dev() && ma.ino() == mb.ino();
    }
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => {
            if cfg!(windows) {
                x.to_string_lossy().to_lowercase() == y.to_string_lossy().to_lowercase()
            } else {
                x == y
            }
        }
        _ => false,
    }
}

/// The canonical form of `p`: its longest existing ancestor made canonical (links
/// resolved), then the rest of the path with `.` and `..` applied as written.
fn canonical(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let abs = std::path::absolute(p).ok()?;
    let mut base = abs.as_path();
    let mut real = loop {
        if let Ok(c) = base.canonicalize() {
            break c;
        }
        base = base.parent()?;
    };
    let tail: PathBuf = abs.strip_prefix(base).ok()?.to_path_buf();
    for c in tail.components() {
        match c {
            std::path::Component::ParentDir => {
                real.pop();
            }
            std::path::Component::Normal(n) => real.push(n),
            _ => {}
        }
    }
    Some(real)
}

/// Checks that `dir` can be written: creates it if needed, then creates and removes a small
/// file in it. The error says which of the two failed ("create" or "write in"). `Ok` gives
/// the first folder it created, if any, for `undo_created`.
pub fn probe_writable(dir: &Path) -> Result<Option<PathBuf>, (&'static str, io::Error)> {
    if let Ok(md) = std::fs::metadata(dir)
        && !md.is_dir()
    {
        return Err((
            "create",
            io::Error::new(io::ErrorKind::AlreadyExists, format!("it is {}, not a folder", describe(&md))),
        ));
    }
    // The first missing folder on the way, to take back what was made if the run stops.
    let mut first = None;
    let mut p = Some(dir);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty() && std::fs::metadata(d).is_err()) {
        first = Some(d.to_path_buf());
        p = d.parent();
    }
    std::fs::create_dir_all(dir).map_err(|e| ("create", e))?;
    let probe = dir.join(format!(".passerelle-probe.{}.tmp", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(f) => {
            drop(f);
            let _ = std::fs::remove_file(&probe);
            Ok(first)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&probe);
            Ok(first)
        }
        Err(e) => {
            if let Some(f) = &first {
                undo_created(f, dir);
            }
            Err(("write in", e))
        }
    }
}

/// Removes the empty folders `probe_writable` made, from `dir` up to `first`: a run that
/// stops leaves no trace.
pub fn undo_created(first: &Path, dir: &Path) {
    let mut p = Some(dir);
    while let Some(d) = p {
        if std::fs::remove_dir(d).is_err() || d == first {
            break;
        }
        p = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("Société", 4), "Soci…");
        assert_eq!(excerpt("abc", 4), "abc");
    }

    #[test]
    fn same_file_sees_through_other_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_file(&a, &dir.path().join("sub").join("..").join("a.csv")));
        assert!(same_file(&dir.path().join("new.json"), &dir.path().join("sub/../new.json")));
        assert!(same_file(&dir.path().join("out/r.json"), &dir.path().join("./out/../out/r.json")));
        assert!(!same_file(&dir.path().join("out/r.json"), &dir.path().join("out/../r.json")));
        assert!(!same_file(&a, &dir.path().join("b.csv")));
        #[cfg(unix)]
        {
            let l = dir.path().join("lien.csv");
            std::fs::hard_link(&a, &l).unwrap();
            assert!(same_file(&a, &l));
        }
    }

    #[test]
    fn folders_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(dir.path(), MAX_INPUT_BYTES).unwrap_err();
        assert!(e.to_string().contains("not a regular file (a folder)"), "{e}");
        let f = dir.path().join("f.txt");
        std::fs::write(&f, "0123456789").unwrap();
        let e = open_regular(&f, 4).unwrap_err();
        assert!(e.to_string().contains("larger than the 4 bytes"), "{e}");
        assert_eq!(read_text(&f, 10).unwrap(), "0123456789");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tube.csv");
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = open_regular(&p, MAX_INPUT_BYTES).unwrap_err();
        assert!(e.to_string().contains("not a regular file (a named pipe)"), "{e}");
        let e = open_regular(Path::new("/dev/zero"), MAX_INPUT_BYTES).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
    }

    #[test]
    fn probe_says_create_or_write() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("state");
        std::fs::write(&f, "").unwrap();
        let (what, _) = probe_writable(&f).unwrap_err();
        assert_eq!(what, "create");
        let made = probe_writable(&dir.path().join("new/state")).unwrap();
        assert_eq!(made, Some(dir.path().join("new")));
        undo_created(&dir.path().join("new"), &dir.path().join("new/state"));
        assert!(!dir.path().join("new").exists(), "what was made is taken back");
        assert_eq!(probe_writable(dir.path()).unwrap(), None);
    }
}
