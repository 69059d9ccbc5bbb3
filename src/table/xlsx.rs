//! XLSX sheets read row by row (calamine's cell reader), for shop exports saved by Excel and
//! client lists. calamine's reader borrows the workbook, so a thread owns both and hands rows
//! over a small channel: the sheet streams, memory does not grow with its size.
//!
//! Cells come out as text: numbers without exponent (`75008`, `12345678900012`), dates as
//! `YYYY-MM-DD[ HH:MM:SS]` (Excel serials converted with the workbook's 1900/1904 system).
//! Which cells were numbers is kept, so readers can re-pad postcodes, SIRET and phones that
//! Excel turned into numbers.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use calamine::{DataRef, Reader, Xlsx};

use crate::error::InputError;
use crate::fsguard;

/// Largest integer an f64 holds exactly: a longer number in a cell has lost digits.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Excel's limits: a cell beyond them (`XFE1`, `A1048577`) is not from a real workbook.
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLS: u32 = 16_384;
/// Most cells read from one sheet (a million rows of 50 columns).
pub const MAX_CELLS: u64 = 50_000_000;
/// Largest workbook file, and most bytes its parts may unpack to (each part's declared size
/// is enforced while it is read, so a part cannot unpack to more than it says).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
pub const MAX_UNPACKED_BYTES: u64 = 4 << 30;
/// Shared strings are held in memory for the whole sheet.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 512 << 20;
const MAX_PARTS: usize = 10_000;

/// One row, its cells kept sparse (column, text, was a number): a cell far to the right costs
/// one entry, not a row of empty cells.
#[derive(Debug)]
struct Row {
    /// 1-based row number as Excel shows it.
    number: u32,
    cells: Vec<(u32, String, bool)>,
}

impl Row {
    fn width(&self) -> usize {
        self.cells.iter().map(|(c, _, _)| *c as usize + 1).max().unwrap_or(0)
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, s, _)| s.trim().is_empty())
    }
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

/// "A1"-style reference of a 0-based cell position, for messages.
fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

/// Checks the zip directory before the workbook is read: how many parts, how much they
/// unpack to, and that the shared strings do not announce more strings than their part can
/// hold (the reader reserves room for that many at once). A zip bomb or a damaged workbook
/// is refused here, before any large allocation.
fn check_package(file: &mut File) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(BufReader::new(&mut *file)).map_err(|e| format!("not a valid zip file: {e}"))?;
    if zip.len() > MAX_PARTS {
        return Err(format!("{} parts in the zip file: not a workbook", zip.len()));
    }
    let mut total = 0u64;
    let mut strings: Option<(usize, u64)> = None;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| format!("part {i} of the zip file: {e}"))?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        total = total.saturating_add(part.size());
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            if part.size() > MAX_SHARED_STRINGS_BYTES {
                return Err(format!(
                    "its shared strings unpack to {} bytes, more than the {} passerelle reads",
                    part.size(),
                    fsguard::human_size(MAX_SHARED_STRINGS_BYTES)
                ));
            }
            strings = Some((i, part.size()));
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "its parts unpack to {total} bytes, more than the {} passerelle reads (a zip bomb, or not an export)",
            fsguard::human_size(MAX_UNPACKED_BYTES)
        ));
    }
    if let Some((i, size)) = strings {
        let mut head = Vec::with_capacity(4096);
        let part = zip.by_index(i).map_err(|e| format!("shared strings: {e}"))?;
        part.take(4096).read_to_end(&mut head).map_err(|e| format!("shared strings: {e}"))?;
        // Each string takes at least `<si/>` (5 bytes): a count the part cannot hold is a lie.
        if let Some(n) = announced_count(&head)
            && n > size / 5 + 1
        {
            return Err(format!("its shared strings announce {n} strings in {size} bytes: the workbook is damaged"));
        }
    }
    Ok(())
}

/// The largest `count` or `uniqueCount` of the `<sst>` start tag in `head`.
fn announced_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("sst")?;
    let tag = &text[start..text[start..].find('>').map(|e| start + e).unwrap_or(text.len())];
    let mut best = None;
    for key in ["count=", "uniqueCount="] {
        let mut rest = tag;
        while let Some(p) = rest.find(key) {
            let after = &rest[p + key.len()..];
            let digits: String =
                after.trim_start_matches(['"', '\'']).chars().take_while(char::is_ascii_digit).collect();
            // A count too long for u64 is as much a lie as a huge one.
            let n = if digits.len() > 19 { u64::MAX } else { digits.parse().unwrap_or(0) };
            best = Some(best.map_or(n, |b: u64| b.max(n)));
            rest = after;
        }
    }
    best
}

/// What a panic carries, for a message.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into())
}

impl XlsxTable {
    /// Opens `sheet` (or the first sheet) and reads its header row.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<XlsxTable, InputError> {
        let file = fsguard::open_regular(path, MAX_FILE_BYTES)
            .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        XlsxTable::from_file(path, file, sheet)
    }

    /// Reads a workbook from `file`, opened (and checked) from `path`.
    pub fn from_file(path: &Path, mut file: File, sheet: Option<&str>) -> Result<XlsxTable, InputError> {
        let bad = |message: String| InputError::Other { path: path.to_path_buf(), message };
        if let Ok(md) = file.metadata()
            && md.len() > MAX_FILE_BYTES
        {
            return Err(bad(format!(
                "a workbook of {} bytes, more than the {} passerelle reads",
                md.len(),
                fsguard::human_size(MAX_FILE_BYTES)
            )));
        }
        check_package(&mut file).map_err(|m| bad(format!("unreadable XLSX workbook: {m}")))?;
        file.rewind().map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        // The workbook reader is another crate's code: a panic on a damaged file (an overflow,
        // an index out of range) fails this file, never the run.
        let opened = std::panic::catch_unwind(move || Xlsx::new(BufReader::new(file)));
        let mut wb: Xlsx<_> = match opened {
            Ok(Ok(wb)) => wb,
            Ok(Err(e)) => return Err(bad(format!("unreadable XLSX workbook: {e}"))),
            Err(p) => return Err(bad(format!("unreadable XLSX workbook (damaged: {})", panic_text(&*p)))),
        };
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
            let panicked = tx.clone();
            let read =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || read_cells(&mut wb, &sheet_name, &tx)));
            if let Err(p) = read {
                // A disconnected channel reads as the end of the sheet: say it was not.
                let _ = panicked
                    .send(Err(format!("the sheet could not be read to its end (damaged: {})", panic_text(&*p))));
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
                Some(row) if !row.is_blank() => {
                    let mut headers = vec![String::new(); row.width()];
                    for (c, s, _) in row.cells {
                        if s.chars().count() > fsguard::MAX_HEADER_CHARS {
                            return Err(InputError::Malformed {
                                path: path.to_path_buf(),
                                line: row.number as u64,
                                message: format!(
                                    "cell {} of the first row is not a column title ({} characters)",
                                    cell_ref(row.number - 1, c),
                                    s.chars().count()
                                ),
                            });
                        }
                        headers[c as usize] = s.trim().to_string();
                    }
                    t.headers = headers;
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
            if row.is_blank() {
                continue;
            }
            let width = self.headers.len();
            if row.cells.iter().any(|(c, s, _)| *c as usize >= width && !s.trim().is_empty()) {
                return Err(InputError::Ragged {
                    path: self.path.clone(),
                    line: row.number as u64,
                    record: self.record_no + 1,
                    expected: width,
                    found: row.width(),
                });
            }
            self.row_number = row.number;
            self.record_no += 1;
            self.row.clear();
            self.row.resize(width, String::new());
            self.numeric.clear();
            self.numeric.resize(width, false);
            self.lossy.clear();
            self.errors.clear();
            for (c, s, n) in row.cells {
                let i = c as usize;
                if i >= width {
                    continue;
                }
                if n && s.ends_with('~') {
                    self.lossy.push(i);
                    self.row[i] = s.trim_end_matches('~').to_string();
                } else if !n && s == ERROR_MARK {
                    self.errors.push(i);
                    self.row[i] = String::new();
                } else {
                    self.row[i] = s;
                }
                self.numeric[i] = n;
            }
            for v in [&mut self.lossy, &mut self.errors] {
                v.sort_unstable();
                v.dedup();
            }
            return Ok(true);
        }
    }
}

/// Reads the cells of a sheet and hands them over row by row, within Excel's limits.
fn read_cells<RS: Read + Seek>(wb: &mut Xlsx<RS>, sheet: &str, tx: &std::sync::mpsc::SyncSender<Result<Row, String>>) {
    let mut reader = match wb.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Err(format!("sheet \"{sheet}\": {e}")));
            return;
        }
    };
    let mut cur: Option<Row> = None;
    let mut count = 0u64;
    loop {
        match reader.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                if r >= MAX_ROWS || c >= MAX_COLS {
                    let _ = tx.send(Err(format!(
                        "a cell at row {}, column {} lies beyond the last cell a sheet can have (XFD1048576): the workbook is damaged",
                        r as u64 + 1,
                        c as u64 + 1
                    )));
                    return;
                }
                count += 1;
                if count > MAX_CELLS {
                    let _ = tx.send(Err(format!("more than {MAX_CELLS} cells in the sheet: not an export")));
                    return;
                }
                let (text, numeric) = render(cell.get_value());
                if text.len() > fsguard::MAX_CELL_CHARS && text.chars().count() > fsguard::MAX_CELL_CHARS {
                    let _ = tx.send(Err(format!(
                        "cell {} holds {} characters, more than the {} Excel allows: the workbook is damaged",
                        cell_ref(r, c),
                        text.chars().count(),
                        fsguard::MAX_CELL_CHARS
                    )));
                    return;
                }
                if cur.as_ref().is_some_and(|row| row.number != r + 1) {
                    let done = cur.take().expect("row");
                    if tx.send(Ok(done)).is_err() {
                        return;
                    }
                }
                let row = cur.get_or_insert_with(|| Row { number: r + 1, cells: Vec::new() });
                if row.cells.len() >= MAX_COLS as usize {
                    let _ = tx.send(Err(format!(
                        "row {} has more than {MAX_COLS} cells: the workbook is damaged",
                        r as u64 + 1
                    )));
                    return;
                }
                // A cell given twice: the later one wins when the row is laid out.
                row.cells.push((c, text, numeric));
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
