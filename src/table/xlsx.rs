//! XLSX sheets read row by row (calamine's cell reader), for shop exports saved by Excel and
//! client lists. calamine's reader borrows the workbook, so a thread owns both and hands rows
//! over a small channel: the sheet streams, memory does not grow with its size.
//!
//! Cells come out as text: numbers without exponent (`75008`, `12345678900012`), dates as
//! `YYYY-MM-DD[ HH:MM:SS]` (Excel serials converted with the workbook's 1900/1904 system).
//! Which cells were numbers is kept, so readers can re-pad postcodes, SIRET and phones that
//! Excel turned into numbers.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use calamine::{DataRef, Reader, Xlsx, open_workbook};

use crate::error::InputError;

/// Largest integer an f64 holds exactly: a longer number in a cell has lost digits.
const EXACT: f64 = 9_007_199_254_740_992.0;

#[derive(Debug)]
struct Row {
    /// 1-based row number as Excel shows it.
    number: u32,
    cells: Vec<(String, bool)>,
}

pub struct XlsxTable {
    pub path: PathBuf,
    pub sheet: String,
    pub headers: Vec<String>,
    rx: Receiver<Result<Row, String>>,
    pub row: Vec<String>,
    pub numeric: Vec<bool>,
    pub row_number: u32,
    pub record_no: u64,
    /// Cells of the current row whose number was too long for Excel to keep every digit.
    pub lossy: Vec<usize>,
    /// Cells of the current row holding an Excel error (`#N/A`, `#REF!`...): read as empty.
    pub errors: Vec<usize>,
}

/// Is this an XLSX (zip) file, whatever its name says?
pub fn looks_like_xlsx(sample: &[u8]) -> bool {
    sample.starts_with(b"PK\x03\x04")
}

impl XlsxTable {
    /// Opens `sheet` (or the first sheet) and reads its header row.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<XlsxTable, InputError> {
        let bad = |message: String| InputError::Other { path: path.to_path_buf(), message };
        let mut wb: Xlsx<_> = open_workbook(path).map_err(|e| bad(format!("unreadable XLSX workbook: {e}")))?;
        let names = wb.sheet_names();
        let name = match sheet {
            Some(s) => names
                .iter()
                .find(|n| n.as_str() == s)
                .cloned()
                .ok_or_else(|| bad(format!("no sheet named \"{s}\"; the workbook has: {}", names.join(", "))))?,
            None => names.first().cloned().ok_or_else(|| bad("the workbook has no sheet".into()))?,
        };
        let (tx, rx) = sync_channel::<Result<Row, String>>(256);
        let sheet_name = name.clone();
        std::thread::spawn(move || {
            let mut reader = match wb.worksheet_cells_reader(&sheet_name) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(format!("sheet \"{sheet_name}\": {e}")));
                    return;
                }
            };
            let mut cur: Option<Row> = None;
            loop {
                match reader.next_cell() {
                    Ok(Some(cell)) => {
                        let (r, c) = cell.get_position();
                        let text = render(cell.get_value());
                        if cur.as_ref().is_some_and(|row| row.number != r + 1) {
                            let done = cur.take().expect("row");
                            if tx.send(Ok(done)).is_err() {
                                return;
                            }
                        }
                        let row = cur.get_or_insert_with(|| Row { number: r + 1, cells: Vec::new() });
                        let c = c as usize;
                        if row.cells.len() <= c {
                            row.cells.resize(c + 1, (String::new(), false));
                        }
                        row.cells[c] = text;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                }
            }
            if let Some(row) = cur {
                let _ = tx.send(Ok(row));
            }
        });
        let mut t = XlsxTable {
            path: path.to_path_buf(),
            sheet: name,
            headers: Vec::new(),
            rx,
            row: Vec::new(),
            numeric: Vec::new(),
            row_number: 0,
            record_no: 0,
            lossy: Vec::new(),
            errors: Vec::new(),
        };
        // The header is the first row with any text.
        loop {
            match t.recv()? {
                Some(row) if row.cells.iter().any(|(s, _)| !s.trim().is_empty()) => {
                    t.headers = row.cells.into_iter().map(|(s, _)| s.trim().to_string()).collect();
                    break;
                }
                Some(_) => continue,
                None => return Err(InputError::Empty { path: path.to_path_buf() }),
            }
        }
        Ok(t)
    }

    fn recv(&mut self) -> Result<Option<Row>, InputError> {
        match self.rx.recv() {
            Ok(Ok(row)) => Ok(Some(row)),
            Ok(Err(message)) => Err(InputError::Other { path: self.path.clone(), message: format!("XLSX: {message}") }),
            Err(_) => Ok(None),
        }
    }

    /// Next non-empty row; `false` at the end. Short rows are padded to the header's width.
    pub fn next_row(&mut self) -> Result<bool, InputError> {
        loop {
            let Some(row) = self.recv()? else { return Ok(false) };
            if row.cells.iter().all(|(s, _)| s.trim().is_empty()) {
                continue;
            }
            if row.cells.iter().skip(self.headers.len()).any(|(s, _)| !s.trim().is_empty()) {
                return Err(InputError::Ragged {
                    path: self.path.clone(),
                    line: row.number as u64,
                    record: self.record_no + 1,
                    expected: self.headers.len(),
                    found: row.cells.len(),
                });
            }
            self.row_number = row.number;
            self.record_no += 1;
            self.row.clear();
            self.numeric.clear();
            self.lossy.clear();
            self.errors.clear();
            for (i, (s, n)) in row.cells.into_iter().take(self.headers.len()).enumerate() {
                if n && s.ends_with('~') {
                    self.lossy.push(i);
                    self.row.push(s.trim_end_matches('~').to_string());
                } else if !n && s == ERROR_MARK {
                    self.errors.push(i);
                    self.row.push(String::new());
                } else {
                    self.row.push(s);
                }
                self.numeric.push(n);
            }
            self.row.resize(self.headers.len(), String::new());
            self.numeric.resize(self.headers.len(), false);
            return Ok(true);
        }
    }
}

/// What `render` gives an error cell; `next_row` empties it and records it in `errors`.
const ERROR_MARK: &str = "\u{0}#error";

/// A cell as text, and whether it was a number. A number too long to be exact gets a `~`
/// mark, removed by `next_row`, which records it in `lossy`.
fn render(v: &DataRef) -> (String, bool) {
    match v {
        DataRef::Empty => (String::new(), false),
        DataRef::String(s) => (s.clone(), false),
        DataRef::SharedString(s) => (s.to_string(), false),
        DataRef::Int(i) => (i.to_string(), true),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e19 {
                let s = format!("{}", *f as i64);
                if f.abs() >= EXACT { (format!("{s}~"), true) } else { (s, true) }
            } else {
                (format!("{f}"), true)
            }
        }
        DataRef::Bool(b) => (if *b { "true" } else { "false" }.to_string(), false),
        DataRef::DateTime(d) => {
            let (y, m, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if d.is_duration() {
                (format!("{}", d.as_f64()), true)
            } else if h == 0 && mi == 0 && s == 0 {
                (format!("{y:04}-{m:02}-{day:02}"), false)
            } else {
                (format!("{y:04}-{m:02}-{day:02} {h:02}:{mi:02}:{s:02}"), false)
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), false),
        DataRef::Error(_) => (ERROR_MARK.to_string(), false),
    }
}
