//! Progress of a long input on the terminal: how many bytes of the file are read, on stderr,
//! one line rewritten in place. Only `convert` asks for it (`enable`), and only when stderr is
//! a terminal: a script reading the output, the JSON report and the watcher (which never
//! asks) see nothing of it. Its cost is a counter per read of the file and a look at the
//! clock every few thousand rows.

use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static WANTED: AtomicBool = AtomicBool::new(false);
static FRENCH: AtomicBool = AtomicBool::new(false);

/// Files smaller than this are read in a few seconds at most: no progress line.
pub const MIN_BYTES: u64 = 32 << 20;
/// Rows between two looks at the clock, and time between two lines.
const ROWS: u32 = 4096;
const EVERY: Duration = Duration::from_millis(250);

/// Progress for the files read from now on, if stderr is a terminal (`french`: units as the
/// French write them).
pub fn enable(french: bool) {
    if std::io::stderr().is_terminal() {
        FRENCH.store(french, Ordering::Relaxed);
        WANTED.store(true, Ordering::Relaxed);
    }
}

/// A reader that counts the bytes read through it.
pub struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The progress line of one file.
pub struct Progress {
    name: String,
    total: u64,
    read: Arc<AtomicU64>,
    rows: u32,
    last: Instant,
    shown: bool,
    french: bool,
}

impl Progress {
    /// `file` (named `name`, `total` bytes) counted, and its progress when it is wanted: long
    /// enough, and asked for on a terminal.
    pub fn wrap<R: Read>(name: &str, total: u64, file: R) -> (Counted<R>, Option<Progress>) {
        let read = Arc::new(AtomicU64::new(0));
        let counted = Counted { inner: file, read: Arc::clone(&read) };
        let wanted = WANTED.load(Ordering::Relaxed) && total >= MIN_BYTES;
        let progress = wanted.then(|| Progress {
            name: name.to_string(),
            total,
            read,
            rows: 0,
            last: Instant::now(),
            shown: false,
            french: FRENCH.load(Ordering::Relaxed),
        });
        (counted, progress)
    }

    /// A row was read: now and then, the line is rewritten.
    pub fn tick(&mut self) {
        self.rows += 1;
        if self.rows < ROWS {
            return;
        }
        self.rows = 0;
        if self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        let line = self.line();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
        self.shown = true;
    }

    /// `orders.csv: 123 / 305 MB (40 %)`.
    fn line(&self) -> String {
        let read = self.read.load(Ordering::Relaxed).min(self.total);
        let mb = |n: u64| n / 1_000_000;
        let percent = (read * 100).checked_div(self.total).unwrap_or(100);
        let unit = if self.french { "Mo" } else { "MB" };
        format!("{}: {} / {} {unit} ({percent} %)", self.name, mb(read), mb(self.total.max(read)))
    }
}

impl Drop for Progress {
    /// The line is wiped once the file is read (or left): the summary follows on a clean line.
    fn drop(&mut self) {
        if self.shown {
            let width = self.line().chars().count();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(width));
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_are_counted_and_shown_against_the_size() {
        let data = vec![b'x'; 3_000_000];
        let (mut r, none) = Progress::wrap("orders.csv", data.len() as u64, &data[..]);
        // Not asked for (and tests do not write on a terminal), nor long enough.
        assert!(none.is_none());
        let mut buf = vec![0u8; 1_000_000];
        r.read_exact(&mut buf).unwrap();
        let at = |french| Progress {
            name: "orders.csv".into(),
            total: 3_000_000,
            read: Arc::clone(&r.read),
            rows: 0,
            last: Instant::now(),
            shown: false,
            french,
        };
        assert_eq!(at(false).line(), "orders.csv: 1 / 3 MB (33 %)");
        assert_eq!(at(true).line(), "orders.csv: 1 / 3 Mo (33 %)");
    }
}
