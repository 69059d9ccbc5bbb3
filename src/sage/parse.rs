//! Reading Format Sage files line by line: CRLF framing, CP850 decoding, tags told apart from
//! values by the known-tag set. Used by the validator and by the client-list reader.

use std::io::{self, BufRead};

use super::layout::is_known_tag;

/// One physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based, counting `#FLG 000` as line 1 (as Sage reports errors).
    pub number: usize,
    pub text: String,
    /// How the line ended.
    pub ending: Ending,
    /// The raw bytes had a byte ≥ 0x80.
    pub high: bool,
    pub has_control: bool,
    /// Byte offset of the line's start in the file.
    pub offset: u64,
    /// Length in bytes, line ending included.
    pub len: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    CrLf,
    /// A bare LF (not allowed in a generated file).
    Lf,
    /// End of file without a line ending.
    None,
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    number: usize,
    offset: u64,
    /// Bare CRs seen inside lines (line numbers).
    pub bare_cr: Vec<usize>,
    /// All raw bytes so far form valid UTF-8 with high bytes (a re-encoded file).
    pub utf8_high: bool,
    pub any_invalid_utf8: bool,
    /// Bytes in 0x80..=0x9F and 0xE0..=0xFF, for the Windows-1252 heuristic.
    pub low_high: (usize, usize),
    pub bom: bool,
    /// The line handed out last; its text buffer is reused.
    line: Line,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(256),
            number: 0,
            offset: 0,
            bare_cr: Vec::new(),
            utf8_high: false,
            any_invalid_utf8: false,
            low_high: (0, 0),
            bom: false,
            line: Line {
                number: 0,
                text: String::new(),
                ending: Ending::None,
                high: false,
                has_control: false,
                offset: 0,
                len: 0,
            },
        }
    }

    /// Reads up to and including the next LF into `buf`, failing once the line passes
    /// `fsguard::MAX_RECORD_BYTES`: an endless line never fills memory.
    fn read_line_bounded(&mut self) -> io::Result<usize> {
        let limit = crate::fsguard::MAX_RECORD_BYTES;
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(self.buf.len());
            }
            let (take, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            self.buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take);
            if self.buf.len() as u64 > limit {
                let line = self.number as u64 + 1;
                return Err(io::Error::new(io::ErrorKind::InvalidData, crate::fsguard::TooLong { line, limit }));
            }
            if done {
                return Ok(self.buf.len());
            }
        }
    }

    /// The next line, decoded into a reused buffer (no allocation per line).
    pub fn next_line(&mut self) -> io::Result<Option<&Line>> {
        self.buf.clear();
        let n = self.read_line_bounded()?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        let offset = self.offset;
        self.offset += n as u64;
        if self.number == 1 && self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.bom = true;
            self.buf.drain(..3);
        }
        let ending = if self.buf.ends_with(b"\r\n") {
            self.buf.truncate(self.buf.len() - 2);
            Ending::CrLf
        } else if self.buf.ends_with(b"\n") {
            self.buf.pop();
            Ending::Lf
        } else {
            Ending::None
        };
        // One pass over the bytes for every check.
        let (mut high, mut has_control, mut cr) = (false, false, false);
        for &b in &self.buf {
            high |= b >= 0x80;
            has_control |= b < 0x20 || b == 0x7F;
            cr |= b == b'\r';
        }
        if cr {
            self.bare_cr.push(self.number);
        }
        if high {
            if std::str::from_utf8(&self.buf).is_ok() {
                self.utf8_high = true;
            } else {
                self.any_invalid_utf8 = true;
            }
            for &b in &self.buf {
                match b {
                    0x80..=0x9F => self.low_high.0 += 1,
                    0xE0..=0xFF => self.low_high.1 += 1,
                    _ => {}
                }
            }
        }
        let l = &mut self.line;
        l.text.clear();
        if high {
            crate::codepage::cp850::decode_into(&self.buf, &mut l.text);
        } else {
            // ASCII: the bytes are the text.
            l.text.push_str(std::str::from_utf8(&self.buf).expect("ASCII"));
        }
        l.number = self.number;
        l.ending = ending;
        l.high = high;
        l.has_control = has_control;
        l.offset = offset;
        l.len = n as u64;
        Ok(Some(&self.line))
    }
}

/// An error of the line reader as the error of the file at `path`: a line too long names its
/// line; anything else is a read error.
pub fn line_error(path: &std::path::Path, e: io::Error) -> crate::error::InputError {
    match crate::fsguard::TooLong::in_io(&e) {
        Some(t) => crate::error::InputError::Malformed {
            path: path.to_path_buf(),
            line: t.line,
            message: format!("a line of more than {}: not a Format Sage file", crate::fsguard::human_size(t.limit)),
        },
        None => crate::error::InputError::Io { path: path.to_path_buf(), source: e },
    }
}

/// The tag of a line (`#CHEN` → `CHEN`) if it is a known tag.
pub fn tag_of(text: &str) -> Option<&str> {
    let t = text.strip_prefix('#')?;
    let name = t.split(' ').next().unwrap_or("");
    is_known_tag(name).then_some(name)
}

/// Looks like a tag but is not a known one: `#[A-Z0-9]{3,12}` alone on its line.
pub fn tag_like(text: &str) -> bool {
    match text.strip_prefix('#') {
        Some(t) => (3..=12).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_numbers_and_endings() {
        let data = b"#FLG 000\r\n#VER 33\r\nD\x82p\x93t\nx\ry\r\n#FIN";
        let mut r = LineReader::new(&data[..]);
        let l1 = r.next_line().unwrap().unwrap().clone();
        assert_eq!((l1.number, l1.text.as_str(), l1.ending), (1, "#FLG 000", Ending::CrLf));
        r.next_line().unwrap();
        let l3 = r.next_line().unwrap().unwrap().clone();
        assert_eq!((l3.text.as_str(), l3.ending), ("Dépôt", Ending::Lf));
        let l4 = r.next_line().unwrap().unwrap().clone();
        assert_eq!(l4.number, 4);
        assert_eq!(r.bare_cr, vec![4]);
        let l5 = r.next_line().unwrap().unwrap().clone();
        assert_eq!(l5.ending, Ending::None);
        assert!(r.next_line().unwrap().is_none());
    }

    #[test]
    fn tags() {
        assert_eq!(tag_of("#CCLI"), Some("CCLI"));
        assert_eq!(tag_of("#VER 33"), Some("VER"));
        assert_eq!(tag_of("#1001"), None);
        assert!(tag_like("#ABCD"));
        assert!(!tag_like("#1a"));
    }
}
