//! `passerelle validate`: checks a Format Sage file against the layout of its `#VER` (frame,
//! encoding, record sizes, nesting, field values, cross-record references) and reports every
//! problem with the physical line number Sage would give. Streams: memory does not grow with
//! the file, except for the sets of codes and piece numbers the cross-checks need.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::layout::{Kind, Layout, RecordLayout};
use super::parse::{Ending, LineReader, tag_like, tag_of};
use super::value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line > 0 {
            write!(f, "line {}: {s}: {}", self.line, self.message)
        } else {
            write!(f, "{s}: {}", self.message)
        }
    }
}

#[derive(Debug, Default)]
pub struct Validation {
    pub version: Option<u32>,
    pub findings: Vec<Finding>,
    /// Records per tag.
    pub counts: BTreeMap<String, usize>,
    pub lines: usize,
    /// Errors beyond the first `MAX_FINDINGS` findings: counted, not listed.
    pub unlisted_errors: usize,
}

impl Validation {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count() + self.unlisted_errors
    }

    pub fn summary(&self) -> String {
        let c = |t: &str| self.counts.get(t).copied().unwrap_or(0);
        let tags: Vec<String> = self.counts.iter().map(|(t, n)| format!("#{t} {n}")).collect();
        format!(
            "{} lines, #VER {}; {} customers, {} delivery addresses, {} documents, {} document lines ({})",
            self.lines,
            self.version.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
            c("CCLI"),
            c("CCDL"),
            c("CHEN"),
            c("CHLI"),
            tags.join(", ")
        )
    }
}

pub fn validate_file(path: &Path) -> io::Result<Validation> {
    let f = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)?;
    validate(BufReader::with_capacity(256 * 1024, f))
}

/// Findings kept in full; beyond, they are counted (a file of garbage must not fill memory
/// with messages).
const MAX_FINDINGS: usize = 1_000;
/// Value lines kept for one record: more than any layout has (#CCLI: 120).
const MAX_RECORD_LINES: usize = 10_000;

struct Current {
    tag: String,
    line: usize,
    values: Vec<String>,
}

#[derive(Default)]
struct Ctx {
    layout: Option<&'static Layout>,
    findings: Vec<Finding>,
    /// Inside a #CCLI block: its code.
    in_client: Option<String>,
    /// Inside a #CHEN block: (customer code, CHRE seen).
    in_doc: Option<(String, bool)>,
    clients: HashMap<String, HashSet<String>>,
    pieces: HashSet<(String, String, String)>,
    /// Findings not kept (beyond `MAX_FINDINGS`): (errors, warnings).
    dropped: (usize, usize),
}

impl Ctx {
    fn push(&mut self, line: usize, severity: Severity, msg: impl Into<String>) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(Finding { line, severity, message: msg.into() });
        } else if severity == Severity::Error {
            self.dropped.0 += 1;
        } else {
            self.dropped.1 += 1;
        }
    }
    fn err(&mut self, line: usize, msg: impl Into<String>) {
        self.push(line, Severity::Error, msg);
    }
    fn warn(&mut self, line: usize, msg: impl Into<String>) {
        self.push(line, Severity::Warning, msg);
    }
}

/// A line quoted in a finding: its start only.
fn quote(text: &str) -> String {
    crate::fsguard::excerpt(text, 60)
}

pub fn validate<R: BufRead>(input: R) -> io::Result<Validation> {
    let mut r = LineReader::new(input);
    let mut v = Validation::default();
    let mut cx = Ctx::default();
    let mut cur: Option<Current> = None;
    // (number, ending) of the last line.
    let mut last: Option<(usize, Ending)> = None;
    let mut fin_line = 0usize;
    let mut lf_reported = 0usize;
    loop {
        let line = match r.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => match crate::fsguard::TooLong::in_io(&e) {
                // Not a Format Sage file: say where, and stop reading it.
                Some(t) => {
                    cx.err(
                        t.line as usize,
                        format!("a line of more than {}: not a Format Sage file", crate::fsguard::human_size(t.limit)),
                    );
                    break;
                }
                None => return Err(e),
            },
        };
        v.lines = line.number;
        if line.ending == Ending::Lf {
            lf_reported += 1;
            if lf_reported <= 20 {
                cx.err(line.number, "line ends with a bare LF (CRLF required)");
            }
        }
        if line.has_control {
            cx.err(line.number, "control character inside the line");
        }
        if fin_line > 0 {
            cx.err(line.number, "content after #FIN");
            last = Some((line.number, line.ending));
            continue;
        }
        match line.number {
            1 => {
                if !line.text.starts_with('#') {
                    // Not even a tag: another kind of file (a CSV client list, a shop export).
                    // Its lines are not quoted: they are someone's data, not Format Sage.
                    cx.err(
                        1,
                        "not a Format Sage file: it must begin with the line '#FLG 000', then '#VER nn' (nothing else was checked)",
                    );
                    v.lines = line.number;
                    v.findings = std::mem::take(&mut cx.findings);
                    return Ok(v);
                }
                if line.text != "#FLG 000" {
                    cx.err(1, format!("line 1 must be '#FLG 000', found '{}'", quote(&line.text)));
                }
            }
            2 => match line.text.strip_prefix("#VER ").and_then(|n| n.trim().parse::<u32>().ok()) {
                Some(n) => {
                    v.version = Some(n);
                    cx.layout = Layout::builtin(n);
                    if cx.layout.is_none() {
                        cx.err(2, format!("no layout known for #VER {n}: records cannot be checked (known: 33)"));
                    }
                }
                None => cx.err(2, format!("line 2 must be '#VER nn', found '{}'", quote(&line.text))),
            },
            _ => {
                if line.text == "#DEV" || line.text.starts_with("#DEV ") {
                    cx.err(line.number, "#DEV belongs to Comptabilité files: Gestion Commerciale rejects it");
                } else if line.text == "#FIN" {
                    if let Some(c) = cur.take() {
                        finish(&mut cx, c, &mut v);
                    }
                    fin_line = line.number;
                } else if let Some(tag) = tag_of(&line.text) {
                    if let Some(c) = cur.take() {
                        finish(&mut cx, c, &mut v);
                    }
                    cur = Some(Current { tag: tag.to_string(), line: line.number, values: Vec::new() });
                } else if let Some(c) = cur.as_mut() {
                    if tag_like(&line.text) {
                        cx.warn(
                            line.number,
                            format!("'{}' looks like a tag but is not a known one: read as a value", quote(&line.text)),
                        );
                    }
                    if c.values.len() < MAX_RECORD_LINES {
                        c.values.push(line.text.clone());
                    } else if c.values.len() == MAX_RECORD_LINES {
                        cx.err(c.line, format!("#{} has more than {MAX_RECORD_LINES} lines: a tag is missing", c.tag));
                        c.values.push(String::new());
                    }
                } else {
                    cx.err(line.number, format!("'{}' is outside any record", quote(&line.text)));
                }
            }
        }
        last = Some((line.number, line.ending));
    }
    if lf_reported > 20 {
        cx.err(0, format!("{lf_reported} lines end with a bare LF in all"));
    }
    for n in r.bare_cr.iter().take(20) {
        cx.err(*n, "bare CR inside a line");
    }
    if let Some(c) = cur.take() {
        finish(&mut cx, c, &mut v);
    }
    match &last {
        None => cx.err(0, "the file is empty"),
        Some(_) if fin_line == 0 => cx.err(v.lines, "the file does not end with #FIN: truncated?"),
        Some((n, ending)) if *n == fin_line && *ending != Ending::CrLf => cx.err(*n, "#FIN must be followed by CRLF"),
        _ => {}
    }
    if r.bom {
        cx.err(1, "UTF-8 BOM: never present in a Sage file");
    }
    if r.utf8_high && !r.any_invalid_utf8 {
        cx.err(0, "the file is valid UTF-8 with accented characters: it was written or re-encoded as UTF-8, not CP850");
    } else if looks_like_windows_1252(r.low_high.0, r.low_high.1) {
        cx.warn(0, "many bytes in 0xE0-0xFF and almost none in 0x80-0x9F: the file looks like Windows-1252, not CP850");
    }
    if cx.dropped != (0, 0) {
        let (e, w) = cx.dropped;
        cx.dropped = (0, 0);
        let message = format!("{e} more error(s) and {w} more warning(s) not listed (the first {MAX_FINDINGS} are)");
        cx.findings.push(Finding { line: 0, severity: Severity::Error, message });
        // The errors not listed still count (the summary line above counts as one).
        v.unlisted_errors = e.saturating_sub(1);
    }
    v.findings = cx.findings;
    v.findings.sort_by_key(|f| (f.line, f.severity));
    Ok(v)
}

/// Windows-1252 French text puts its accented letters (é è à ç ê...) in 0xE0-0xFF, where
/// CP850 has rare letters and signs; CP850 puts them in 0x80-0x9F. So: many of the former
/// and almost none of the latter. A few high bytes (a `N°`, a `ß`) prove nothing, and
/// passerelle's own output must not be suspected for them.
fn looks_like_windows_1252(low: usize, high: usize) -> bool {
    const MANY: usize = 20;
    high >= MANY && low * 20 <= high
}

fn finish(cx: &mut Ctx, c: Current, v: &mut Validation) {
    *v.counts.entry(c.tag.clone()).or_insert(0) += 1;
    nesting(cx, &c);
    let Some(layout) = cx.layout else { return };
    let Some(rl) = layout.record(&c.tag) else {
        return;
    };
    let n = c.values.len();
    let ok = if rl.tail > 0 { n >= rl.fixed && (n - rl.fixed).is_multiple_of(rl.tail) } else { n == rl.fixed };
    if !ok {
        let expected =
            if rl.tail > 0 { format!("{} + a multiple of {}", rl.fixed, rl.tail) } else { rl.fixed.to_string() };
        cx.err(
            c.line,
            format!(
                "#{} has {n} lines, #VER {} expects {expected}: every later field is shifted",
                c.tag, layout.version
            ),
        );
        return;
    }
    fields(cx, rl, &c);
    cross(cx, &c);
}

fn nesting(cx: &mut Ctx, c: &Current) {
    match c.tag.as_str() {
        "CCLI" => {
            let code = c.values.first().cloned().unwrap_or_default();
            // A client written again (an update of a block written earlier in the file)
            // declares its delivery addresses anew.
            cx.clients.insert(code.clone(), HashSet::new());
            cx.in_client = Some(code);
            cx.in_doc = None;
        }
        "CCDL" | "MCTT" | "CBQT" | "CRLT" | "MCIC" => {
            match &cx.in_client {
                Some(code) => {
                    if c.tag == "CCDL" {
                        let i = c.values.first().cloned().unwrap_or_default();
                        let list = cx.clients.entry(code.clone()).or_default();
                        if !list.insert(i.clone()) {
                            cx.err(c.line, format!("delivery address '{i}' twice for client {code}: intitulés must be unique per client"));
                        }
                    }
                }
                None => cx.err(c.line, format!("#{} outside a #CCLI block", c.tag)),
            }
        }
        "CHEN" => {
            cx.in_client = None;
            cx.in_doc = Some((c.values.get(10).cloned().unwrap_or_default(), false));
        }
        "CHLI" => match &cx.in_doc {
            None => cx.err(c.line, "#CHLI outside a document (no #CHEN before it)"),
            Some((_, true)) => cx.err(c.line, "#CHLI after a #CHRE: due dates come after all the lines"),
            Some(_) => {}
        },
        "CHRE" => match cx.in_doc.as_mut() {
            None => cx.err(c.line, "#CHRE outside a document"),
            Some(d) => d.1 = true,
        },
        "CIVA" => {
            if cx.in_client.is_none() && cx.in_doc.is_none() {
                cx.err(c.line, "#CIVA without a #CCLI, #CHEN or #CHLI before it");
            }
        }
        _ => {
            cx.in_client = None;
            cx.in_doc = None;
        }
    }
}

fn fields(cx: &mut Ctx, rl: &RecordLayout, c: &Current) {
    for (f, val) in rl.fields.iter().zip(&c.values) {
        let line = c.line + f.pos;
        let at = || format!("#{} {} {} ({})", rl.tag, f.pos, f.label, f.name);
        if val.trim().is_empty() {
            if f.required {
                cx.err(line, format!("{}: required, and empty: Sage refuses the record", at()));
            }
            continue;
        }
        if val.starts_with('#') {
            cx.warn(line, format!("{}: value '{val}' starts with '#'", at()));
        }
        match f.kind {
            Kind::Text => {
                let len = val.chars().count();
                if let Some(max) = f.max
                    && len > max
                {
                    cx.err(line, format!("{}: {len} characters, at most {max}", at()));
                }
                if f.upper && val.chars().any(char::is_lowercase) {
                    cx.err(line, format!("{}: '{val}' must be uppercase", at()));
                }
                if f.alnum_only() && !val.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                    cx.err(line, format!("{}: '{val}' may hold only A-Z and 0-9", at()));
                }
                if val != val.trim() {
                    cx.warn(line, format!("{}: leading or trailing spaces", at()));
                }
            }
            Kind::Int => match val.parse::<i64>() {
                Ok(n) => {
                    if let Some([lo, hi]) = f.range
                        && (n < lo || n > hi)
                    {
                        cx.err(line, format!("{}: {n} is outside {lo}..{hi}", at()));
                    }
                }
                Err(_) => cx.err(line, format!("{}: '{val}' is not a whole number", at())),
            },
            Kind::Dec => {
                if value::parse_dec(val).is_none() {
                    let why = if val.contains('.') { " (decimal separator must be a comma)" } else { "" };
                    cx.err(line, format!("{}: '{val}' is not a number{why}", at()));
                } else if let Some(scale) = f.scale
                    && value::decimals_of(val) != scale as usize
                {
                    cx.warn(
                        line,
                        format!(
                            "{}: '{val}' has {} decimals, Sage's export writes {scale}",
                            at(),
                            value::decimals_of(val)
                        ),
                    );
                }
            }
            Kind::Date => {
                if value::parse_date(val).is_none() {
                    cx.err(line, format!("{}: '{val}' is not a JJMMAA date", at()));
                }
            }
            Kind::Time => {
                if value::parse_time(val).is_none() {
                    cx.err(line, format!("{}: '{val}' is not a HH:MM:SS time", at()));
                }
            }
        }
    }
}

fn cross(cx: &mut Ctx, c: &Current) {
    let at = |i: usize| c.values.get(i - 1).map(String::as_str).unwrap_or("");
    match c.tag.as_str() {
        "CHEN" => {
            let key = (at(1).to_string(), at(2).to_string(), at(5).to_string());
            if !key.2.is_empty() && !cx.pieces.insert(key.clone()) {
                cx.err(c.line + 5, format!("piece number {} used twice in this file", key.2));
            }
            let tiers = at(11).to_string();
            let depot = at(13).to_string();
            if !depot.is_empty()
                && let Some(list) = cx.clients.get(&tiers)
                && !list.contains(&depot)
            {
                cx.err(
                    c.line + 13,
                    format!("delivery address '{depot}' is not a #CCDL of client {tiers} in this file"),
                );
            }
        }
        "CHLI" => {
            if let Some((tiers, _)) = &cx.in_doc
                && at(42) != tiers
            {
                let msg = format!("#CHLI 42 (tiers) '{}' differs from the document's tiers '{tiers}'", at(42));
                cx.err(c.line + 42, msg);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Warnings;
    use crate::sage::Record;
    use crate::write::sage::RecordEncoder;

    fn file_with(records: &[Record]) -> Vec<u8> {
        let mut out = b"#FLG 000\r\n#VER 33\r\n".to_vec();
        let mut enc = RecordEncoder::default();
        let mut w = Warnings::default();
        for r in records {
            enc.write_record(r, &"test", &mut w, &mut out).unwrap();
        }
        out.extend_from_slice(b"#FIN\r\n");
        out
    }

    fn client() -> Record {
        let l = Layout::builtin(33).unwrap();
        let mut r = Record::new(l.expect("CCLI"));
        r.set("CT_Num", "WEB000530");
        r.set("CG_NumPrinc", "4110000");
        r.set("CT_Intitule", "Marie Dupont");
        r.set("CT_NumPayeur", "WEB000530");
        r.set("CT_DateCreate", "281126");
        r
    }

    #[test]
    fn a_written_client_is_valid() {
        let v = validate(&file_with(&[client()])[..]).unwrap();
        assert_eq!(v.errors(), 0, "{:?}", v.findings);
        assert_eq!(v.counts["CCLI"], 1);
    }

    #[test]
    fn problems_carry_line_numbers() {
        let mut bytes = file_with(&[client()]);
        // Field 32 (catégorie comptable) of the #CCLI at line 3 is on line 35.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let mut lines: Vec<&str> = text.split("\r\n").collect();
        lines[34] = "99";
        lines[2 + 5] = "x".repeat(70).leak();
        bytes = lines.join("\r\n").into_bytes();
        let v = validate(&bytes[..]).unwrap();
        let msgs: Vec<String> = v.findings.iter().map(|f| f.to_string()).collect();
        assert!(msgs.iter().any(|m| m.starts_with("line 35: error") && m.contains("outside 1..50")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("line 8: error") && m.contains("at most 69")), "{msgs:?}");
    }

    #[test]
    fn frame_errors() {
        let v = validate(&b"#FLG 000\n#VER 33\r\n"[..]).unwrap();
        let msgs: Vec<String> = v.findings.iter().map(|f| f.to_string()).collect();
        assert!(msgs.iter().any(|m| m.contains("bare LF")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("#FIN")), "{msgs:?}");
        let v = validate(&b"#FLG 000\r\n#VER 33\r\n#DEV EUR\r\n#FIN\r\n"[..]).unwrap();
        assert!(v.findings.iter().any(|f| f.line == 3 && f.message.contains("#DEV")));
    }

    #[test]
    fn another_kind_of_file_is_one_error_that_quotes_none_of_it() {
        let csv = "N° compte;Intitulé;E-mail\r\nBOULDUPONT;Boulangerie Dupont;contact@dupont.fr\r\n";
        let v = validate(csv.as_bytes()).unwrap();
        assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
        assert!(v.findings[0].message.contains("not a Format Sage file"), "{}", v.findings[0]);
        assert!(!v.findings[0].message.contains("Dupont") && !v.findings[0].message.contains("compte"));
    }

    #[test]
    fn an_empty_required_field_is_an_error() {
        let mut r = client();
        r.set("CT_Intitule", "");
        let v = validate(&file_with(&[r])[..]).unwrap();
        // #CCLI at line 3: field 5 on line 8.
        let f = v.findings.iter().find(|f| f.severity == Severity::Error).expect("an error");
        assert_eq!(f.line, 8, "{f}");
        assert!(f.message.contains("CT_Intitule") && f.message.contains("required"), "{f}");
        assert_eq!(v.errors(), 1, "{:?}", v.findings);
    }

    #[test]
    fn a_few_high_bytes_are_not_windows_1252() {
        let mut r = client();
        // N° and ß are 0xF8 and 0xE1 in CP850: no accented letter in 0x80-0x9F.
        r.set("CT_Adresse", "N° 3 Straße");
        r.set("CT_Complement", "Bat. N° 2");
        let bytes = file_with(&[r.clone(), r.clone()]);
        let v = validate(&bytes[..]).unwrap();
        assert!(!v.findings.iter().any(|f| f.message.contains("Windows-1252")), "{:?}", v.findings);
        // The same file in Windows-1252 with French accents throughout is suspected.
        let text = "#FLG 000\r\n#VER 33\r\n".to_string() + &"Zoé Lefèvre à Besançon\r\n".repeat(10) + "#FIN\r\n";
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let v = validate(&cp1252[..]).unwrap();
        assert!(v.findings.iter().any(|f| f.message.contains("Windows-1252")), "{:?}", v.findings);
        assert!(!looks_like_windows_1252(0, 19));
        assert!(looks_like_windows_1252(1, 40));
        assert!(!looks_like_windows_1252(10, 40));
    }

    #[test]
    fn a_short_record_is_reported_at_its_tag() {
        let bytes = b"#FLG 000\r\n#VER 33\r\n#CCDL\r\nA\r\n#FIN\r\n";
        let v = validate(&bytes[..]).unwrap();
        assert!(v.findings.iter().any(|f| f.line == 3 && f.message.contains("has 1 lines")), "{:?}", v.findings);
        assert!(v.findings.iter().any(|f| f.line == 3 && f.message.contains("outside a #CCLI")), "{:?}", v.findings);
    }
}
