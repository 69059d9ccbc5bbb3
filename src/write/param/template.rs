//! Templates of the import paramétrable: which Sage fields go where in a Windows-1252 line.
//!
//! A template is data (`templates/parametrable/*.toml`, or a user's edited copy): the writer
//! knows no column. Loading checks everything that can be checked without data (Sage field
//! names against the record layouts, positions, overlaps, formats) and reports every problem
//! with its line in the template file, so a bad edit fails at `profile check`, not mid-run.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Deserialize;
use toml_edit::{Document, Item};

use crate::codepage::{self, CodePage};
use crate::diagnostics::{line_of, suggest};
use crate::sage::{Ccli, Chen, FieldId, FieldSpec, Kind, Layout};

/// The templates shipped in the binary, by name (the name is also the file stem).
pub const BUILTIN: &[(&str, &str)] = &[
    ("clients_csv", include_str!("../../../templates/parametrable/clients_csv.toml")),
    ("clients_fixed", include_str!("../../../templates/parametrable/clients_fixed.toml")),
    ("document_lines_csv", include_str!("../../../templates/parametrable/document_lines_csv.toml")),
    ("document_lines_fixed", include_str!("../../../templates/parametrable/document_lines_fixed.toml")),
];

/// What one output line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// A new client: its #CCLI.
    Client,
    /// A document line: its #CHLI, with the #CHEN of its document.
    DocumentLine,
}

impl Per {
    /// Records whose fields a template of this kind may name.
    pub fn tags(self) -> &'static [&'static str] {
        match self {
            Per::Client => &["CCLI"],
            Per::DocumentLine => &["CHEN", "CHLI"],
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Per::Client => "new client (#CCLI)",
            Per::DocumentLine => "document line (#CHLI), its document header (#CHEN) repeated",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Per::Client => "client",
            Per::DocumentLine => "document_line",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FormatKind {
    Csv,
    Fixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv { delimiter: u8, header: bool },
    Fixed { width: usize },
}

/// What to do with text longer than its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TooLong {
    /// Cut it, with a `truncated` warning.
    Truncate,
    /// Fail the input: nothing of it is written.
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Right,
}

/// A date pattern such as `JJMMAA` or `JJ/MM/AAAA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    parts: Vec<DatePart>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    Day,
    Month,
    Year2,
    Year4,
    Sep(u8),
}

impl DateFormat {
    pub fn parse(pattern: &str) -> Result<DateFormat, String> {
        let bad = || {
            format!(
                "\"{pattern}\" is not a date format: use JJ (day), MM (month), AA or AAAA (year) and / - . as separators, e.g. JJMMAA, JJMMAAAA, JJ/MM/AAAA, AAAAMMJJ"
            )
        };
        let up = pattern.to_uppercase();
        let mut rest = up.as_str();
        let mut parts = Vec::new();
        while !rest.is_empty() {
            let (part, len) = if rest.starts_with("JJ") {
                (DatePart::Day, 2)
            } else if rest.starts_with("MM") {
                (DatePart::Month, 2)
            } else if rest.starts_with("AAAA") {
                (DatePart::Year4, 4)
            } else if rest.starts_with("AA") {
                (DatePart::Year2, 2)
            } else if let Some(c @ (b'/' | b'-' | b'.')) = rest.bytes().next() {
                (DatePart::Sep(c), 1)
            } else {
                return Err(bad());
            };
            parts.push(part);
            rest = &rest[len..];
        }
        let count = |f: fn(&DatePart) -> bool| parts.iter().filter(|p| f(p)).count();
        if count(|p| *p == DatePart::Day) != 1
            || count(|p| *p == DatePart::Month) != 1
            || count(|p| matches!(p, DatePart::Year2 | DatePart::Year4)) != 1
        {
            return Err(bad());
        }
        Ok(DateFormat { pattern: up, parts })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Bytes written.
    pub fn len(&self) -> usize {
        self.pattern.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pattern.is_empty()
    }

    fn separators(&self) -> impl Iterator<Item = u8> + '_ {
        self.parts.iter().filter_map(|p| if let DatePart::Sep(c) = p { Some(*c) } else { None })
    }

    pub fn write(&self, d: Date, out: &mut Vec<u8>) {
        for p in &self.parts {
            // Writing into a Vec cannot fail.
            let _ = match p {
                DatePart::Day => write!(out, "{:02}", d.day()),
                DatePart::Month => write!(out, "{:02}", d.month()),
                DatePart::Year2 => write!(out, "{:02}", d.year().rem_euclid(100)),
                DatePart::Year4 => write!(out, "{:04}", d.year()),
                DatePart::Sep(c) => {
                    out.push(*c);
                    Ok(())
                }
            };
        }
    }
}

/// Where a column's value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A field of a Sage record (`tag` is `CCLI`, `CHEN` or `CHLI`), resolved when the
    /// template is compiled: `record` is the rank of its record among those a line is made
    /// of (`Per::tags`), `index` the field's index in that record.
    Sage { tag: &'static str, spec: &'static FieldSpec, record: usize, index: usize },
    /// The same text on every line, already in Windows-1252.
    Constant { text: String, bytes: Vec<u8> },
}

/// One column (CSV) or slot (fixed width) of a template.
#[derive(Debug, Clone)]
pub struct Column {
    pub source: Source,
    /// Title of the header line, and of the `describe` table.
    pub title: String,
    /// Fixed width: first byte, 1-based. CSV: the column number.
    pub start: usize,
    /// Fixed width: the slot width. CSV: the maximum length, if the template sets one.
    pub length: Option<usize>,
    pub align: Align,
    pub pad: u8,
    /// Numbers: decimals written.
    pub decimals: u32,
    /// Dates: the pattern written.
    pub date: DateFormat,
    pub too_long: TooLong,
    /// How warnings name this column, e.g. "CT_Intitule (clients_csv column 2)".
    pub label: String,
}

impl Column {
    pub fn kind(&self) -> Kind {
        match &self.source {
            Source::Sage { spec, .. } => spec.kind,
            Source::Constant { .. } => Kind::Text,
        }
    }

    /// Longest value written: the smaller of the template's length and Sage's limit.
    pub fn limit(&self) -> Option<usize> {
        let sage = match &self.source {
            Source::Sage { spec, .. } if spec.kind == Kind::Text => spec.max,
            _ => None,
        };
        match (self.length, sage) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// `CCLI.CT_Num`, or `constant "..."`.
    pub fn source_name(&self) -> String {
        match &self.source {
            Source::Sage { tag, spec, .. } => format!("{tag}.{}", spec.name),
            Source::Constant { text, .. } => format!("constant \"{text}\""),
        }
    }
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

/// A checked template, ready to write with.
#[derive(Debug, Clone)]
pub struct Template {
    /// Output files are `<input stem>.<name>.<extension>`.
    pub name: String,
    pub origin: Origin,
    pub label: String,
    pub per: Per,
    pub format: Format,
    pub extension: String,
    pub decimal_separator: u8,
    /// The template-wide date format (a field may override it).
    pub date_format: DateFormat,
    pub too_long: TooLong,
    pub columns: Vec<Column>,
    /// `#VER` of the layout the field names were checked against.
    pub sage_version: u32,
}

impl Template {
    /// Bytes per line, without CRLF (fixed width only).
    pub fn width(&self) -> Option<usize> {
        match self.format {
            Format::Fixed { width } => Some(width),
            Format::Csv { .. } => None,
        }
    }

    /// `customers.clients_csv.csv` for input stem `customers`.
    pub fn file_name(&self, stem: &str) -> String {
        format!("{stem}.{}.{}", self.name, self.extension)
    }
}

/// One problem in a template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// 1-based line in the template file; 0 when there is no single place.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 { f.write_str(&self.message) } else { write!(f, "line {}: {}", self.line, self.message) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "unknown template \"{name}\"{hint}; built-in templates: {known} (a file is named by a path ending in .toml)"
    )]
    Unknown { name: String, hint: String, known: String },
    #[error("cannot read template {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("template {file}: {}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid { file: String, problems: Vec<TemplateProblem> },
}

/// Is this entry of `[output] templates` a file (rather than a built-in name)?
pub fn is_path(entry: &str) -> bool {
    entry.contains('/') || entry.contains('\\') || entry.ends_with(".toml")
}

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Loads a template: a built-in name, or a file path resolved against `base_dir`.
pub fn load(entry: &str, base_dir: &Path, layout: &'static Layout) -> Result<Template, TemplateError> {
    if is_path(entry) {
        let path = Path::new(entry);
        let path = if path.is_absolute() { path.to_path_buf() } else { base_dir.join(path) };
        let text = crate::fsguard::read_text(&path, crate::fsguard::MAX_TEXT_BYTES)
            .map_err(|source| TemplateError::Io { path: path.clone(), source })?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Template::parse(&text, &name, Origin::File(path), layout)
    } else {
        match BUILTIN.iter().find(|(n, _)| *n == entry) {
            Some((name, text)) => Template::parse(text, name, Origin::Builtin, layout),
            None => {
                let known = builtin_names();
                let hint = suggest(entry, &known).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
                Err(TemplateError::Unknown { name: entry.to_string(), hint, known: known.join(", ") })
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    label: String,
    one_line_per: Per,
    format: FormatKind,
    delimiter: Option<String>,
    header: Option<bool>,
    width: Option<usize>,
    extension: Option<String>,
    decimal_separator: Option<String>,
    date_format: Option<String>,
    too_long: Option<TooLong>,
    #[serde(rename = "field", default)]
    fields: Vec<FieldDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDef {
    sage: Option<String>,
    value: Option<String>,
    title: Option<String>,
    start: Option<usize>,
    length: Option<usize>,
    align: Option<Align>,
    pad: Option<String>,
    decimals: Option<u32>,
    date_format: Option<String>,
    too_long: Option<TooLong>,
}

/// Finds lines of keys in the template text, for messages.
struct Lines<'a> {
    text: &'a str,
    doc: Option<Document<&'a str>>,
}

impl Lines<'_> {
    fn top(&self, key: &str) -> usize {
        let Some(doc) = &self.doc else { return 0 };
        doc.as_table().key(key).and_then(|k| k.span()).map(|s| line_of(self.text, s.start)).unwrap_or(0)
    }

    /// Line of `key` in the `i`-th `[[field]]`, or of the table itself.
    fn field(&self, i: usize, key: &str) -> usize {
        let Some(doc) = &self.doc else { return 0 };
        let Some(table) = doc.get("field").and_then(Item::as_array_of_tables).and_then(|a| a.get(i)) else {
            return 0;
        };
        table.key(key).and_then(|k| k.span()).or_else(|| table.span()).map(|s| line_of(self.text, s.start)).unwrap_or(0)
    }
}

impl Template {
    /// Parses and checks a template; every problem is reported with its line.
    pub fn parse(text: &str, name: &str, origin: Origin, layout: &'static Layout) -> Result<Template, TemplateError> {
        let file_label = match &origin {
            Origin::Builtin => format!("{name} (built-in)"),
            Origin::File(p) => p.display().to_string(),
        };
        let invalid = |problems| TemplateError::Invalid { file: file_label.clone(), problems };
        let def: TemplateFile = match toml::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
                let message = e.message().trim().to_string();
                return Err(invalid(vec![TemplateProblem { line, message }]));
            }
        };
        let lines = Lines { text, doc: Document::parse(text).ok() };
        let mut problems = Vec::new();
        match compile(def, name, origin.clone(), layout, &lines, &mut problems) {
            Some(t) if problems.is_empty() => Ok(t),
            _ => Err(invalid(problems)),
        }
    }
}

/// Where a template's problems go: the line of the key, and what is wrong.
type Push<'a> = dyn FnMut(usize, String) + 'a;

/// The file-wide settings of a template, checked.
struct Settings {
    /// The template's name, for the labels of its columns.
    name: String,
    fixed: bool,
    header: Option<bool>,
    delimiter: u8,
    decimal_separator: u8,
    date_format: DateFormat,
    extension: String,
    too_long: TooLong,
}

/// A template file → a template, in steps: the file-wide settings, then each `[[field]]`
/// (its place, its source, its column), then the line format. Every problem is pushed, with
/// its line, in the order of the file; `None` only when nothing can be built.
fn compile(
    mut def: TemplateFile,
    name: &str,
    origin: Origin,
    layout: &'static Layout,
    lines: &Lines,
    problems: &mut Vec<TemplateProblem>,
) -> Option<Template> {
    let push: &mut Push = &mut |line: usize, message: String| problems.push(TemplateProblem { line, message });
    let settings = settings(&def, name, lines, push);
    let fields = std::mem::take(&mut def.fields);
    let mut columns = Vec::with_capacity(fields.len());
    let mut prev_end = 0usize;
    for (i, f) in fields.into_iter().enumerate() {
        let n = i + 1;
        let at = |key: &str| lines.field(i, key);
        // Positions first, whatever the source, so one bad name does not hide an overlap.
        let slot = slot(&f, n, settings.fixed, &mut prev_end, &at, push);
        let Some(source) = source(&f, n, &settings, def.one_line_per, layout, &at, push) else { continue };
        if let Some(c) = column(f, n, source, slot, &settings, &at, push) {
            columns.push(c);
        }
    }
    let format = if settings.fixed {
        let end = prev_end;
        let width = def.width.unwrap_or(end);
        if width < end {
            push(lines.top("width"), format!("width {width} is shorter than the fields, which end at {end}"));
        }
        if width == 0 {
            push(lines.top("width"), "width must be at least 1".into());
        }
        Format::Fixed { width }
    } else {
        Format::Csv { delimiter: settings.delimiter, header: def.header.unwrap_or(false) }
    };
    let Settings { decimal_separator, date_format, extension, too_long, .. } = settings;
    Some(Template {
        name: name.to_string(),
        origin,
        label: def.label,
        per: def.one_line_per,
        format,
        extension,
        decimal_separator,
        date_format,
        too_long,
        columns,
        sage_version: layout.version,
    })
}

/// The file-wide keys: format, delimiter, header, width, decimal separator, date format,
/// extension, label, and that there are fields at all.
fn settings(def: &TemplateFile, name: &str, lines: &Lines, push: &mut Push) -> Settings {
    let fixed = def.format == FormatKind::Fixed;
    let delimiter = match (&def.delimiter, fixed) {
        (Some(_), true) => {
            push(lines.top("delimiter"), "delimiter is for csv templates (format = \"csv\")".into());
            b';'
        }
        (None, _) => b';',
        (Some(d), false) => match parse_delimiter(d) {
            Ok(b) => b,
            Err(m) => {
                push(lines.top("delimiter"), m);
                b';'
            }
        },
    };
    if fixed && def.header.is_some() {
        push(lines.top("header"), "header is for csv templates: a fixed-width file has no title line".into());
    }
    if !fixed && def.width.is_some() {
        push(lines.top("width"), "width is for fixed-width templates (format = \"fixed\")".into());
    }
    let decimal_separator = match def.decimal_separator.as_deref() {
        None | Some(",") => b',',
        Some(".") => b'.',
        Some(other) => {
            push(lines.top("decimal_separator"), format!("\"{other}\": the decimal separator is \",\" or \".\""));
            b','
        }
    };
    let date_format = match DateFormat::parse(def.date_format.as_deref().unwrap_or("JJMMAA")) {
        Ok(d) => d,
        Err(m) => {
            push(lines.top("date_format"), m);
            DateFormat::parse("JJMMAA").expect("valid")
        }
    };
    let extension = def.extension.clone().unwrap_or_else(|| if fixed { "txt".into() } else { "csv".into() });
    if extension.is_empty() || extension.len() > 8 || !extension.bytes().all(|b| b.is_ascii_alphanumeric()) {
        push(lines.top("extension"), format!("\"{extension}\": an extension is 1 to 8 letters or digits, without dot"));
    }
    let too_long = def.too_long.unwrap_or(TooLong::Truncate);
    if def.label.trim().is_empty() {
        push(lines.top("label"), "label must not be empty".into());
    }
    if def.fields.is_empty() {
        push(0, "no [[field]]: a template needs at least one field".into());
    }
    Settings {
        name: name.to_string(),
        fixed,
        header: def.header,
        delimiter,
        decimal_separator,
        date_format,
        extension,
        too_long,
    }
}

/// A fixed-width field's start and length, checked against the field before it (`prev_end`:
/// where the fields so far end); `None` for a csv template or when they are missing.
fn slot(
    f: &FieldDef,
    n: usize,
    fixed: bool,
    prev_end: &mut usize,
    at: &dyn Fn(&str) -> usize,
    push: &mut Push,
) -> Option<(usize, usize)> {
    match (fixed, f.start, f.length) {
        (true, Some(0), _) => {
            push(at("start"), format!("field {n}: start is 1-based (the first byte is 1)"));
            None
        }
        (true, Some(start), Some(length)) => {
            if start <= *prev_end {
                push(
                    at("start"),
                    format!(
                        "field {n}: starts at {start}, inside the previous field (which ends at {prev_end}); list fields in order, without overlap"
                    ),
                );
            }
            *prev_end = (*prev_end).max(start + length.max(1) - 1);
            Some((start, length))
        }
        (true, _, _) => {
            push(at("start"), format!("field {n}: a fixed-width field needs start and length"));
            None
        }
        (false, _, _) => None,
    }
}

/// Where a field's value comes from: a Sage field or a constant, checked.
fn source(
    f: &FieldDef,
    n: usize,
    settings: &Settings,
    per: Per,
    layout: &'static Layout,
    at: &dyn Fn(&str) -> usize,
    push: &mut Push,
) -> Option<Source> {
    match (&f.sage, &f.value) {
        (Some(s), None) => match sage_field(s, per, layout) {
            Ok((tag, spec, record, index)) => Some(Source::Sage { tag, spec, record, index }),
            Err(m) => {
                push(at("sage"), format!("field {n}: {m}"));
                None
            }
        },
        (None, Some(v)) => {
            let mut bytes = Vec::new();
            let mut changes = Vec::new();
            codepage::encode_into(v, CodePage::Windows1252, &mut bytes, &mut changes);
            if !changes.is_empty() {
                let list: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
                push(at("value"), format!("field {n}: \"{v}\" is not plain Windows-1252 text: {}", list.join(", ")));
            } else if !settings.fixed && bytes.contains(&settings.delimiter) {
                push(at("value"), format!("field {n}: \"{v}\" contains the delimiter"));
            }
            Some(Source::Constant { text: v.clone(), bytes })
        }
        (Some(_), Some(_)) => {
            push(at("value"), format!("field {n}: give either sage or value, not both"));
            None
        }
        (None, None) => {
            push(
                at("sage"),
                format!("field {n}: needs sage = \"RECORD.NAME\" (e.g. \"CCLI.CT_Intitule\") or value = \"...\""),
            );
            None
        }
    }
}

/// The column of a field whose source is known: decimals, date format, text options,
/// title, alignment, padding, its place; `None` when a fixed-width field has no place.
fn column(
    f: FieldDef,
    n: usize,
    source: Source,
    slot: Option<(usize, usize)>,
    settings: &Settings,
    at: &dyn Fn(&str) -> usize,
    push: &mut Push,
) -> Option<Column> {
    let Settings { ref name, fixed, header, delimiter, decimal_separator, ref date_format, too_long, .. } = *settings;
    let kind = match &source {
        Source::Sage { spec, .. } => spec.kind,
        Source::Constant { .. } => Kind::Text,
    };
    let what = match &source {
        Source::Sage { tag, spec, .. } => format!("field {n} ({tag}.{})", spec.name),
        Source::Constant { .. } => format!("field {n} (constant)"),
    };

    if f.decimals.is_some() && kind != Kind::Dec {
        push(at("decimals"), format!("{what}: decimals is for numbers with decimals"));
    }
    let scale = match &source {
        Source::Sage { spec, .. } => spec.scale.unwrap_or(2),
        Source::Constant { .. } => 0,
    };
    let decimals = f.decimals.unwrap_or(scale);
    if decimals > 10 {
        push(at("decimals"), format!("{what}: at most 10 decimals"));
    }
    let date = match &f.date_format {
        Some(p) if kind != Kind::Date => {
            push(at("date_format"), format!("{what}: date_format is for date fields ({p})"));
            date_format.clone()
        }
        Some(p) => DateFormat::parse(p).unwrap_or_else(|m| {
            push(at("date_format"), format!("{what}: {m}"));
            date_format.clone()
        }),
        None => date_format.clone(),
    };
    let sage_text = matches!(&source, Source::Sage { spec, .. } if spec.kind == Kind::Text);
    if f.too_long.is_some() && !sage_text {
        push(
            at("too_long"),
            format!("{what}: too_long is for text fields; numbers and dates are never cut (too wide is an error)"),
        );
    }
    if f.length == Some(0) {
        push(at("length"), format!("{what}: length must be at least 1"));
    }
    let title = f.title.clone().unwrap_or_else(|| match &source {
        Source::Sage { spec, .. } => spec.name.clone(),
        Source::Constant { .. } => String::new(),
    });
    if !fixed && header == Some(true) {
        let mut bytes = Vec::new();
        let mut changes = Vec::new();
        codepage::encode_into(&title, CodePage::Windows1252, &mut bytes, &mut changes);
        if !changes.is_empty() || bytes.contains(&delimiter) {
            push(at("title"), format!("{what}: title \"{title}\" must be Windows-1252 text without the delimiter"));
        }
    }
    let align = f.align.unwrap_or(if kind == Kind::Text { Align::Left } else { Align::Right });
    let pad = match &f.pad {
        None => b' ',
        Some(p) if p.len() == 1 && (p.as_bytes()[0].is_ascii_graphic() || p == " ") => p.as_bytes()[0],
        Some(p) => {
            push(at("pad"), format!("{what}: pad \"{p}\" must be one plain character such as \" \" or \"0\""));
            b' '
        }
    };
    let (start, length) = if fixed {
        let (start, length) = slot?;
        if kind == Kind::Date && length < date.len() {
            push(
                at("length"),
                format!("{what}: dates {} take {} bytes, length is {length}", date.pattern(), date.len()),
            );
        }
        if let Source::Constant { bytes, text } = &source
            && bytes.len() > length
        {
            push(at("value"), format!("{what}: \"{text}\" is longer than length {length}"));
        }
        (start, Some(length))
    } else {
        for key in ["start", "align", "pad"] {
            let given = match key {
                "start" => f.start.is_some(),
                "align" => f.align.is_some(),
                _ => f.pad.is_some(),
            };
            if given {
                push(at(key), format!("{what}: {key} is for fixed-width templates: csv values are not padded"));
            }
        }
        (n, f.length)
    };
    if !fixed {
        if kind == Kind::Dec && delimiter == decimal_separator {
            push(at("sage"), format!("{what}: the delimiter is also the decimal separator"));
        }
        if kind == Kind::Date && date.separators().any(|c| c == delimiter) {
            push(at("sage"), format!("{what}: the date format {} contains the delimiter", date.pattern()));
        }
    }
    let label = match (&source, fixed) {
        (Source::Sage { spec, .. }, true) => {
            format!("{} ({name} {start}-{})", spec.name, start + length.unwrap_or(1).max(1) - 1)
        }
        (Source::Sage { spec, .. }, false) => format!("{} ({name} column {n})", spec.name),
        (Source::Constant { .. }, _) => format!("constant ({name} field {n})"),
    };
    Some(Column {
        source,
        title,
        start,
        length,
        align,
        pad,
        decimals,
        date,
        too_long: f.too_long.unwrap_or(too_long),
        label,
    })
}

fn parse_delimiter(d: &str) -> Result<u8, String> {
    if d == "tab" || d == "\t" {
        return Ok(b'\t');
    }
    match d.as_bytes() {
        [b] if b.is_ascii_punctuation() && *b != b'"' => Ok(*b),
        _ => Err(format!(
            "\"{d}\" is not a delimiter: one punctuation character such as \";\" \",\" \"|\", or \"tab\" (not a quote)"
        )),
    }
}

/// `CCLI.CT_Num` → the layout's field (tag, spec, rank of the record in `per.tags()`, index
/// of the field), if a template of kind `per` may use it.
fn sage_field(
    s: &str,
    per: Per,
    layout: &'static Layout,
) -> Result<(&'static str, &'static FieldSpec, usize, usize), String> {
    let allowed = per.tags();
    let Some((tag, name)) = s.split_once('.') else {
        return Err(format!(
            "\"{s}\": write RECORD.NAME, e.g. \"{}.{}\"",
            allowed[0],
            if per == Per::Client { Ccli::Intitule.name() } else { Chen::Piece.name() }
        ));
    };
    let tag = tag.trim_start_matches('#');
    let Some(record) = allowed.iter().position(|t| *t == tag) else {
        return Err(format!(
            "\"{s}\": a one_line_per = \"{}\" template takes fields of {}",
            per.key(),
            allowed.iter().map(|t| format!("{t}.*")).collect::<Vec<_>>().join(" and ")
        ));
    };
    let rec = layout.expect(tag);
    match rec.index_of(name) {
        Some(index) => Ok((rec.tag.as_str(), &rec.fields[index], record, index)),
        None => {
            let names: Vec<&str> = rec.fields.iter().map(|f| f.name.as_str()).collect();
            let hint = suggest(name, &names).map(|h| format!(" (did you mean \"{h}\"?)")).unwrap_or_default();
            Err(format!("#{tag} has no field {name} in #VER {}{hint}", layout.version))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> &'static Layout {
        Layout::builtin(33).unwrap()
    }

    fn problems(text: &str) -> Vec<TemplateProblem> {
        match Template::parse(text, "t", Origin::Builtin, layout()) {
            Ok(_) => Vec::new(),
            Err(TemplateError::Invalid { problems, .. }) => problems,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn every_builtin_template_is_valid() {
        for (name, _) in BUILTIN {
            let t = load(name, Path::new("."), layout()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(t.name, *name);
            assert!(!t.columns.is_empty());
        }
    }

    #[test]
    fn builtin_fixed_widths() {
        let t = load("clients_fixed", Path::new("."), layout()).unwrap();
        assert_eq!(t.width(), Some(400));
        let t = load("document_lines_fixed", Path::new("."), layout()).unwrap();
        assert_eq!(t.width(), Some(200));
    }

    #[test]
    fn unknown_names_suggest_the_close_one() {
        let e = load("client_csv", Path::new("."), layout()).unwrap_err().to_string();
        assert!(e.contains("did you mean \"clients_csv\""), "{e}");
    }

    #[test]
    fn bad_fields_are_all_reported_with_their_lines() {
        let text = "label = \"x\"\none_line_per = \"client\"\nformat = \"fixed\"\n\n[[field]]\nsage = \"CCLI.CT_Nmu\"\nstart = 1\nlength = 17\n\n[[field]]\nsage = \"CHLI.AR_Ref\"\nstart = 18\nlength = 18\n\n[[field]]\nsage = \"CCLI.CT_Intitule\"\nstart = 30\nlength = 10\n\n[[field]]\nsage = \"CCLI.CT_DateCreate\"\nstart = 40\nlength = 4\n";
        let p = problems(text);
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!(p[0].line, 6);
        assert!(p[0].message.contains("did you mean \"CT_Num\""), "{}", p[0]);
        assert_eq!(p[1].line, 11);
        assert!(p[1].message.contains("CCLI.*"), "{}", p[1]);
        assert_eq!(p[2].line, 17);
        assert!(p[2].message.contains("inside the previous field"), "{}", p[2]);
        assert_eq!(p[3].line, 23);
        assert!(p[3].message.contains("JJMMAA take 6 bytes"), "{}", p[3]);
    }

    #[test]
    fn csv_rules() {
        let text = "label = \"x\"\none_line_per = \"client\"\nformat = \"csv\"\ndelimiter = \",\"\n[[field]]\nsage = \"CCLI.CT_Encours\"\n[[field]]\nsage = \"CCLI.CT_Num\"\nstart = 3\n[[field]]\nvalue = \"a,b\"\n[[field]]\nsage = \"CCLI.N_CatTarif\"\ntoo_long = \"truncate\"\n";
        let p = problems(text);
        let msgs: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert_eq!(p.len(), 4, "{msgs:?}");
        assert!(msgs[0].contains("delimiter is also the decimal separator"), "{msgs:?}");
        assert!(msgs[1].contains("start is for fixed-width"), "{msgs:?}");
        assert!(msgs[2].contains("\"a,b\" contains the delimiter"), "{msgs:?}");
        assert!(msgs[3].contains("numbers and dates are never cut"), "{msgs:?}");
    }

    #[test]
    fn syntax_and_unknown_keys_have_a_line() {
        let p = problems(
            "label = \"x\"\none_line_per = \"client\"\nformat = \"csv\"\n[[field]]\nsage = \"CCLI.CT_Num\"\nwidht = 3\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("widht"), "{}", p[0]);
        assert_eq!(p[0].line, 6);
        let p = problems("label = \"x\"\none_line_per = \"clients\"\nformat = \"csv\"\n");
        assert_eq!(p[0].line, 2, "{p:?}");
    }

    #[test]
    fn date_formats() {
        let d = Date::new(2024, 3, 7).unwrap();
        for (p, want) in [
            ("JJMMAA", "070324"),
            ("jjmmaaaa", "07032024"),
            ("AAAAMMJJ", "20240307"),
            ("JJ/MM/AAAA", "07/03/2024"),
            ("AAAA-MM-JJ", "2024-03-07"),
        ] {
            let f = DateFormat::parse(p).unwrap();
            let mut out = Vec::new();
            f.write(d, &mut out);
            assert_eq!(out, want.as_bytes(), "{p}");
            assert_eq!(f.len(), want.len());
        }
        assert!(DateFormat::parse("DDMMYY").is_err());
        assert!(DateFormat::parse("JJMM").is_err());
        assert!(DateFormat::parse("JJJJMMAA").is_err());
    }
}
