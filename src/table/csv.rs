//! A CSV file read row by row into one reused record, with its encoding and delimiter sniffed
//! and its header normalised. Shared by the shop readers and the client-list reader.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::rows::{Row, RowError, Rows};
use super::sniff::{self, DecodeReader, SAMPLE, Sniffed};
use crate::error::InputError;

pub struct CsvTable {
    pub path: PathBuf,
    pub sniffed: Sniffed,
    pub delimiter: u8,
    /// Headers as written (BOM and surrounding spaces removed).
    pub headers: Vec<String>,
    /// Headers normalised for matching (see `norm_header`).
    pub keys: Vec<String>,
    reader: Rows<Box<dyn Read + Send>>,
    record: Row,
    /// The current row's bytes are all UTF-8: checked once per row in one pass, its cells
    /// are then slices of them with no check of their own. Otherwise each cell is checked
    /// (and read as Windows-1252 if it is not UTF-8).
    utf8: bool,
    /// 1 = first data row.
    pub record_no: u64,
    /// Decoding buffer for single cells.
    scratch: String,
    /// Cells of this row that were not valid UTF-8 and were read as Windows-1252.
    pub misdecoded: Vec<usize>,
    /// Records end with CRLF: the csv crate then places a record's start on the LF that
    /// ends the previous one, a line too early.
    crlf: bool,
    /// The bytes read of a long file, on a terminal (see `progress`).
    progress: Option<crate::progress::Progress>,
}

/// "  Prénom " → "prenom", "E-mail" → "e-mail", "'ID" → "id": trimmed, accents and case
/// removed, inner spaces collapsed, Excel's apostrophe and stray quotes dropped.
pub fn norm_header(h: &str) -> String {
    let h = h.trim_start_matches('\u{feff}').trim().trim_matches('"').trim_start_matches('\'').trim();
    let folded = crate::text::remove_accents(h).to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl CsvTable {
    pub fn open(
        path: &Path,
        encoding: Option<&'static Encoding>,
        delimiter: Option<u8>,
    ) -> Result<CsvTable, InputError> {
        let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
            .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        CsvTable::from_file(path, file, encoding, delimiter)
    }

    /// Reads a CSV table from `file`, opened (and checked) from `path`.
    pub fn from_file(
        path: &Path,
        file: File,
        encoding: Option<&'static Encoding>,
        delimiter: Option<u8>,
    ) -> Result<CsvTable, InputError> {
        let io = |source| InputError::Io { path: path.to_path_buf(), source };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let name = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy();
        let (file, progress) = crate::progress::Progress::wrap(&name, size, file);
        let mut file = BufReader::with_capacity(SAMPLE, file);
        let mut sample = Vec::with_capacity(SAMPLE);
        (&mut file).take(SAMPLE as u64).read_to_end(&mut sample).map_err(io)?;
        let sniffed = sniff::sniff_encoding(&sample, encoding);
        let body = &sample[sniffed.bom..];
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::Empty { path: path.to_path_buf() });
        }
        if sniffed.bom > 0 && sniff::is_utf16(sniffed.encoding) && !sniff::plausible_utf16(body, sniffed.encoding) {
            return Err(InputError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "the file starts with a {} byte order mark, but what follows is not {} text (no line break nor delimiter when read so): it was damaged or mislabelled. Export it again as UTF-8, or remove its first two bytes",
                    sniffed.label().trim_end_matches(" (BOM)").to_uppercase(),
                    sniffed.label().trim_end_matches(" (BOM)").to_uppercase()
                ),
            });
        }
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(body.to_vec()).chain(file));
        let (stream, delim_sample): (Box<dyn Read + Send>, Vec<u8>) = if sniffed.encoding == UTF_8 {
            (stream, body.to_vec())
        } else {
            let (decoded, _) = sniffed.encoding.decode_without_bom_handling(body);
            let s = decoded.into_owned().into_bytes();
            (Box::new(DecodeReader::new(stream, sniffed.encoding)), s)
        };
        let delimiter = delimiter.unwrap_or_else(|| sniff::sniff_delimiter(&delim_sample));
        let crlf = delim_sample.iter().position(|&b| b == b'\n').is_some_and(|i| i > 0 && delim_sample[i - 1] == b'\r');
        // Records are bounded while they stream (`fsguard::MAX_RECORD_BYTES`): an endless line
        // or a quote never closed stops with an error naming its line, not when memory runs out.
        let mut reader = Rows::new(stream, delimiter);
        let mut header_rec = Row::default();
        reader.read(&mut header_rec).map_err(|e| csv_error(path, crlf, e))?;
        let not_header = |message: String| InputError::Malformed { path: path.to_path_buf(), line: 1, message };
        if header_rec.len() > crate::fsguard::MAX_COLUMNS {
            return Err(not_header(format!(
                "the first line has {} columns, more than the {} a spreadsheet can hold: not a header line (wrong delimiter, or not an export?)",
                header_rec.len(),
                crate::fsguard::MAX_COLUMNS
            )));
        }
        let mut headers = Vec::with_capacity(header_rec.len());
        for (i, h) in (0..header_rec.len()).filter_map(|i| header_rec.cell(i)).enumerate() {
            if h.len() > crate::fsguard::MAX_HEADER_CHARS {
                return Err(not_header(format!(
                    "column {} of the first line is {} bytes long: not a column title (wrong encoding or delimiter, or not an export?)",
                    i + 1,
                    h.len()
                )));
            }
            let s = match std::str::from_utf8(h) {
                Ok(s) => s.to_string(),
                Err(_) => WINDOWS_1252.decode_without_bom_handling(h).0.into_owned(),
            };
            headers.push(s.trim_start_matches('\u{feff}').trim().to_string());
        }
        let keys = headers.iter().map(|h| norm_header(h)).collect();
        Ok(CsvTable {
            path: path.to_path_buf(),
            sniffed,
            delimiter,
            headers,
            keys,
            reader,
            record: Row::default(),
            utf8: false,
            record_no: 0,
            scratch: String::new(),
            misdecoded: Vec::new(),
            crlf,
            progress,
        })
    }

    /// Index of the first column matching one of `aliases` (see `table::find_in`).
    pub fn find(&self, aliases: &[String]) -> Option<usize> {
        super::find_in(&self.keys, aliases)
    }

    /// Reads the next row; `false` at the end. A row with another number of cells than the
    /// header is an error for the whole file: its columns can no longer be trusted.
    pub fn next_row(&mut self) -> Result<bool, InputError> {
        self.utf8 = false;
        let more = self.reader.read(&mut self.record).map_err(|e| csv_error(&self.path, self.crlf, e))?;
        if !more {
            self.progress = None;
        }
        if more {
            self.record_no += 1;
            self.misdecoded.clear();
            if let Some(p) = self.progress.as_mut() {
                p.tick();
            }
            self.utf8 = simdutf8::basic::from_utf8(&self.record.bytes).is_ok();
            let record = &self.record;
            // Only a row that long can hold a cell that long.
            if record.bytes.len() > crate::fsguard::MAX_CELL_BYTES
                && let Some(i) = (0..record.len())
                    .find(|&i| record.range(i).is_some_and(|r| r.len() > crate::fsguard::MAX_CELL_BYTES))
            {
                return Err(InputError::Field {
                    path: self.path.clone(),
                    line: self.line(),
                    column: self.headers.get(i).cloned().unwrap_or_default(),
                    message: format!(
                        "a cell of {} bytes, more than the {} passerelle reads in one cell: a quote that is never closed?",
                        record.range(i).map_or(0, |r| r.len()),
                        crate::fsguard::human_size(crate::fsguard::MAX_CELL_BYTES as u64)
                    ),
                });
            }
        }
        Ok(more)
    }

    /// Physical line where the current row starts.
    pub fn line(&self) -> u64 {
        // 0 before any row was read, as the csv crate's record said.
        if self.record.line == 0 { 0 } else { self.record.line + u64::from(self.crlf) }
    }

    pub fn len(&self) -> usize {
        self.record.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    /// The raw bytes of cell `i`.
    pub fn raw(&self, i: usize) -> &[u8] {
        self.record.cell(i).unwrap_or(b"")
    }

    /// Cell `i` as text. Invalid UTF-8 in a file sniffed as UTF-8 (a row pasted from another
    /// source) is read as Windows-1252 and noted in `misdecoded` for a warning.
    #[inline(always)]
    pub fn cell(&mut self, i: usize) -> &str {
        // Cells are joined by the delimiter, an ASCII byte: in a row that is UTF-8 each cell
        // is too. The bounds are checked all the same (`get`), and a cell they would cut is
        // read as those of a row that is not UTF-8.
        let range = self.record.range(i).unwrap_or(0..0);
        if self.utf8 {
            // SAFETY: `utf8` is set just after `record.bytes` was checked to be UTF-8, and
            // reset before anything changes them (`next_row`).
            let text = unsafe { std::str::from_utf8_unchecked(&self.record.bytes) };
            if let Some(s) = text.get(range) {
                return s;
            }
        }
        not_utf8(self.record.cell(i).unwrap_or(b""), i, &mut self.scratch, &mut self.misdecoded)
    }

    /// Cell `i` as an owned, trimmed string.
    pub fn text(&mut self, i: Option<usize>) -> String {
        match i {
            Some(i) => self.cell(i).trim().to_string(),
            None => String::new(),
        }
    }

    pub fn encoding_label(&self) -> String {
        self.sniffed.label()
    }
}

/// Cell `i` of a row that is not UTF-8 (`CsvTable::cell`), out of line so that the common
/// cell is inlined where it is read: read as Windows-1252 into `scratch` unless the cell
/// itself is UTF-8, and noted in `misdecoded`.
#[inline(never)]
fn not_utf8<'a>(bytes: &'a [u8], i: usize, scratch: &'a mut String, misdecoded: &mut Vec<usize>) -> &'a str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => {
            *scratch = WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned();
            if !misdecoded.contains(&i) {
                misdecoded.push(i);
            }
            scratch
        }
    }
}

/// `crlf`: a record's reading starts on the line end of the one before it in CRLF files,
/// a line short (see `CsvTable::line`).
fn csv_error(path: &Path, crlf: bool, e: RowError) -> InputError {
    let path = path.to_path_buf();
    match e {
        RowError::Ragged { line, record, expected, found } => {
            InputError::Ragged { path, line: line + u64::from(crlf), record, expected, found }
        }
        RowError::Io(source) => match crate::fsguard::TooLong::in_io(&source) {
            Some(t) => InputError::Malformed { path, line: t.line, message: t.to_string() },
            None => InputError::Io { path, source },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_the_same_with_lf_and_crlf() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in
            [("lf.csv", "h1,h2\na,b\n\"c\nd\",e\nf,g\n"), ("crlf.csv", "h1,h2\r\na,b\r\n\"c\r\nd\",e\r\nf,g\r\n")]
        {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let mut t = CsvTable::open(&path, None, None).unwrap();
            let mut lines = Vec::new();
            while t.next_row().unwrap() {
                lines.push(t.line());
            }
            assert_eq!(lines, vec![2, 3, 5], "{name}");
        }
    }

    #[test]
    fn a_ragged_row_is_named_by_its_line_with_lf_and_crlf() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("lf.csv", "h1,h2\n\"a\nb\",c\nd\n"), ("crlf.csv", "h1,h2\r\n\"a\r\nb\",c\r\nd\r\n")] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let mut t = CsvTable::open(&path, None, None).unwrap();
            assert!(t.next_row().unwrap());
            match t.next_row() {
                Err(InputError::Ragged { line, .. }) => assert_eq!(line, 4, "{name}"),
                other => panic!("{name}: {:?}", other.map_err(|e| e.to_string())),
            }
        }
    }

    #[test]
    fn a_row_with_bytes_that_are_not_utf8_is_read_cell_by_cell() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mixed.csv");
        // UTF-8 (as far as the sniffed sample goes) but for one cell pasted from a
        // Windows-1252 source ("Crème" as 0xE8).
        let mut bytes = "nom,ville\n".as_bytes().to_vec();
        while bytes.len() <= super::SAMPLE {
            bytes.extend_from_slice("Zoé,Besançon\n".as_bytes());
        }
        bytes.extend_from_slice(b"Cr\xe8me,Lyon\nL\xc3\xa9a,S\xc3\xa8te\n");
        // Two cells that are UTF-8 only when joined (a character cut by the delimiter): the
        // row's bytes without delimiters pass the check, each cell still fails its own.
        bytes.extend_from_slice(b"Tr\xc3,\xa9ma\n");
        std::fs::write(&path, bytes).unwrap();
        let mut t = CsvTable::open(&path, None, None).unwrap();
        let mut rows = Vec::new();
        while t.next_row().unwrap() {
            rows.push((t.cell(0).to_string(), t.cell(1).to_string(), t.misdecoded.clone(), t.line()));
        }
        let n = rows.len() as u64;
        assert_eq!(rows[0], ("Zoé".into(), "Besançon".into(), vec![], 2));
        assert_eq!(
            rows[rows.len() - 3..],
            [
                ("Crème".into(), "Lyon".into(), vec![0], n - 1),
                ("Léa".into(), "Sète".into(), vec![], n),
                ("TrÃ".into(), "©ma".into(), vec![0, 1], n + 1)
            ]
        );
    }

    #[test]
    fn header_normalisation() {
        assert_eq!(norm_header("\u{feff} Prénom "), "prenom");
        assert_eq!(norm_header("N°  compte"), "n° compte");
        assert_eq!(norm_header("'Customer ID"), "customer id");
    }
}
