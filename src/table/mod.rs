//! Tabular inputs (CSV or XLSX) read row by row with their header normalised, shared by the
//! shop readers and the client-list reader. Which one a file is comes from its bytes, not
//! its name: Excel users rename files.

pub mod csv;
pub mod rows;
pub mod sniff;
pub mod xlsx;

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::error::InputError;
pub use csv::{CsvTable, norm_header};
pub use xlsx::XlsxTable;

// One table an input, read through at each row: its size costs nothing, a box would cost a
// pointer's load at each cell.
#[allow(clippy::large_enum_variant)]
pub enum Table {
    Csv(CsvTable),
    Xlsx(XlsxTable),
}

/// How to open a table; every field optional (sniffed when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions<'a> {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    pub sheet: Option<&'a str>,
}

impl Table {
    /// Opens a CSV or XLSX file (a regular file only, see `fsguard`).
    pub fn open(path: &Path, opts: TableOptions) -> Result<Table, InputError> {
        let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
            .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        Table::from_file(path, file, opts)
    }

    /// Reads a table from `file`, already opened (and checked) from `path`: it is not opened
    /// again.
    pub fn from_file(path: &Path, mut file: File, opts: TableOptions) -> Result<Table, InputError> {
        let io = |source| InputError::Io { path: path.to_path_buf(), source };
        let mut head = Vec::with_capacity(4);
        (&mut file).take(4).read_to_end(&mut head).map_err(io)?;
        file.rewind().map_err(io)?;
        if xlsx::looks_like_xlsx(&head) {
            Ok(Table::Xlsx(XlsxTable::from_file(path, file, opts.sheet)?))
        } else {
            Ok(Table::Csv(CsvTable::from_file(path, file, opts.encoding, opts.delimiter)?))
        }
    }

    pub fn path(&self) -> &PathBuf {
        match self {
            Table::Csv(t) => &t.path,
            Table::Xlsx(t) => &t.path,
        }
    }

    pub fn headers(&self) -> &[String] {
        match self {
            Table::Csv(t) => &t.headers,
            Table::Xlsx(t) => &t.headers,
        }
    }

    /// Normalised headers (see `norm_header`).
    pub fn keys(&self) -> Vec<String> {
        self.headers().iter().map(|h| norm_header(h)).collect()
    }

    /// Index of the first column matching one of `aliases` (see `CsvTable::find`).
    pub fn find(&self, aliases: &[String]) -> Option<usize> {
        find_in(&self.keys(), aliases)
    }

    pub fn next_row(&mut self) -> Result<bool, InputError> {
        match self {
            Table::Csv(t) => t.next_row(),
            Table::Xlsx(t) => t.next_row(),
        }
    }

    pub fn cell(&mut self, i: usize) -> &str {
        match self {
            Table::Csv(t) => t.cell(i),
            Table::Xlsx(t) => t.row.get(i).map(String::as_str).unwrap_or(""),
        }
    }

    pub fn text(&mut self, i: Option<usize>) -> String {
        match i {
            Some(i) => self.cell(i).trim().to_string(),
            None => String::new(),
        }
    }

    /// Is cell `i` of the current row empty or blank? Read from the raw bytes, without
    /// decoding: nothing is noted about the cell.
    pub fn is_blank(&self, i: usize) -> bool {
        match self {
            Table::Csv(t) => t.raw(i).iter().all(u8::is_ascii_whitespace),
            Table::Xlsx(t) => t.row.get(i).is_none_or(|c| c.trim().is_empty()),
        }
    }

    /// Was cell `i` a number in the spreadsheet (leading zeros lost)?
    pub fn numeric(&self, i: usize) -> bool {
        match self {
            Table::Csv(_) => false,
            Table::Xlsx(t) => t.numeric.get(i).copied().unwrap_or(false),
        }
    }

    /// Cells of this row whose text could not be read exactly (invalid UTF-8 read as
    /// Windows-1252; numbers too long for Excel; Excel error values).
    pub fn doubtful(&self) -> Vec<(usize, &'static str)> {
        match self {
            Table::Csv(t) => t
                .misdecoded
                .iter()
                .map(|&i| (i, "bytes that are not UTF-8 in a UTF-8 file, read as Windows-1252"))
                .collect(),
            Table::Xlsx(t) => t
                .lossy
                .iter()
                .map(|&i| (i, "a number too long for Excel: its last digits may be lost; format the column as text"))
                .chain(t.errors.iter().map(|&i| (i, "an Excel error (#N/A, #REF!...) in the cell: read as empty")))
                .collect(),
        }
    }

    /// Where the current row is: the CSV line or the spreadsheet row.
    pub fn line(&self) -> u64 {
        match self {
            Table::Csv(t) => t.line(),
            Table::Xlsx(t) => t.row_number as u64,
        }
    }

    pub fn record_no(&self) -> u64 {
        match self {
            Table::Csv(t) => t.record_no,
            Table::Xlsx(t) => t.record_no,
        }
    }

    /// "line 7" for CSV, "row 7" for a spreadsheet.
    pub fn place(&self) -> String {
        match self {
            Table::Csv(t) => format!("line {}", t.line()),
            Table::Xlsx(t) => format!("row {}", t.row_number),
        }
    }

    pub fn format(&self) -> &'static str {
        match self {
            Table::Csv(_) => "csv",
            Table::Xlsx(_) => "xlsx",
        }
    }

    pub fn encoding_label(&self) -> String {
        match self {
            Table::Csv(t) => t.encoding_label(),
            Table::Xlsx(t) => format!("xlsx (sheet \"{}\")", t.sheet),
        }
    }

    pub fn encoding_guessed(&self) -> bool {
        matches!(self, Table::Csv(t) if t.sniffed.guessed)
    }

    pub fn delimiter(&self) -> Option<u8> {
        match self {
            Table::Csv(t) => Some(t.delimiter),
            Table::Xlsx(_) => None,
        }
    }

    pub fn delimiter_label(&self) -> String {
        self.delimiter().map(sniff::delimiter_label).unwrap_or_else(|| "(spreadsheet)".into())
    }
}

/// Index of the first normalised header matching one of `aliases` (normalised too). An alias
/// with `*` at its start or end matches a part of the header (`*siret*` finds
/// `SIRET (customer.metafields.custom.siret)`).
pub fn find_in(keys: &[String], aliases: &[String]) -> Option<usize> {
    for a in aliases {
        let alias = Alias::new(a);
        let hit = keys.iter().position(|k| alias.matches(k));
        if hit.is_some() {
            return hit;
        }
    }
    None
}

/// A header alias, normalised once (see `find_in`).
pub struct Alias {
    key: String,
    starts: bool,
    ends: bool,
}

impl Alias {
    pub fn new(alias: &str) -> Alias {
        Alias { key: norm_header(alias.trim_matches('*')), starts: alias.starts_with('*'), ends: alias.ends_with('*') }
    }

    /// Does the normalised header `key` match?
    pub fn matches(&self, key: &str) -> bool {
        match (self.starts, self.ends) {
            (false, false) => key == self.key,
            (true, true) => key.contains(&self.key),
            (true, false) => key.ends_with(&self.key),
            (false, true) => key.starts_with(&self.key),
        }
    }
}

/// French re-padding of numbers Excel stripped: postcode to 5 digits, SIRET to 14, phone to
/// 10 with its leading 0. Only applied to cells that were numbers.
pub fn repad(kind: Repad, v: &str) -> String {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return v.to_string();
    }
    match kind {
        Repad::Zip if v.len() == 4 => format!("0{v}"),
        Repad::Siret if v.len() < 14 => format!("{v:0>14}"),
        Repad::Siren if v.len() < 9 => format!("{v:0>9}"),
        Repad::Phone if v.len() == 9 => format!("0{v}"),
        _ => v.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repad {
    Zip,
    Siret,
    Siren,
    Phone,
}
