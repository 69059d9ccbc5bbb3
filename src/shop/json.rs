//! JSON exports read in bounded memory: the WooCommerce REST API's order list
//! (`/wp-json/wc/v3/orders`, an array of orders), Magento 2's order search result
//! (`GET /V1/orders`: `{"items": [...], "search_criteria": ..., "total_count": N}`), a single
//! order of either, or several such pages saved one after the other.
//!
//! A first pass walks the bytes without recursion and without keeping any value: it checks
//! that brackets and strings are balanced, refuses nesting deeper than `MAX_DEPTH` and records
//! where each record (order) starts and ends. Then each record is parsed alone with
//! serde_json when it is read, so memory holds one order whatever the size of the file. A
//! problem names the file, the line and byte where it is and the JSON path leading to it.
//!
//! Numbers keep the text they were written with (serde_json's `arbitrary_precision`): amounts
//! become `Decimal`s without passing through a float.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::Value;

use super::values::parse_plain;
use crate::error::InputError;

/// A larger JSON export is not one a shop wrote for a person to convert: export fewer orders
/// per file (the APIs page their results).
pub const MAX_FILE: u64 = 1 << 30;
/// One order of several megabytes is not an order.
pub const MAX_RECORD: u64 = 16 << 20;
/// The REST orders nest about eight levels (`extension_attributes.shipping_assignments[0]
/// .items[0].parent_item...`); deeper is not an export, and could exhaust a recursive parser.
pub const MAX_DEPTH: usize = 64;

/// Where a record is in the file: bytes `start..end`, starting on `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
    pub line: u64,
}

/// Is this JSON (after a BOM and blanks)? Then `open` reads it as such.
pub fn looks_like_json(sample: &[u8]) -> bool {
    let s = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    matches!(s.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

struct Frame {
    object: bool,
    /// In an object: the next string is a key.
    expect_key: bool,
    /// The current key (objects, cut to 64 bytes) or element index (arrays), for paths.
    key: Vec<u8>,
    index: usize,
    /// Its elements are records.
    records: bool,
}

/// The records of a JSON export and how they were laid out.
pub struct Scan {
    pub records: Vec<Span>,
    /// "array", "search result (items)", "single object", with "pages" when several values.
    pub layout: String,
}

fn path_of(stack: &[Frame]) -> String {
    let mut s = String::from("$");
    for (n, f) in stack.iter().enumerate() {
        if n == 8 {
            s.push('…');
            break;
        }
        if f.object {
            if !f.key.is_empty() {
                s.push('.');
                s.push_str(&String::from_utf8_lossy(&f.key));
            }
        } else {
            s.push_str(&format!("[{}]", f.index));
        }
    }
    s
}

/// Walks the file once (see the module comment).
pub fn scan(path: &Path) -> Result<Scan, InputError> {
    let io = |source| InputError::Io { path: path.to_path_buf(), source };
    // A regular file only (a FIFO or a device is refused, never waited on).
    let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_FILE {
        return Err(InputError::Other {
            path: path.to_path_buf(),
            message: format!(
                "{} MB of JSON, more than the {} MB passerelle reads in one file: export the orders in several pages",
                size >> 20,
                MAX_FILE >> 20
            ),
        });
    }
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let malformed = |line: u64, message: String| InputError::Malformed { path: path.to_path_buf(), line, message };

    let mut stack: Vec<Frame> = Vec::new();
    let (mut in_string, mut escape, mut key_string) = (false, false, false);
    let mut line = 1u64;
    let mut pos = 0u64;
    let mut last = 0u64;
    // The record being read: where it started.
    let mut open: Option<(u64, u64)> = None;
    let mut records: Vec<Span> = Vec::new();
    // The top-level value: where it started, its keys (objects), the records of its `items`.
    let mut top: Option<(u64, u64, bool)> = None;
    let mut top_keys: Vec<Vec<u8>> = Vec::new();
    let mut items: Vec<Span> = Vec::new();
    let mut items_array = false;
    let mut values = 0u32;
    let mut layouts: Vec<&str> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut first = true;
    loop {
        let n = reader.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if first {
            first = false;
            if chunk.starts_with(b"\xFF\xFE") || chunk.starts_with(b"\xFE\xFF") {
                return Err(malformed(
                    1,
                    "JSON saved as UTF-16 (\"Unicode\" in Notepad): save it as UTF-8 and convert it again".into(),
                ));
            }
            if let Some(rest) = chunk.strip_prefix(b"\xEF\xBB\xBF") {
                chunk = rest;
                pos = 3;
            }
        }
        for &b in chunk {
            let at = pos;
            pos += 1;
            if b == b'\n' {
                line += 1;
            }
            if in_string {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                    if key_string {
                        key_string = false;
                        if stack.len() == 1 && stack[0].object {
                            top_keys.push(stack[0].key.clone());
                        }
                    }
                } else if key_string {
                    let f = stack.last_mut().expect("a key is in an object");
                    if f.key.len() < 64 {
                        f.key.push(b);
                    }
                }
                if !in_string {
                    last = at;
                }
                continue;
            }
            if b.is_ascii_whitespace() {
                continue;
            }
            if stack.is_empty() && !matches!(b, b'{' | b'[') {
                return Err(malformed(
                    line,
                    format!(
                        "byte {at}: '{}' where a JSON object or array should start: not a JSON export (or text after its end)",
                        char::from(b).escape_default()
                    ),
                ));
            }
            if stack.last().is_some_and(|f| f.records) && !matches!(b, b',' | b']') && open.is_none() {
                open = Some((at, line));
            }
            match b {
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(malformed(
                            line,
                            format!(
                                "byte {at}: JSON nested deeper than {MAX_DEPTH} levels at {}: not a shop export",
                                path_of(&stack)
                            ),
                        ));
                    }
                    let records = b == b'['
                        && (stack.is_empty() || (stack.len() == 1 && stack[0].object && stack[0].key == b"items"));
                    if stack.is_empty() {
                        top = Some((at, line, b == b'{'));
                        top_keys.clear();
                        items.clear();
                        items_array = false;
                        values += 1;
                    }
                    items_array |= records && !stack.is_empty();
                    stack.push(Frame { object: b == b'{', expect_key: b == b'{', key: Vec::new(), index: 0, records });
                }
                b'}' | b']' => {
                    let Some(f) = stack.pop() else {
                        return Err(malformed(line, format!("byte {at}: '{}' closes nothing", char::from(b))));
                    };
                    if f.object != (b == b'}') {
                        stack.push(f);
                        return Err(malformed(
                            line,
                            format!(
                                "byte {at}: '{}' does not close what is open at {}",
                                char::from(b),
                                path_of(&stack)
                            ),
                        ));
                    }
                    if f.records
                        && let Some((start, l)) = open.take()
                    {
                        // A scalar element: it ends at the last byte before the bracket.
                        push_record(&mut records, &mut items, stack.len() + 1, Span { start, end: last + 1, line: l })
                            .map_err(|m| malformed(l, m))?;
                    }
                    if stack.last().is_some_and(|p| p.records)
                        && let Some((start, l)) = open.take()
                    {
                        push_record(&mut records, &mut items, stack.len(), Span { start, end: at + 1, line: l })
                            .map_err(|m| malformed(l, m))?;
                    }
                    if stack.is_empty() {
                        let (start, l, object) = top.take().expect("a top-level value is open");
                        if object {
                            // A search result lists its orders in `items`; an order of its own
                            // (which has `items` too: its lines) is one record.
                            let single =
                                top_keys.iter().any(|k| k == b"increment_id" || k == b"order_key") || !items_array;
                            if single {
                                let span = Span { start, end: at + 1, line: l };
                                if span.end - span.start > MAX_RECORD {
                                    return Err(malformed(l, too_big(span)));
                                }
                                records.push(span);
                                layouts.push("single object");
                            } else {
                                records.append(&mut items);
                                layouts.push("search result (items)");
                            }
                        } else {
                            layouts.push("array");
                        }
                        items.clear();
                    }
                }
                b'"' => {
                    in_string = true;
                    if let Some(f) = stack.last_mut()
                        && f.object
                        && f.expect_key
                    {
                        key_string = true;
                        f.key.clear();
                        f.expect_key = false;
                    }
                }
                b',' => {
                    if let Some(f) = stack.last_mut() {
                        if f.object {
                            f.expect_key = true;
                        } else {
                            f.index += 1;
                        }
                        if f.records
                            && let Some((start, l)) = open.take()
                        {
                            let depth = stack.len();
                            push_record(&mut records, &mut items, depth, Span { start, end: last + 1, line: l })
                                .map_err(|m| malformed(l, m))?;
                        }
                    }
                }
                _ => {}
            }
            last = at;
        }
    }
    if in_string || !stack.is_empty() {
        return Err(malformed(
            line,
            format!(
                "the file ends inside {}{}: it was cut short",
                if in_string { "a string at " } else { "" },
                path_of(&stack)
            ),
        ));
    }
    if values == 0 {
        return Err(InputError::Empty { path: path.to_path_buf() });
    }
    layouts.dedup();
    let mut layout = layouts.join(", ");
    if values > 1 {
        layout.push_str(&format!(", {values} pages"));
    }
    Ok(Scan { records, layout })
}

fn too_big(s: Span) -> String {
    format!(
        "the record starting at byte {} holds {} MB, more than the {} MB an order may: not a shop export",
        s.start,
        (s.end - s.start) >> 20,
        MAX_RECORD >> 20
    )
}

/// A record found at `depth` (1 = in a top-level array, 2 = in a top-level object's `items`).
fn push_record(records: &mut Vec<Span>, items: &mut Vec<Span>, depth: usize, s: Span) -> Result<(), String> {
    if s.end - s.start > MAX_RECORD {
        return Err(too_big(s));
    }
    if depth == 1 {
        records.push(s)
    } else {
        items.push(s)
    }
    Ok(())
}

/// The records of a scanned file, parsed one at a time.
pub struct Records {
    pub path: PathBuf,
    pub spans: Vec<Span>,
    pub layout: String,
    file: BufReader<File>,
    buf: Vec<u8>,
}

impl Records {
    pub fn open(path: &Path) -> Result<Records, InputError> {
        let scan = scan(path)?;
        let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
            .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        Ok(Records {
            path: path.to_path_buf(),
            spans: scan.records,
            layout: scan.layout,
            file: BufReader::new(file),
            buf: Vec::new(),
        })
    }

    /// Record `i`, parsed. `Ok(Err((line, message)))`: the record is not valid JSON (the
    /// others may be); `Err`: the file could not be read.
    pub fn get(&mut self, i: usize) -> Result<Result<Value, (u64, String)>, InputError> {
        let s = self.spans[i];
        let io = |source| InputError::Io { path: self.path.clone(), source };
        self.file.seek(SeekFrom::Start(s.start)).map_err(io)?;
        self.buf.resize((s.end - s.start) as usize, 0);
        self.file.read_exact(&mut self.buf).map_err(|source| InputError::Io { path: self.path.clone(), source })?;
        Ok(serde_json::from_slice(&self.buf)
            .map_err(|e| (s.line + (e.line() as u64).max(1) - 1, format!("record {} is not valid JSON: {e}", i + 1))))
    }
}

/// The value at `path` in `v`: keys joined with `.`, array positions as numbers
/// (`extension_attributes.shipping_assignments.0.shipping.address`). `meta:KEY` is the value
/// of the `meta_data` entry whose key is KEY (WooCommerce's custom fields).
pub fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(key) = path.strip_prefix("meta:") {
        return v
            .get("meta_data")?
            .as_array()?
            .iter()
            .find(|m| m.get("key").and_then(Value::as_str) == Some(key))
            .and_then(|m| m.get("value"));
    }
    let mut cur = v;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A value as text: strings trimmed, numbers as written, booleans 1/0, an array of strings as
/// lines (Magento's `street`); `None` for null, objects and empty text.
pub fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Array(a) => a.iter().filter_map(text).collect::<Vec<_>>().join("\n"),
        Value::Null | Value::Object(_) => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// The text at `path`, empty when absent or null.
pub fn str_at(v: &Value, path: &str) -> String {
    lookup(v, path).and_then(text).unwrap_or_default()
}

/// An amount at `key` of `v`: a JSON number or a string holding one (WooCommerce writes money
/// as strings, Magento as numbers). `Ok(None)` when absent, null or empty; `Err` holds the
/// value that is not a number.
pub fn amount(v: &Value, key: &str) -> Result<Option<Decimal>, String> {
    let Some(x) = lookup(v, key) else { return Ok(None) };
    let t = match x {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        other => return Err(other.to_string()),
    };
    // JSON allows exponents (`1e2`); no shop writes them, but they are numbers.
    let parsed =
        parse_plain(&t).or_else(|| Decimal::from_scientific(&t).ok().filter(|d| d.abs() < super::values::MAX_AMOUNT));
    parsed.map(Some).ok_or(t)
}

/// The elements of the array at `key` (none when absent or not an array).
pub fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    lookup(v, key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_text(text: &str) -> Result<Scan, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, text).unwrap();
        scan(&p)
    }

    fn slices(text: &str) -> Vec<String> {
        let s = scan_text(text).unwrap();
        s.records.iter().map(|r| text[r.start as usize..r.end as usize].to_string()).collect()
    }

    #[test]
    fn records_of_each_layout() {
        assert_eq!(
            slices("[{\"a\":1}, {\"b\":[1,{\"c\":\"]\\\"}\"}]}]"),
            vec!["{\"a\":1}", "{\"b\":[1,{\"c\":\"]\\\"}\"}]}"]
        );
        let search = "{\"items\":[{\"increment_id\":\"1\",\"items\":[{\"sku\":\"A\"}]},\n{\"increment_id\":\"2\",\"items\":[]}],\"search_criteria\":{},\"total_count\":2}";
        let r = slices(search);
        assert_eq!(r.len(), 2);
        assert!(r[1].starts_with("{\"increment_id\":\"2\""));
        assert_eq!(scan_text(search).unwrap().records[1].line, 2);
        // One order of its own: its `items` are its lines, not records.
        let single = "{\"increment_id\":\"3\",\"items\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}";
        assert_eq!(slices(single), vec![single]);
        // Pages saved one after the other, with a BOM.
        let pages = "\u{feff}[{\"id\":1}]\n[{\"id\":2},{\"id\":3}]\n";
        let s = scan_text(pages).unwrap();
        assert_eq!(s.records.len(), 3);
        assert_eq!(s.layout, "array, 2 pages");
        assert_eq!(slices("[1, \"x\" ,null]"), vec!["1", "\"x\"", "null"]);
        assert!(scan_text("[]").unwrap().records.is_empty());
    }

    #[test]
    fn bad_json_is_named_with_its_line_byte_and_path() {
        let e = scan_text("[{\"a\":\n{\"b\":[1,2}}]").err().unwrap().to_string();
        assert!(e.contains("x.json: line 2:") && e.contains("byte 16") && e.contains("$[0].a.b[1]"), "{e}");
        let e = scan_text("[{\"a\":\"open").err().unwrap().to_string();
        assert!(e.contains("cut short") && e.contains("a string at $[0].a"), "{e}");
        let e = scan_text("{\"a\":1} x").err().unwrap().to_string();
        assert!(e.contains("byte 8") && e.contains("not a JSON export"), "{e}");
        assert!(matches!(scan_text("  \n").err().unwrap(), InputError::Empty { .. }));
        let e = scan_text("\u{FEFF}").err().unwrap();
        assert!(matches!(e, InputError::Empty { .. }), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        // A million levels: the walk keeps a stack of frames on the heap and stops at the limit.
        let deep = "[".repeat(1_000_000);
        let e = scan_text(&deep).err().unwrap().to_string();
        assert!(e.contains(&format!("deeper than {MAX_DEPTH} levels")), "{e}");
        let ok = format!("[{}{}]", "[".repeat(MAX_DEPTH - 2), "]".repeat(MAX_DEPTH - 2));
        assert_eq!(scan_text(&ok).unwrap().records.len(), 1);
    }

    #[test]
    fn a_record_or_a_file_too_large_is_refused() {
        let big = format!("[{{\"a\":\"{}\"}}]", "x".repeat(MAX_RECORD as usize));
        let e = scan_text(&big).err().unwrap().to_string();
        assert!(e.contains("byte 1") && e.contains("16 MB"), "{e}");
        // A sparse file: its size is checked before any byte is read.
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("huge.json");
            std::fs::File::create(&p).unwrap().set_len(MAX_FILE + 1).unwrap();
            let e = scan(&p).err().unwrap().to_string();
            assert!(e.contains("huge.json") && e.contains("several pages"), "{e}");
        }
    }

    #[test]
    fn values_by_path() {
        let v: Value = serde_json::from_str(
            r#"{"a":{"b":[{"c":" x "},{"c":12.30}]},"street":["1 rue A","Bât. B"],"meta_data":[{"key":"_billing_vat","value":"FR1"}],"n":null,"s":"0.1","big":"9999999999999999","e":1e2}"#,
        )
        .unwrap();
        assert_eq!(str_at(&v, "a.b.0.c"), "x");
        assert_eq!(str_at(&v, "a.b.1.c"), "12.30");
        assert_eq!(str_at(&v, "street"), "1 rue A\nBât. B");
        assert_eq!(str_at(&v, "meta:_billing_vat"), "FR1");
        assert_eq!(str_at(&v, "n"), "");
        assert_eq!(amount(&v, "a.b.1.c"), Ok(Some("12.30".parse().unwrap())));
        assert_eq!(amount(&v, "s"), Ok(Some("0.1".parse().unwrap())));
        assert_eq!(amount(&v, "e"), Ok(Some(Decimal::from(100))));
        assert_eq!(amount(&v, "n"), Ok(None));
        assert_eq!(amount(&v, "absent"), Ok(None));
        assert!(amount(&v, "a").is_err());
        assert!(amount(&v, "big").is_err(), "beyond any shop amount");
        assert_eq!(list(&v, "a.b").len(), 2);
        assert!(list(&v, "street.0").is_empty());
    }
}
