//! CSV records read straight out of the input's buffer: the reading of the csv crate (the
//! rules of `csv_core` with a `"` quote, doubled quotes, CR, LF or CRLF line ends, blank
//! lines skipped), without a state change per byte: a record without quotes is found in one
//! pass over its bytes, sixteen at a time (`plain_record`), and otherwise each cell's ordinary
//! bytes are copied at once. The csv crate's reading was a fifth of the reading thread's
//! work; the tests compare both readings (cells, lines, record numbers, a ragged row) on
//! random inputs.
//!
//! A record's cells are kept in one buffer (`Row::bytes`), joined by the delimiter, each
//! ending at its `Row::ends` entry: a record without quotes is its line as it is, found in
//! one pass over its bytes and copied at once. A row costs no allocation once the buffers
//! have grown.

use std::io::{self, Read};

/// Capacity of the input buffer.
const BUFFER: usize = 256 * 1024;

/// Bits of `Rows::class`: bytes that end an unquoted cell, bytes a quoted cell stops at, and
/// bytes a record's first pass stops at (those that end a cell, and quotes).
const IN_CELL: u8 = 1;
const IN_QUOTES: u8 = 2;
const PLAIN: u8 = 4;

/// High bit of each byte of `word` that is `b` (an exact test: no carry crosses bytes).
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
#[inline(always)]
fn matches(word: u64, b: u8) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let v = word ^ (0x0101_0101_0101_0101 * u64::from(b));
    !(((v & LOW).wrapping_add(LOW)) | v | LOW)
}

/// Sixteen bytes looked at together by the first pass over a record (`plain_record`): bit k
/// of the first mask is set when byte k is the delimiter, of the second when it stops the
/// pass (a quote, CR or LF).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Marks {
    cells: u32,
    stops: u32,
}

/// `Marks` of `chunk`, with the SSE2 instructions every x86-64 processor has: four compares
/// and two masks for sixteen bytes, where a test a byte took about six instructions.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn marks(chunk: &[u8; 16], delimiter: u8) -> Marks {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    // SAFETY: the build enables SSE2 (the cfg above: it is in every x86-64 target's baseline),
    // and the load reads the sixteen bytes `chunk` has, without any alignment required.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        let stops = _mm_or_si128(_mm_or_si128(eq(b'"'), eq(b'\r')), eq(b'\n'));
        Marks { cells: _mm_movemask_epi8(eq(delimiter)) as u32, stops: _mm_movemask_epi8(stops) as u32 }
    }
}

/// `marks` elsewhere: two words of eight bytes (`matches`), their high bits gathered into
/// one bit a byte.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
#[inline(always)]
fn marks_by_words(chunk: &[u8; 16], delimiter: u8) -> Marks {
    // Bits 7, 15 ... 63 to bits 0 to 7: each high bit shifted to the top byte by the multiply.
    let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
    let mut out = Marks { cells: 0, stops: 0 };
    for k in 0..2 {
        let word = u64::from_le_bytes(chunk[8 * k..8 * k + 8].try_into().expect("eight bytes"));
        let stops = matches(word, b'"') | matches(word, b'\r') | matches(word, b'\n');
        out.cells |= gather(matches(word, delimiter)) << (8 * k);
        out.stops |= gather(stops) << (8 * k);
    }
    out
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn marks(chunk: &[u8; 16], delimiter: u8) -> Marks {
    marks_by_words(chunk, delimiter)
}

/// Copies into `out` the bytes of `buf` before the first whose class has `bit`; how many.
#[inline]
fn copy_until(buf: &[u8], class: &[u8; 256], bit: u8, out: &mut Vec<u8>) -> usize {
    let n = buf.iter().position(|&b| class[usize::from(b)] & bit != 0).unwrap_or(buf.len());
    out.extend_from_slice(&buf[..n]);
    n
}

/// Where the reading is: the states of the csv crate's machine that a byte can find it in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Before a record: line ends are skipped (blank lines give no record).
    StartRecord,
    StartCell,
    InCell,
    InQuotes,
    /// A quote within quotes: the end of the quoted text, or the first of `""`.
    QuoteInQuotes,
    /// A record ended on CR: an LF right after it belongs to that line end.
    Cr,
    End,
}

/// One record: its cells' bytes joined by the delimiter, and where each ends.
#[derive(Default, Debug)]
pub struct Row {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
    /// Line of the input where the reading of this record began (the csv crate's
    /// `Position::line`: in a CRLF file, the line before the record's own; see `CsvTable`).
    pub line: u64,
    /// Records read before this one (the header included).
    pub record: u64,
}

impl Row {
    /// Byte range of cell `i` within `bytes`.
    #[inline]
    pub fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        Some(start..end)
    }

    /// Cell ends here: the next one starts after a delimiter.
    #[inline]
    fn end_cell(&mut self, delimiter: u8) {
        self.ends.push(self.bytes.len());
        self.bytes.push(delimiter);
    }

    pub fn cell(&self, i: usize) -> Option<&[u8]> {
        self.range(i).map(|r| &self.bytes[r])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Why a record could not be read.
#[derive(Debug)]
pub enum RowError {
    Io(io::Error),
    /// A record with another number of cells than the first one (the header).
    Ragged {
        line: u64,
        record: u64,
        expected: usize,
        found: usize,
    },
}

/// The records of a CSV input, read one at a time into a `Row` (see the module).
pub struct Rows<R> {
    src: R,
    buf: Vec<u8>,
    at: usize,
    filled: usize,
    /// Nothing read yet: a UTF-8 byte order mark at the start is skipped, as the csv crate does.
    first: bool,
    delimiter: u8,
    /// What each byte is to the reading (`IN_CELL`, `IN_QUOTES`, `PLAIN` bits); boxed, so
    /// that a `CsvTable` stays small.
    class: Box<[u8; 256]>,
    state: State,
    /// 1 + the LFs read so far.
    line: u64,
    records: u64,
    /// Cells of the first record: every other must have as many.
    first_len: Option<usize>,
    /// Longest record, in bytes of the input (its line end not counted): a longer one is an
    /// error naming the line where it starts, found before more than one buffer past the
    /// limit is kept, so that an endless line or a quote never closed cannot fill memory.
    limit: u64,
    /// Offset in the input of `buf[0]`, and where the current record starts (its offset
    /// and its line).
    base: u64,
    record_at: u64,
    record_line: u64,
}

impl<R: Read> Rows<R> {
    pub fn new(src: R, delimiter: u8) -> Self {
        Rows::with_capacity(src, delimiter, BUFFER)
    }

    /// With an input buffer of `capacity` bytes, 4 at least (tests read through tiny ones).
    pub fn with_capacity(src: R, delimiter: u8, capacity: usize) -> Self {
        let mut class = [0u8; 256];
        class[usize::from(delimiter)] |= IN_CELL | PLAIN;
        class[usize::from(b'\r')] |= IN_CELL | PLAIN;
        class[usize::from(b'\n')] |= IN_CELL | IN_QUOTES | PLAIN;
        class[usize::from(b'"')] |= IN_QUOTES | PLAIN;
        Rows {
            src,
            buf: vec![0; capacity.max(4)],
            at: 0,
            filled: 0,
            first: true,
            delimiter,
            class: Box::new(class),
            state: State::StartRecord,
            line: 1,
            records: 0,
            first_len: None,
            limit: crate::fsguard::MAX_RECORD_BYTES,
            base: 0,
            record_at: 0,
            record_line: 1,
        }
    }

    /// With another limit to a record's length than `fsguard::MAX_RECORD_BYTES`.
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// The error of a record longer than the limit (`fsguard::TooLong`), if the current one
    /// is, `end` bytes into the buffer; the reading stops there.
    #[inline]
    fn too_long(&mut self, end: usize) -> Result<(), RowError> {
        if self.base + end as u64 - self.record_at <= self.limit {
            return Ok(());
        }
        self.state = State::End;
        let t = crate::fsguard::TooLong { line: self.record_line, limit: self.limit };
        Err(RowError::Io(io::Error::new(io::ErrorKind::InvalidData, t)))
    }

    /// More input in `buf`; `false` at its end.
    fn fill(&mut self) -> io::Result<bool> {
        self.base += self.filled as u64;
        self.at = 0;
        self.filled = 0;
        loop {
            match self.src.read(&mut self.buf[self.filled..]) {
                Ok(0) => break,
                // The first read has at least the three bytes of a byte order mark, if any.
                Ok(n) => {
                    self.filled += n;
                    if !self.first || self.filled >= 3 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.first {
            self.first = false;
            if self.buf[..self.filled].starts_with(b"\xef\xbb\xbf") {
                self.at = 3;
            }
        }
        Ok(self.filled > 0)
    }

    /// Reads the next record into `row`; `false` at the end of the input.
    pub fn read(&mut self, row: &mut Row) -> Result<bool, RowError> {
        row.bytes.clear();
        row.ends.clear();
        row.line = self.line;
        row.record = self.records;
        if self.state == State::End {
            return Ok(false);
        }
        loop {
            if self.at >= self.filled {
                let open = !matches!(self.state, State::StartRecord | State::Cr | State::End);
                if open {
                    // Checked before each refill, the record's bytes so far all kept.
                    self.too_long(self.filled)?;
                }
                if !self.fill().map_err(RowError::Io)? {
                    self.state = State::End;
                    if !open {
                        return Ok(false);
                    }
                    // The input ends within a record (no line end after it, or a quote never
                    // closed): the record ends there.
                    row.ends.push(row.bytes.len());
                    return self.done(row);
                }
                continue;
            }
            let buf = &self.buf[self.at..self.filled];
            match self.state {
                State::StartRecord => {
                    let skip = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
                    self.line += buf[..skip].iter().filter(|&&b| b == b'\n').count() as u64;
                    self.at += skip;
                    if skip < buf.len() {
                        self.record_at = self.base + self.at as u64;
                        self.record_line = self.line;
                        self.state = State::StartCell;
                        if let Some(done) = self.plain_record(row) {
                            return done;
                        }
                    }
                }
                State::StartCell => {
                    let b = buf[0];
                    if b == b'"' {
                        self.at += 1;
                        self.state = State::InQuotes;
                    } else if b == self.delimiter {
                        self.at += 1;
                        row.end_cell(self.delimiter);
                    } else if b == b'\r' || b == b'\n' {
                        return self.line_end(b, row);
                    } else {
                        self.state = State::InCell;
                    }
                }
                State::InCell => {
                    let n = copy_until(buf, &self.class, IN_CELL, &mut row.bytes);
                    self.at += n;
                    if n < buf.len() {
                        let b = buf[n];
                        if b == self.delimiter {
                            self.at += 1;
                            row.end_cell(self.delimiter);
                            self.state = State::StartCell;
                        } else {
                            return self.line_end(b, row);
                        }
                    }
                }
                State::InQuotes => {
                    let n = copy_until(buf, &self.class, IN_QUOTES, &mut row.bytes);
                    self.at += n;
                    if n < buf.len() {
                        self.at += 1;
                        if buf[n] == b'"' {
                            self.state = State::QuoteInQuotes;
                        } else {
                            self.line += 1;
                            row.bytes.push(b'\n');
                        }
                    }
                }
                State::QuoteInQuotes => {
                    let b = buf[0];
                    if b == b'"' {
                        self.at += 1;
                        row.bytes.push(b'"');
                        self.state = State::InQuotes;
                    } else if b == self.delimiter {
                        self.at += 1;
                        row.end_cell(self.delimiter);
                        self.state = State::StartCell;
                    } else if b == b'\r' || b == b'\n' {
                        return self.line_end(b, row);
                    } else {
                        // Text after the closing quote is kept, as the csv crate keeps it.
                        self.state = State::InCell;
                    }
                }
                State::Cr => {
                    if buf[0] == b'\n' {
                        self.at += 1;
                        self.line += 1;
                    }
                    self.state = State::StartRecord;
                }
                State::End => return Ok(false),
            }
        }
    }

    /// A record read in one pass over the buffer, when it is there whole and has no quoted
    /// cell (most records): its cells are its line as it is. Otherwise what the pass went
    /// over is kept as read, and `None` lets the byte-by-byte reading go on from there (the
    /// start of a quoted cell, or the buffer's end).
    ///
    /// The pass looks at sixteen bytes at a time (`marks`): two in five bytes of an export
    /// are delimiters, found by their bits rather than by a test each.
    #[inline]
    fn plain_record(&mut self, row: &mut Row) -> Option<Result<bool, RowError>> {
        let buf = &self.buf[self.at..self.filled];
        let (class, delimiter) = (&self.class, self.delimiter);
        let mut start = 0;
        let mut i = 0;
        // A stop is a quote or a line end: the record's end, or a quoted cell ahead.
        let mut stopped = None;
        while let Some(chunk) = buf.get(i..i + 16) {
            let Marks { mut cells, stops } = marks(chunk.try_into().expect("sixteen bytes"), delimiter);
            if stops != 0 {
                // Only the delimiters before the first stop count; the bytes are read again
                // after it.
                cells &= stops.wrapping_sub(1) & !stops;
            }
            while cells != 0 {
                let at = i + cells.trailing_zeros() as usize;
                row.ends.push(at);
                start = at + 1;
                cells &= cells - 1;
            }
            if stops == 0 {
                i += 16;
                continue;
            }
            let at = i + stops.trailing_zeros() as usize;
            if buf[at] == b'"' && at > start {
                // A quote within an unquoted cell is text.
                i = at + 1;
                continue;
            }
            stopped = Some(at);
            break;
        }
        let end = match stopped {
            Some(at) => Some(at),
            // The last bytes of the buffer, one by one.
            None => loop {
                let Some(&b) = buf.get(i) else { break None };
                if class[usize::from(b)] & PLAIN == 0 {
                    i += 1;
                } else if b == delimiter {
                    row.ends.push(i);
                    i += 1;
                    start = i;
                } else if b == b'"' && i > start {
                    i += 1;
                } else {
                    break Some(i);
                }
            },
        };
        if let Some(at) = end.filter(|&at| buf[at] != b'"') {
            // The line is the record: its last cell ends where it ends (`line_end`).
            let b = buf[at];
            row.bytes.extend_from_slice(&buf[..at]);
            self.at += at;
            return Some(self.line_end(b, row));
        }
        // Back to the byte-by-byte reading at the start of the cell where the pass stopped.
        row.bytes.extend_from_slice(&buf[..start]);
        self.at += start;
        None
    }

    /// The line end `b` (CR or LF, at `at`) ends the current cell and the record.
    fn line_end(&mut self, b: u8, row: &mut Row) -> Result<bool, RowError> {
        self.too_long(self.at)?;
        self.at += 1;
        row.ends.push(row.bytes.len());
        if b == b'\n' {
            self.line += 1;
            self.state = State::StartRecord;
        } else {
            self.state = State::Cr;
        }
        self.done(row)
    }

    /// A record read: counted, and checked against the first one's number of cells.
    fn done(&mut self, row: &Row) -> Result<bool, RowError> {
        self.records += 1;
        match self.first_len {
            None => self.first_len = Some(row.len()),
            Some(expected) if expected != row.len() => {
                return Err(RowError::Ragged { line: row.line, record: row.record, expected, found: row.len() });
            }
            Some(_) => {}
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the csv crate reads of `input`, configured as `CsvTable` configured it: each
    /// record's cells and position (line, record), or its error's, up to the first error.
    /// Each record's cells, line and record number; the error that stopped the reading.
    type Reading = (Vec<(Vec<Vec<u8>>, u64, u64)>, Option<String>);

    fn by_csv(input: &[u8], delimiter: u8) -> Reading {
        let mut r =
            csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(false).from_reader(input);
        let mut rec = csv::ByteRecord::new();
        let mut got = Vec::new();
        loop {
            match r.read_byte_record(&mut rec) {
                Ok(true) => {
                    let p = rec.position().expect("position");
                    got.push((rec.iter().map(<[u8]>::to_vec).collect(), p.line(), p.record()));
                }
                Ok(false) => return (got, None),
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
                        let p = pos.as_ref().expect("position");
                        return (got, Some(format!("ragged {} {} {expected_len} {len}", p.line(), p.record())));
                    }
                    other => return (got, Some(format!("{other:?}"))),
                },
            }
        }
    }

    fn by_rows(input: &[u8], delimiter: u8, capacity: usize) -> Reading {
        let mut r = Rows::with_capacity(input, delimiter, capacity);
        let mut row = Row::default();
        let mut got = Vec::new();
        loop {
            match r.read(&mut row) {
                Ok(true) => {
                    got.push(((0..row.len()).map(|i| row.cell(i).unwrap().to_vec()).collect(), row.line, row.record))
                }
                Ok(false) => return (got, None),
                Err(RowError::Ragged { line, record, expected, found }) => {
                    return (got, Some(format!("ragged {line} {record} {expected} {found}")));
                }
                Err(RowError::Io(e)) => return (got, Some(e.to_string())),
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// `matches` marks exactly the bytes equal to the one sought.
        #[test]
        fn matches_marks_the_bytes_sought(bytes in proptest::array::uniform8(proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b',')]), b in proptest::prop_oneof![proptest::num::u8::ANY, proptest::strategy::Just(b',')]) {
            let expected = bytes.iter().enumerate().filter(|(_, x)| **x == b).fold(0u64, |m, (k, _)| m | 0x80 << (8 * k));
            proptest::prop_assert_eq!(matches(u64::from_le_bytes(bytes), b), expected);
        }

        /// `marks` (the processor's compares where it has them) and `marks_by_words` set the
        /// bit of each delimiter and of each quote, CR and LF, and no other.
        #[test]
        fn marks_mark_delimiters_and_stops(
            bytes in proptest::array::uniform16(proptest::prop_oneof![
                proptest::num::u8::ANY, proptest::strategy::Just(b','), proptest::strategy::Just(b';'),
                proptest::strategy::Just(b'"'), proptest::strategy::Just(b'\r'), proptest::strategy::Just(b'\n'),
            ]),
            delimiter in proptest::prop_oneof![proptest::strategy::Just(b','), proptest::strategy::Just(b';'), proptest::strategy::Just(b'\t'), proptest::num::u8::ANY],
        ) {
            let bits = |f: &dyn Fn(u8) -> bool| bytes.iter().enumerate().filter(|(_, b)| f(**b)).fold(0u32, |m, (k, _)| m | 1 << k);
            let expected = Marks { cells: bits(&|b| b == delimiter), stops: bits(&|b| matches!(b, b'"' | b'\r' | b'\n')) };
            proptest::prop_assert_eq!(marks(&bytes, delimiter), expected);
            proptest::prop_assert_eq!(marks_by_words(&bytes, delimiter), expected);
        }

        /// Cells, lines, record numbers and the ragged row's error are the csv crate's, with
        /// quotes anywhere, CR, LF and CRLF line ends, blank lines, a BOM, no final line end,
        /// and records cut across the buffer's refills.
        #[test]
        fn rows_read_as_the_csv_crate(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("a"), proptest::strategy::Just("bé"),
                    proptest::strategy::Just(","), proptest::strategy::Just(";"),
                    proptest::strategy::Just("\""), proptest::strategy::Just("\"\""),
                    proptest::strategy::Just("\r"), proptest::strategy::Just("\n"),
                    proptest::strategy::Just("\r\n"), proptest::strategy::Just(" "),
                    proptest::strategy::Just("\u{feff}"), proptest::strategy::Just("\t"),
                ],
                0..40,
            ),
            semicolon in proptest::bool::ANY,
            capacity in 1usize..9,
        ) {
            let input = parts.concat();
            let d = if semicolon { b';' } else { b',' };
            let expected = by_csv(input.as_bytes(), d);
            proptest::prop_assert_eq!(by_rows(input.as_bytes(), d, capacity), expected.clone(), "{:?}", input);
            proptest::prop_assert_eq!(by_rows(input.as_bytes(), d, BUFFER), expected, "{:?}", input);
        }

        /// Records of one shape (as exports are), quoted cells holding delimiters, quotes and
        /// line ends: the same reading.
        #[test]
        fn regular_rows_read_as_the_csv_crate(
            cells in proptest::collection::vec(proptest::collection::vec("[a-zé ,;\"\r\n]{0,6}", 3), 1..12),
            quote_all in proptest::bool::ANY,
            crlf in proptest::bool::ANY,
            capacity in 1usize..64,
        ) {
            let mut input = String::new();
            for row in &cells {
                let row: Vec<String> = row
                    .iter()
                    .map(|c| {
                        if quote_all || c.contains([',', '"', '\r', '\n']) {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                input.push_str(&row.join(","));
                input.push_str(if crlf { "\r\n" } else { "\n" });
            }
            let expected = by_csv(input.as_bytes(), b',');
            proptest::prop_assert_eq!(by_rows(input.as_bytes(), b',', capacity), expected.clone(), "{:?}", input);
            proptest::prop_assert_eq!(by_rows(input.as_bytes(), b',', BUFFER), expected, "{:?}", input);
        }
    }

    #[test]
    fn rows_at_the_edges() {
        for (input, capacity) in [
            ("", 4),
            ("\r\n\r\n", 4),
            ("a,b", 1),
            ("a,b\r", 1),
            ("\"a\"\"b\",c\r\n\"\",\r\n", 2),
            ("\u{feff}h1,h2\na,\"b\nc\"\n\nd,e\n", 3),
            ("h1,h2\na\n", 64),
            ("x\"y\"z,\"q\"r\n", 5),
            ("\"never closed,\nstill", 3),
        ] {
            assert_eq!(by_rows(input.as_bytes(), b',', capacity), by_csv(input.as_bytes(), b','), "{input:?}");
        }
    }

    /// The limit as a byte-by-byte machine sees it: a record's bytes are counted from its
    /// first to the one before its line end, a line end in quotes being one of its bytes (a
    /// quote opens a quoted cell at a cell's start only). The line where the first record
    /// longer than `limit` starts, if one is.
    fn too_long_by_bytes(text: &[u8], limit: u64, delimiter: u8) -> Option<u64> {
        #[derive(Clone, Copy, PartialEq)]
        enum At {
            Start,
            Text,
            Quoted,
            QuoteInQuoted,
        }
        let (mut at, mut run, mut line, mut start) = (At::Start, 0u64, 1u64, 1u64);
        for &b in text {
            if b == b'\n' {
                line += 1;
            }
            at = match (at, b) {
                (At::Quoted, b'"') => At::QuoteInQuoted,
                (At::Quoted, _) => At::Quoted,
                (At::QuoteInQuoted, b'"') | (At::Start, b'"') => At::Quoted,
                (_, d) if d == delimiter => At::Start,
                (_, b'\r' | b'\n') => {
                    (at, run, start) = (At::Start, 0, line);
                    continue;
                }
                _ => At::Text,
            };
            run += 1;
            if run > limit {
                return Some(start);
            }
        }
        None
    }

    /// What `Rows` says of `text` with `limit`: the line of the record it found too long, if
    /// any (a ragged row is read past).
    fn too_long_by_rows(text: &[u8], limit: u64, delimiter: u8, capacity: usize) -> Option<u64> {
        let mut r = Rows::with_capacity(text, delimiter, capacity).with_limit(limit);
        let mut row = Row::default();
        loop {
            match r.read(&mut row) {
                Ok(true) | Err(RowError::Ragged { .. }) => {}
                Ok(false) => return None,
                Err(RowError::Io(e)) => {
                    let t = crate::fsguard::TooLong::in_io(&e).expect("a record too long");
                    assert_eq!(t.limit, limit);
                    return Some(t.line);
                }
            }
        }
    }

    /// A record longer than the limit stops the reading, named by the line where it starts,
    /// however the buffer cuts it; one at the limit is read.
    #[test]
    fn a_record_past_the_limit_is_named_by_its_first_line() {
        let text = b"a,b\n\"x\ny\",z\n\"never closed,\n1,2\n3,4\n";
        for capacity in [4, 5, 16, 64, BUFFER] {
            assert_eq!(too_long_by_rows(text, 12, b',', capacity), Some(4), "{capacity}");
            // `"x\ny",z` is 7 bytes; `"never closed,\n1,2\n3,4\n` is 23 to the end.
            assert_eq!(too_long_by_rows(text, 23, b',', capacity), None, "{capacity}");
            assert_eq!(too_long_by_rows(text, 22, b',', capacity), Some(4), "{capacity}");
        }
        // A quote within an unquoted cell is text: the records after it are short, whatever
        // their number; so are those of CR-only line ends.
        let mut text = b"Produit;Taille\nEcran 27\" cadre;1\n".to_vec();
        for _ in 0..50 {
            text.extend_from_slice(b"Ligne;2\r");
        }
        text.extend_from_slice(b"\"a \"\"b\"\" c\";3\n");
        assert_eq!(too_long_by_rows(&text, 20, b';', 7), None);
        assert_eq!(too_long_by_bytes(&text, 20, b';'), None);
        // What a record past the limit kept when it stopped: at most a buffer more.
        let endless: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'a', 1 << 20)).collect();
        let mut r = Rows::with_capacity(&endless[..], b',', 64).with_limit(1000);
        let mut row = Row::default();
        assert!(matches!(r.read(&mut row), Err(RowError::Io(_))));
        assert!(row.bytes.len() <= 1000 + 64, "{}", row.bytes.len());
        assert!(!r.read(&mut row).unwrap(), "the reading stops there");
    }

    /// The limit found at refills and line ends is the byte-by-byte one, on random texts of
    /// quotes, delimiters and line ends, whatever the buffer.
    #[test]
    fn the_limit_is_the_byte_by_byte_one() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"ab;,\"\n\r";
        for case in 0..20_000 {
            let len = (next() % 200) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let limit = next() % 40 + 1;
            let expected = too_long_by_bytes(&text, limit, b';');
            for capacity in [4, 7, 64, 8192] {
                let shown = String::from_utf8_lossy(&text);
                assert_eq!(
                    too_long_by_rows(&text, limit, b';', capacity),
                    expected,
                    "case {case}: {shown:?} limit {limit} capacity {capacity}"
                );
            }
        }
    }

    /// An error of the input comes out as it is.
    #[test]
    fn an_error_of_the_input_is_passed_on() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk gone"))
            }
        }
        let mut r = Rows::new(Failing, b',');
        let err = r.read(&mut Row::default()).unwrap_err();
        assert!(matches!(err, RowError::Io(ref e) if e.to_string() == "disk gone"), "{err:?}");
    }
}
