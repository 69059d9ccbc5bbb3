//! The import paramétrable writer: Windows-1252 lines, delimited or fixed-width, CRLF, laid out
//! by a template (docs/format-sage.md, import paramétrable).
//!
//! Values come from the same `Record`s as the Format Sage file and go through the same text
//! rules (trim, `#` prefix, uppercase codes, transliteration, each change reported), so both
//! outputs carry the same data. Then the template's rules apply: the delimiter, CR and LF are
//! taken out of csv values (quoting cannot be relied on), numbers and dates are re-formatted,
//! widths are measured in bytes after encoding, text too long is cut with a warning or fails
//! the input (`too_long = "error"`); numbers are never cut. A line is built whole in a buffer
//! before it is written, so a refused record leaves nothing behind.

pub mod describe;
pub mod template;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use template::{Align, Column, Format, Origin, Per, Source, Template, TemplateError, TooLong};

use super::sage::{CRLF, RecordEncoder};
use super::{Destination, OutFile};
use crate::codepage::CodePage;
use crate::i18n::Msg;
use crate::report::{Diag, Warnings};
use crate::sage::value::{self, Value, parse_date, parse_dec, parse_time};
use crate::sage::{FieldSpec, Kind, Record};
use crate::warning_kind::WarningKind;

/// A value a template refuses: `too_long = "error"` on a text field, or a number or date wider
/// than its field. Travels inside an `io::Error` (kind `InvalidData`) through `Outputs`.
#[derive(Debug, thiserror::Error)]
#[error("{record}: {field}: {message}")]
pub struct RefusedValue {
    pub template: String,
    pub record: String,
    pub field: String,
    pub message: String,
}

impl RefusedValue {
    /// The refusal carried by an output error, if that is what it is.
    pub fn in_io(e: &io::Error) -> Option<&RefusedValue> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<RefusedValue>())
    }
}

/// One record feeding a line, and how its warnings are named.
struct Src<'a> {
    record: &'a Record,
    subject: &'a str,
    /// `false` for a document header on its second and later lines: its values, hence its
    /// warnings, are those already reported on the first line.
    warn: bool,
}

/// One paramétrable output file being written.
pub struct ParamFile {
    template: Arc<Template>,
    out: OutFile,
    lines: usize,
    line: Vec<u8>,
    scratch: Scratch,
    repeated: Warnings,
}

/// The buffers one value is rendered in, reused from value to value.
struct Scratch {
    enc: RecordEncoder,
    value: Vec<u8>,
    text: String,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { enc: RecordEncoder::new(CodePage::Windows1252), value: Vec::with_capacity(128), text: String::new() }
    }
}

impl ParamFile {
    /// Opens `target` aside (it appears at `finish`) and writes the title line of a csv
    /// template that asks for one.
    pub fn create(target: &Path, template: Arc<Template>) -> io::Result<ParamFile> {
        ParamFile::open(target, template, &Destination::Files)
    }

    /// `create`, or for a dry run (`Destination::Nowhere`) the same writer over nothing.
    pub fn open(target: &Path, template: Arc<Template>, dest: &Destination) -> io::Result<ParamFile> {
        let mut out = OutFile::create(target, dest)?;
        if let Format::Csv { delimiter, header: true } = template.format {
            let mut line = Vec::new();
            for (i, c) in template.columns.iter().enumerate() {
                if i > 0 {
                    line.push(delimiter);
                }
                // Titles were checked at load: plain Windows-1252, no delimiter.
                let mut changes = Vec::new();
                crate::codepage::encode_into(&c.title, CodePage::Windows1252, &mut line, &mut changes);
            }
            line.extend_from_slice(CRLF);
            out.write_all(&line)?;
        }
        Ok(ParamFile {
            template,
            out,
            lines: 0,
            line: Vec::with_capacity(512),
            scratch: Scratch::new(),
            repeated: Warnings::default(),
        })
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    pub fn target(&self) -> &Path {
        self.out.target()
    }

    /// Another final name in the same folder (see `Outputs::retarget`).
    pub fn set_target(&mut self, target: &Path) {
        self.out.set_target(target);
    }

    /// Data lines written so far (the title line is not counted).
    pub fn lines(&self) -> usize {
        self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// One line from `sources` (the #CCLI of a client). Warnings name `subject`. A refused
    /// value returns an `InvalidData` error carrying a `RefusedValue`, and nothing is written.
    pub fn write_line(&mut self, sources: &[&Record], subject: &str, w: &mut Warnings) -> io::Result<()> {
        let srcs: Vec<Src> = sources.iter().map(|r| Src { record: r, subject, warn: true }).collect();
        self.write(&srcs, w)
    }

    /// One line of a document: the #CHLI `line` with its #CHEN `header`. Header warnings name
    /// `doc_subject` and are reported on the document's first line only (`first`); line
    /// warnings name `line_subject`.
    pub fn write_document_line(
        &mut self,
        header: &Record,
        line: &Record,
        doc_subject: &str,
        line_subject: &str,
        first: bool,
        w: &mut Warnings,
    ) -> io::Result<()> {
        let srcs = [
            Src { record: header, subject: doc_subject, warn: first },
            Src { record: line, subject: line_subject, warn: true },
        ];
        self.write(&srcs, w)
    }

    fn write(&mut self, sources: &[Src], w: &mut Warnings) -> io::Result<()> {
        // Columns address their record by its rank in `Per::tags`.
        debug_assert!(
            sources.iter().map(|s| s.record.tag()).eq(self.template.per.tags().iter().copied()),
            "records of a {} line out of order",
            self.template.per.key()
        );
        let ParamFile { template, out, lines, line, scratch, repeated } = self;
        repeated.list.clear();
        match render_line(template, sources, w, repeated, line, scratch) {
            Ok(()) => {
                out.write_all(line)?;
                *lines += 1;
                Ok(())
            }
            Err(refused) => Err(io::Error::new(io::ErrorKind::InvalidData, refused)),
        }
    }

    /// Renames the file into place, never over an existing file.
    pub fn finish(self) -> io::Result<PathBuf> {
        let target = self.out.target().to_path_buf();
        self.out.commit_new()?;
        Ok(target)
    }
}

/// Builds one line, CRLF included, into `line`.
fn render_line(
    t: &Template,
    sources: &[Src],
    w: &mut Warnings,
    repeated: &mut Warnings,
    line: &mut Vec<u8>,
    s: &mut Scratch,
) -> Result<(), RefusedValue> {
    line.clear();
    if let Format::Fixed { width } = t.format {
        // Bytes between fields are spaces.
        line.resize(width, b' ');
    }
    for (i, col) in t.columns.iter().enumerate() {
        s.value.clear();
        match &col.source {
            Source::Constant { bytes, .. } => s.value.extend_from_slice(bytes),
            Source::Sage { spec, record, index, .. } => {
                // `sources` holds the records of `Per::tags`, in that order (see `write_line`).
                let src = sources.get(*record);
                let v = match src.map(|s| s.record.value_at(*index)) {
                    Some(Value::Unset) => &spec.typed_default,
                    Some(v) => v,
                    None => &Value::EMPTY,
                };
                let subject = src.map(|s| s.subject).unwrap_or("");
                let sink: &mut Warnings = if src.is_none_or(|s| s.warn) { &mut *w } else { &mut *repeated };
                render_value(t, col, spec, v, &mut Diag::new(subject, sink), s)?;
            }
        }
        match t.format {
            Format::Csv { delimiter, .. } => {
                if i > 0 {
                    line.push(delimiter);
                }
                line.extend_from_slice(&s.value);
            }
            Format::Fixed { .. } => {
                let start = col.start - 1;
                let len = col.length.unwrap_or(0);
                place(&mut line[start..start + len], &s.value, col.align, col.pad);
            }
        }
    }
    line.extend_from_slice(CRLF);
    Ok(())
}

/// The bytes of one value, before padding, into `value`. Numbers, dates and times the program
/// made are typed: formatted here in the template's form, never parsed back. Text in such a
/// field (the profile's, the template client's) is read as the Format Sage writes it.
fn render_value(
    t: &Template,
    col: &Column,
    spec: &FieldSpec,
    v: &Value,
    d: &mut Diag,
    s: &mut Scratch,
) -> Result<(), RefusedValue> {
    let (subject, w) = (d.subject, &mut *d.w);
    let kind = spec.kind;
    let v = if *v == Value::Unset { &spec.typed_default } else { v };
    let Scratch { value, text, .. } = &mut *s;
    // A number with more decimals than the template writes is rounded, and said so.
    let mut put_dec = |d: rust_decimal::Decimal, value: &mut Vec<u8>, w: &mut Warnings| {
        text.clear();
        value::push_dec(text, d, col.decimals);
        if value::round_dec(d, col.decimals) != d {
            let shown = match v {
                Value::Text(raw) | Value::Verbatim(raw) => raw.trim().to_string(),
                typed => spec.text(typed).into_owned(),
            };
            w.push(
                WarningKind::Rounded,
                subject,
                &col.label,
                format!("{shown} written with {} decimals: {text}", col.decimals),
            );
        }
        value.extend(text.bytes().map(|b| if b == b',' { t.decimal_separator } else { b }));
    };
    let formatted = match v {
        _ if kind == Kind::Text => false,
        Value::Dec(d) => {
            put_dec(*d, value, w);
            true
        }
        Value::Date(d) => {
            col.date.write(*d, value);
            true
        }
        Value::Int(_) | Value::Time(_) => {
            value.extend_from_slice(spec.text(v).as_bytes());
            true
        }
        Value::Unset | Value::Text(_) | Value::Verbatim(_) => {
            let raw = spec.text(v);
            let raw = raw.trim();
            match kind {
                _ if raw.is_empty() => true,
                Kind::Dec => parse_dec(raw).map(|d| put_dec(d, value, w)).is_some(),
                Kind::Date => parse_date(raw).map(|d| col.date.write(d, value)).is_some(),
                Kind::Int => {
                    let digits = raw.strip_prefix('-').unwrap_or(raw);
                    let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                    if ok {
                        value.extend_from_slice(raw.as_bytes());
                    }
                    ok
                }
                Kind::Time => {
                    let ok = parse_time(raw).is_some();
                    if ok {
                        value.extend_from_slice(raw.as_bytes());
                    }
                    ok
                }
                Kind::Text => false,
            }
        }
    };
    if !formatted {
        let raw = spec.text(v);
        if kind != Kind::Text {
            w.push(
                WarningKind::InvalidValue,
                subject,
                &col.label,
                format!("'{}' is not {}: written as text", raw.trim(), kind_name(kind)),
            );
        }
        push_text(t, col, &raw, (spec.upper, spec.alnum_only()), &mut Diag::new(subject, w), s);
    }
    let value = &mut s.value;
    let Some(limit) = col.limit() else { return Ok(()) };
    if value.len() <= limit {
        return Ok(());
    }
    let decoded = CodePage::Windows1252.decode(value);
    let why = match col.length {
        Some(l) if l == limit => "the template's length",
        _ => "Sage's limit for this field",
    };
    if kind != Kind::Text || col.too_long == TooLong::Error {
        let rule = if kind == Kind::Text {
            "the template says too_long = \"error\"".to_string()
        } else {
            let plural = match kind {
                Kind::Date => "dates",
                Kind::Time => "times",
                _ => "numbers",
            };
            format!("{plural} are never cut")
        };
        return Err(RefusedValue {
            template: t.name.clone(),
            record: subject.to_string(),
            field: col.label.clone(),
            message: format!(
                "'{decoded}' is {} bytes, {why} is {limit}, and {rule}: nothing of this input is written. Shorten the value, or widen the field in the template",
                value.len()
            ),
        });
    }
    let kept = CodePage::Windows1252.decode(&value[..limit]);
    let lost = CodePage::Windows1252.decode(&value[limit..]);
    w.push(
        WarningKind::Truncated,
        subject,
        &col.label,
        format!("{} characters, {why} is {limit}: written '{kept}', lost '{lost}'", value.len()),
    );
    value.truncate(limit);
    while value.last() == Some(&b' ') {
        value.pop();
    }
    Ok(())
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Int => "a whole number",
        Kind::Dec => "a number",
        Kind::Date => "a JJMMAA date",
        Kind::Time => "a HH:MM:SS time",
    }
}

/// Text through the shared rules, then the csv rule: no delimiter, CR or LF inside a value.
fn push_text(t: &Template, col: &Column, raw: &str, (upper, alnum_only): (bool, bool), d: &mut Diag, s: &mut Scratch) {
    let (subject, w) = (d.subject, &mut *d.w);
    let Scratch { enc, value, text } = s;
    let mut input = raw;
    if let Format::Csv { delimiter, .. } = t.format {
        let (delimiters, breaks) = strip_separators(raw, delimiter as char, text);
        if delimiters || breaks {
            let d = (delimiter as char).escape_debug();
            let (kind, what) = match (delimiters, breaks) {
                (true, false) => (WarningKind::DelimiterRemoved, format!("the delimiter '{d}'")),
                (false, _) => (WarningKind::LineBreakRemoved, "a line break (CR or LF)".to_string()),
                (true, true) => {
                    (WarningKind::DelimiterRemoved, format!("the delimiter '{d}' and a line break (CR or LF)"))
                }
            };
            w.push(
                kind,
                subject,
                &col.label,
                format!(
                    "'{}' holds {what}, which would break the csv line (values are not quoted): replaced by a space",
                    raw.trim().escape_debug()
                ),
            );
            input = text.as_str();
        }
    }
    enc.clean_text(input, &subject, &col.label, upper, w);
    value.extend_from_slice(enc.encoded());
    if let Format::Csv { delimiter, .. } = t.format {
        // A transliteration may yield the delimiter (U+2E35 → ';'): same rule, on the bytes.
        if value.contains(&delimiter) {
            let before = CodePage::Windows1252.decode(value);
            for b in value.iter_mut().filter(|b| **b == delimiter) {
                *b = b' ';
            }
            value.dedup_by(|a, b| *a == b' ' && *b == b' ');
            while value.last() == Some(&b' ') {
                value.pop();
            }
            while value.first() == Some(&b' ') {
                value.remove(0);
            }
            w.push(
                WarningKind::DelimiterRemoved,
                subject,
                &col.label,
                format!(
                    "'{before}' holds the delimiter once transliterated: written '{}'",
                    CodePage::Windows1252.decode(value)
                ),
            );
        }
    }
    if alnum_only && !value.iter().all(|b| b.is_ascii_alphanumeric()) {
        let before = CodePage::Windows1252.decode(value);
        value.retain(|b| b.is_ascii_alphanumeric());
        w.push(
            WarningKind::InvalidCharacters,
            subject,
            &col.label,
            crate::said!(Msg::WarnInvalidChars, before = before, after = CodePage::Windows1252.decode(value)),
        );
    }
}

/// Copies `raw` into `out` with each run of delimiters, CR and LF (and the spaces around it)
/// replaced by one space; says whether delimiters, and line breaks, were found.
fn strip_separators(raw: &str, delimiter: char, out: &mut String) -> (bool, bool) {
    let breaks = |c: char| c == delimiter || c == '\r' || c == '\n';
    if !raw.contains(breaks) {
        return (false, false);
    }
    let found = (raw.contains(delimiter), raw.contains(['\r', '\n']));
    out.clear();
    let mut pending = false;
    for c in raw.chars() {
        if breaks(c) {
            while out.ends_with(' ') {
                out.pop();
            }
            pending = true;
            continue;
        }
        if pending {
            if c == ' ' {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            pending = false;
        }
        out.push(c);
    }
    found
}

/// Writes `value` into a fixed-width slot. An empty value leaves the slot blank whatever the
/// pad: `000000` would read as a value.
fn place(slot: &mut [u8], value: &[u8], align: Align, pad: u8) {
    if value.is_empty() {
        slot.fill(b' ');
        return;
    }
    let fill = slot.len() - value.len();
    match align {
        Align::Left => {
            slot[..value.len()].copy_from_slice(value);
            slot[value.len()..].fill(pad);
        }
        // Zero padding keeps the sign in front: -0012,50, not 00-12,50.
        Align::Right if pad == b'0' && value[0] == b'-' => {
            slot[0] = b'-';
            slot[1..=fill].fill(b'0');
            slot[fill + 1..].copy_from_slice(&value[1..]);
        }
        Align::Right => {
            slot[..fill].fill(pad);
            slot[fill..].copy_from_slice(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sage::Layout;

    fn layout() -> &'static Layout {
        Layout::builtin(33).unwrap()
    }

    fn tpl(text: &str) -> Arc<Template> {
        Arc::new(Template::parse(text, "t", Origin::Builtin, layout()).unwrap_or_else(|e| panic!("{e}")))
    }

    fn render(t: &Template, recs: &[&Record], w: &mut Warnings) -> Result<Vec<u8>, RefusedValue> {
        let mut line = Vec::new();
        let srcs: Vec<Src> = recs.iter().map(|r| Src { record: r, subject: "rec", warn: true }).collect();
        let mut repeated = Warnings::default();
        render_line(t, &srcs, w, &mut repeated, &mut line, &mut Scratch::new())?;
        Ok(line)
    }

    const FIXED: &str = r#"
label = "x"
one_line_per = "client"
format = "fixed"
width = 40
[[field]]
sage = "CCLI.CT_Num"
start = 1
length = 10
[[field]]
sage = "CCLI.CT_Encours"
start = 11
length = 10
pad = "0"
decimals = 2
[[field]]
sage = "CCLI.CT_DateCreate"
start = 21
length = 8
date_format = "JJMMAAAA"
[[field]]
value = "C"
start = 30
length = 1
"#;

    #[test]
    fn fixed_width_pads_numbers_right_and_keeps_the_sign_first() {
        let t = tpl(FIXED);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Num", "web530");
        r.set_named("CT_Encours", "-12,5");
        r.set_named("CT_DateCreate", "070324");
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(line, b"WEB530    -000012,5007032024 C          \r\n");
        assert!(w.is_empty(), "{:?}", w.list);
    }

    #[test]
    fn empty_values_leave_blank_slots() {
        let t = tpl(FIXED);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Encours", "");
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(line.len(), 42);
        assert_eq!(&line[..29], &[b' '; 29][..]);
    }

    #[test]
    fn a_number_too_wide_is_refused_never_cut() {
        let t = tpl(FIXED);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Encours", "123456789,00");
        let mut w = Warnings::new("in");
        let e = render(&t, &[&r], &mut w).unwrap_err();
        assert!(e.message.contains("numbers are never cut"), "{e}");
        assert!(e.field.contains("CT_Encours"), "{e}");
    }

    #[test]
    fn rounding_is_reported() {
        let t = tpl(FIXED);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Encours", "1,2350");
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(&line[10..20], b"0000001,24");
        assert_eq!(w.list[0].kind, "rounded");
    }

    #[test]
    fn typed_values_are_formatted_by_the_template_not_parsed_back() {
        let t = tpl(FIXED);
        let mut r = Record::new(layout().of(crate::sage::RecordKind::Ccli));
        r.set(crate::sage::Ccli::Num, "web530");
        r.set_named("CT_Encours", rust_decimal::Decimal::new(-125, 1));
        r.set(crate::sage::Ccli::DateCreate, jiff::civil::Date::new(2024, 3, 7).unwrap());
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(line, b"WEB530    -000012,5007032024 C          \r\n");
        assert!(w.is_empty(), "{:?}", w.list);
        // Rounded to the layout's scale (4) when set, as the Format Sage writes it, then to the
        // template's 2 decimals: the same figures as when the text "1,0050" was parsed back.
        r.set_named("CT_Encours", rust_decimal::Decimal::new(1_004_999, 6));
        assert_eq!(r.get_named("CT_Encours"), "1,0050");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(&line[10..20], b"0000001,01");
        assert_eq!(w.list[0].kind, "rounded");
        assert!(w.list[0].message.starts_with("1,0050 written with 2 decimals: 1,01"), "{}", w.list[0].message);
    }

    const CSV: &str = r#"
label = "x"
one_line_per = "client"
format = "csv"
[[field]]
sage = "CCLI.CT_Num"
too_long = "error"
[[field]]
sage = "CCLI.CT_Intitule"
length = 12
[[field]]
sage = "CCLI.CT_Encours"
"#;

    #[test]
    fn csv_values_lose_delimiters_and_line_breaks_with_a_warning() {
        let t = tpl(CSV);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Num", "A1");
        r.set_named("CT_Intitule", "Café ; Thé\r\nBio");
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(line, b"A1;Caf\xe9 Th\xe9 Bio;0,0000\r\n");
        assert_eq!(w.list.len(), 1, "{:?}", w.list);
        assert_eq!(w.list[0].kind, "delimiter_removed");
    }

    #[test]
    fn too_long_text_is_cut_or_refused_as_the_template_says() {
        let t = tpl(CSV);
        let mut r = Record::new(layout().expect("CCLI"));
        r.set_named("CT_Num", "A1");
        r.set_named("CT_Intitule", "Boulangerie Dupont et Fils");
        let mut w = Warnings::new("in");
        let line = render(&t, &[&r], &mut w).unwrap();
        assert_eq!(line, b"A1;Boulangerie;0,0000\r\n");
        assert_eq!(w.list[0].kind, "truncated");
        assert!(w.list[0].message.contains("the template's length is 12"), "{}", w.list[0].message);
        r.set_named("CT_Num", "ABCDEFGHIJKLMNOPQRS");
        let e = render(&t, &[&r], &mut w).unwrap_err();
        assert!(e.message.contains("Sage's limit for this field is 17"), "{e}");
        assert!(e.message.contains("too_long = \"error\""), "{e}");
    }

    #[test]
    fn strip_separators_keeps_words_apart() {
        let mut s = String::new();
        assert_eq!(strip_separators("abc", ';', &mut s), (false, false));
        assert_eq!(strip_separators("a ; b;c\r\n", ';', &mut s), (true, true));
        assert_eq!(s, "a b c");
        assert_eq!(strip_separators(";a", ';', &mut s), (true, false));
        assert_eq!(s, "a");
        assert_eq!(strip_separators("a\nb", ';', &mut s), (false, true));
        assert_eq!(s, "a b");
    }
}
