//! Record layouts of Format Sage, loaded from `templates/sage/verNN.toml`.
//!
//! The layout is the single source of truth for positions, lengths, kinds and defaults: the
//! writer fills fields by name, the client-list reader finds fields by position, the validator
//! checks counts and values. A new `#VER` is a new data file, not new code.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Deserialize;

use super::fields::{FieldId, RecordKind};
pub use super::value::Kind;
use super::value::{Value, fmt_date, fmt_dec, fmt_time};

const VER33: &str = include_str!("../../templates/sage/ver33.toml");
const TAGS: &str = include_str!("../../templates/sage/tags.toml");

/// Is `text` a well-formed value of `kind` (a layout's defaults must be)?
pub fn kind_of_value_ok(kind: Kind, text: &str) -> bool {
    match kind {
        Kind::Text => true,
        Kind::Int => {
            let t = text.strip_prefix('-').unwrap_or(text);
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        }
        Kind::Dec => super::value::parse_dec(text).is_some(),
        Kind::Date => super::value::parse_date(text).is_some(),
        Kind::Time => super::value::parse_time(text).is_some(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub pos: usize,
    pub name: String,
    pub label: String,
    pub kind: Kind,
    pub max: Option<usize>,
    #[serde(default)]
    pub upper: bool,
    pub charset: Option<String>,
    pub scale: Option<u32>,
    pub range: Option<[i64; 2]>,
    pub default: Option<String>,
    #[serde(default)]
    pub template: bool,
    /// Sage refuses the record when this field is empty (a key, or a reference that must
    /// exist): the writer fails such a record, the validator reports it.
    #[serde(default)]
    pub required: bool,
    pub note: Option<String>,
    /// `default` as a typed value (`Value::EMPTY` when there is none), parsed once at load.
    #[serde(skip)]
    pub typed_default: Value,
    /// `default` is empty or only spaces: the field left unset is blank (`Record::is_blank`).
    #[serde(skip)]
    pub blank_default: bool,
}

impl FieldSpec {
    /// "CT_Intitule (#CCLI 5)": how messages name a field.
    pub fn describe(&self, tag: &str) -> String {
        format!("{} (#{} {})", self.name, tag, self.pos)
    }

    /// `v` as the Format Sage writes it in this field.
    pub fn text<'a>(&'a self, v: &'a Value) -> Cow<'a, str> {
        match v {
            Value::Unset => Cow::Borrowed(self.default.as_deref().unwrap_or("")),
            Value::Text(s) | Value::Verbatim(s) => Cow::Borrowed(s),
            Value::Dec(d) => Cow::Owned(fmt_dec(*d, self.scale.unwrap_or(2))),
            Value::Int(n) => Cow::Owned(n.to_string()),
            Value::Date(d) => Cow::Owned(fmt_date(*d)),
            Value::Time(t) => Cow::Owned(fmt_time(*t)),
        }
    }

    /// Only `A-Z0-9` allowed (piece numbers, tax codes).
    pub fn alnum_only(&self) -> bool {
        self.charset.as_deref() == Some("A-Z0-9")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordLayout {
    pub tag: String,
    pub label: String,
    pub fixed: usize,
    /// Lines per repeating tail item after the fixed fields (0 = no tail).
    #[serde(default)]
    pub tail: usize,
    pub tail_label: Option<String>,
    #[serde(default)]
    pub children: Vec<String>,
    #[serde(rename = "field")]
    pub fields: Vec<FieldSpec>,
    #[serde(skip)]
    by_name: rustc_hash::FxHashMap<String, usize>,
    /// The record kind whose ids this layout resolved (`None`: a record the code only counts
    /// or copies, such as `#CIVA`).
    #[serde(skip)]
    kind: Option<RecordKind>,
    /// Field index (0-based) of each id of `kind`, by ordinal.
    #[serde(skip)]
    ids: Vec<usize>,
    /// Every field as the Format Sage writes it when it is not set (its default, or nothing),
    /// each followed by CRLF, end to end: a run of unset fields is one copy (`unset_lines`).
    #[serde(skip)]
    unset: Vec<u8>,
    /// Where each field's line starts in `unset`; one more entry for the end.
    #[serde(skip)]
    unset_starts: Vec<u32>,
    /// Indexes (0-based) of the fields Sage requires: checked on every record written.
    #[serde(skip)]
    required: Vec<usize>,
}

impl RecordLayout {
    /// Index (0-based) of the field called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.index_of(name).map(|i| &self.fields[i])
    }

    /// Index (0-based) of the field `f`, resolved when the layout loaded. Using an id of
    /// another record is a defect of the code, never of the data: it stops loudly.
    #[inline]
    pub fn index<F: FieldId>(&self, f: F) -> usize {
        assert!(self.kind == Some(F::RECORD), "{} is a field of #{}, not of #{}", f.name(), F::RECORD.tag(), self.tag);
        self.ids[f.ordinal()]
    }

    /// The spec of the field `f`.
    pub fn spec<F: FieldId>(&self, f: F) -> &FieldSpec {
        &self.fields[self.index(f)]
    }

    pub fn kind(&self) -> Option<RecordKind> {
        self.kind
    }

    /// The field at 1-based position `pos`.
    pub fn at(&self, pos: usize) -> Option<&FieldSpec> {
        pos.checked_sub(1).and_then(|i| self.fields.get(i))
    }

    /// The lines of fields `from..to` (0-based) none of which is set, CRLF after each, as the
    /// Format Sage writes them: the defaults were checked at load to need no encoding.
    #[inline]
    pub fn unset_lines(&self, from: usize, to: usize) -> &[u8] {
        &self.unset[self.unset_starts[from] as usize..self.unset_starts[to] as usize]
    }

    /// `unset_lines(from, to)` appended to `buf`; nothing, not even a call to copy nothing,
    /// between two fields set one after the other (most of a record's fields set).
    #[inline]
    pub fn push_unset(&self, buf: &mut Vec<u8>, from: usize, to: usize) {
        if from < to {
            buf.extend_from_slice(self.unset_lines(from, to));
        }
    }

    fn prepare_unset(&mut self) {
        self.unset.clear();
        self.unset_starts.clear();
        for f in &self.fields {
            self.unset_starts.push(self.unset.len() as u32);
            self.unset.extend_from_slice(f.default.as_deref().unwrap_or("").as_bytes());
            self.unset.extend_from_slice(b"\r\n");
        }
        self.unset_starts.push(self.unset.len() as u32);
        self.required = self.fields.iter().enumerate().filter(|(_, f)| f.required).map(|(i, _)| i).collect();
    }

    /// Indexes (0-based) of the fields Sage requires, in layout order.
    pub fn required(&self) -> &[usize] {
        &self.required
    }

    /// Why a record is not written when its required field `i` (0-based) would be empty.
    pub fn required_missing(&self, i: usize) -> String {
        let f = &self.fields[i];
        format!(
            "#{} {} {} ({}) would be empty and Sage requires it: the record is not written",
            self.tag, f.pos, f.label, f.name
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub version: u32,
    pub release: String,
    #[serde(rename = "record")]
    pub records: Vec<RecordLayout>,
    /// Index in `records` of each `RecordKind`, in the order of `RecordKind::ALL`.
    #[serde(skip)]
    by_kind: Vec<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("layout file: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("layout #VER {version}, record #{tag}: {message}")]
    Invalid { version: u32, tag: String, message: String },
}

impl Layout {
    /// Parses and checks a layout, then resolves the field ids of `sage::fields` in it: a
    /// layout without a record or field the code writes or reads is refused here, once,
    /// rather than missed field by field while records are written.
    pub fn parse(text: &str) -> Result<Layout, LayoutError> {
        let mut layout = Layout::parse_fields(text)?;
        layout.resolve_ids()?;
        Ok(layout)
    }

    /// The data checks of `parse`, without the ids.
    fn parse_fields(text: &str) -> Result<Layout, LayoutError> {
        let mut layout: Layout = toml::from_str(text)?;
        let version = layout.version;
        for rec in &mut layout.records {
            let bad = |message: String| LayoutError::Invalid { version, tag: rec.tag.clone(), message };
            if rec.fields.len() != rec.fixed {
                return Err(bad(format!("{} fields listed, fixed = {}", rec.fields.len(), rec.fixed)));
            }
            for (i, f) in rec.fields.iter_mut().enumerate() {
                if f.pos != i + 1 {
                    return Err(bad(format!("field {} has pos {}", i + 1, f.pos)));
                }
                if f.kind == Kind::Text && f.max.is_none() {
                    return Err(bad(format!("text field {} has no max", f.name)));
                }
                if f.required && f.default.as_deref().is_some_and(str::is_empty) {
                    return Err(bad(format!("required field {} has an empty default", f.name)));
                }
                if f.kind == Kind::Dec && f.scale.is_none() {
                    return Err(bad(format!("decimal field {} has no scale", f.name)));
                }
                // Defaults are written as they are, without the encoder's clean-up: each
                // must already be what the encoder would write.
                if let Some(d) = &f.default {
                    let clean = crate::text::printable_ascii_len(d.as_bytes()) == d.len()
                        && d.trim() == d
                        && !d.starts_with('#')
                        && d.len() <= f.max.unwrap_or(usize::MAX)
                        && (!f.upper || !d.bytes().any(|b| b.is_ascii_lowercase()))
                        && (!f.alnum_only() || d.bytes().all(|b| b.is_ascii_alphanumeric()))
                        && kind_of_value_ok(f.kind, d);
                    if !clean {
                        return Err(bad(format!("default '{d}' of {} is not written as it is", f.name)));
                    }
                }
                f.typed_default = match &f.default {
                    Some(d) => Value::parse_default(f.kind, d),
                    None => Value::EMPTY,
                };
                f.blank_default = f.default.as_deref().unwrap_or("").trim().is_empty();
                if rec.by_name.insert(f.name.clone(), i).is_some() {
                    return Err(bad(format!("field name {} twice", f.name)));
                }
            }
            rec.prepare_unset();
        }
        Ok(layout)
    }

    fn resolve_ids(&mut self) -> Result<(), LayoutError> {
        let version = self.version;
        self.by_kind.clear();
        for &kind in RecordKind::ALL {
            let bad = |message: String| LayoutError::Invalid { version, tag: kind.tag().to_string(), message };
            let Some(r) = self.records.iter().position(|r| r.tag == kind.tag()) else {
                return Err(bad("missing, and passerelle writes or reads this record".into()));
            };
            let rec = &mut self.records[r];
            let mut ids = Vec::with_capacity(kind.fields().len());
            for &(name, want) in kind.fields() {
                let Some(i) = rec.index_of(name) else {
                    return Err(bad(format!(
                        "no field {name}, which passerelle fills or reads ({}); a layout must keep the Sage names",
                        kind_word(want)
                    )));
                };
                let got = rec.fields[i].kind;
                if got != want {
                    return Err(bad(format!(
                        "field {name} is {} here, and passerelle handles it as {}",
                        kind_word(got),
                        kind_word(want)
                    )));
                }
                ids.push(i);
            }
            rec.kind = Some(kind);
            rec.ids = ids;
            self.by_kind.push(r);
        }
        Ok(())
    }

    /// The layout of a record the code writes or reads (resolved when the layout loaded).
    pub fn of(&self, kind: RecordKind) -> &RecordLayout {
        // `ALL` lists the kinds in declaration order: a kind's discriminant is its rank.
        &self.records[self.by_kind[kind as usize]]
    }

    /// The layouts shipped in the binary, by `#VER`.
    pub fn builtin(version: u32) -> Option<&'static Layout> {
        static V33: OnceLock<Layout> = OnceLock::new();
        match version {
            33 => Some(V33.get_or_init(|| Layout::parse(VER33).expect("templates/sage/ver33.toml is valid (tested)"))),
            _ => None,
        }
    }

    pub fn versions() -> &'static [u32] {
        &[33]
    }

    pub fn record(&self, tag: &str) -> Option<&RecordLayout> {
        self.records.iter().find(|r| r.tag == tag)
    }

    /// The layout of `tag`, for records this program writes: a missing one is a build defect.
    pub fn expect(&self, tag: &str) -> &RecordLayout {
        self.record(tag).unwrap_or_else(|| panic!("layout #VER {} lacks #{tag}", self.version))
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Text => "text",
        Kind::Int => "a whole number",
        Kind::Dec => "a decimal number",
        Kind::Date => "a date",
        Kind::Time => "a time",
    }
}

#[derive(Deserialize)]
struct TagsFile {
    frame: Vec<String>,
    seen: Vec<String>,
    documented: Vec<String>,
}

/// Is `name` (without '#') a tag known in Gestion Commerciale files (templates/sage/tags.toml)?
/// Used instead of a `#[A-Z0-9]+` pattern, which a value such as `#1001` would also match.
pub fn is_known_tag(name: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let t: TagsFile = toml::from_str(TAGS).expect("templates/sage/tags.toml is valid (tested)");
        t.frame.into_iter().chain(t.seen).chain(t.documented).collect()
    })
    .contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_33_has_the_documented_counts() {
        let l = Layout::builtin(33).unwrap();
        for (tag, n, tail) in [("CCLI", 120, 1), ("CCDL", 17, 0), ("CHEN", 86, 0), ("CHLI", 62, 2), ("CHRE", 10, 0)] {
            let r = l.record(tag).unwrap();
            assert_eq!(r.fixed, n, "{tag}");
            assert_eq!(r.tail, tail, "{tag}");
        }
        let ccli = l.expect("CCLI");
        assert_eq!(ccli.at(1).unwrap().name, "CT_Num");
        assert_eq!(ccli.at(5).unwrap().name, "CT_Intitule");
        assert_eq!(ccli.at(43).unwrap().name, "CT_Siret");
        assert_eq!(ccli.at(57).unwrap().name, "CT_EMail");
        assert_eq!(l.expect("CHEN").at(46).unwrap().name, "DO_NoWeb");
    }

    #[test]
    fn a_default_the_encoder_would_change_is_refused() {
        let layout = |default: &str| {
            format!(
                "version = 33\nrelease = \"t\"\n[[record]]\ntag = \"CCLI\"\nlabel = \"c\"\nfixed = 1\n\
                 [[record.field]]\npos = 1\nname = \"CT_Num\"\nlabel = \"n\"\nkind = \"text\"\nmax = 3\n\
                 upper = true\ndefault = \"{default}\"\n"
            )
        };
        assert!(Layout::parse_fields(&layout("ABC")).is_ok());
        for bad in ["abc", "ABCD", " AB", "É"] {
            let e = Layout::parse_fields(&layout(bad)).unwrap_err().to_string();
            assert!(e.contains("is not written as it is"), "{bad}: {e}");
        }
    }

    #[test]
    fn tags_are_known_and_values_are_not() {
        assert!(is_known_tag("CCLI"));
        assert!(is_known_tag("CPROJHISTO"));
        assert!(is_known_tag("FIN"));
        assert!(!is_known_tag("1001"));
        assert!(!is_known_tag("DEV"));
    }

    #[test]
    fn a_gap_in_positions_is_refused() {
        let bad = r#"
version = 99
release = "x"
[[record]]
tag = "CXXX"
label = "x"
fixed = 2
[[record.field]]
pos = 1
name = "A"
label = "a"
kind = "int"
[[record.field]]
pos = 3
name = "B"
label = "b"
kind = "int"
"#;
        assert!(Layout::parse(bad).unwrap_err().to_string().contains("pos 3"));
    }

    #[test]
    fn every_builtin_layout_resolves_the_ids() {
        for &v in Layout::versions() {
            let l = Layout::parse(match v {
                33 => VER33,
                _ => unreachable!("add the new version here"),
            })
            .unwrap_or_else(|e| panic!("{e}"));
            for (rank, &kind) in RecordKind::ALL.iter().enumerate() {
                assert_eq!(kind as usize, rank, "RecordKind::ALL in declaration order");
                let rec = l.of(kind);
                assert_eq!(rec.tag, kind.tag());
                for (i, &(name, k)) in kind.fields().iter().enumerate() {
                    assert_eq!(rec.fields[rec.ids[i]].name, name);
                    assert_eq!(rec.fields[rec.ids[i]].kind, k);
                }
            }
        }
        let l = Layout::builtin(33).unwrap();
        let ccli = l.of(RecordKind::Ccli);
        assert_eq!(ccli.index(crate::sage::Ccli::Intitule), 4);
        assert_eq!(l.of(RecordKind::Chen).spec(crate::sage::Chen::NoWeb).pos, 46);
    }

    #[test]
    fn a_layout_without_a_field_the_code_needs_is_refused_at_load() {
        let renamed = VER33.replacen("name = \"CT_Intitule\"", "name = \"CT_Intitul\"", 1);
        let e = Layout::parse(&renamed).unwrap_err().to_string();
        assert_eq!(
            e,
            "layout #VER 33, record #CCLI: no field CT_Intitule, which passerelle fills or reads (text); a layout must keep the Sage names"
        );
        let retyped = VER33.replacen(
            "name = \"CT_DateCreate\"\n  label = \"Date création\"\n  kind = \"date\"",
            "name = \"CT_DateCreate\"\n  label = \"Date création\"\n  kind = \"int\"",
            1,
        );
        assert_ne!(retyped, VER33);
        let e = Layout::parse(&retyped).unwrap_err().to_string();
        assert!(
            e.contains("#CCLI: field CT_DateCreate is a whole number here, and passerelle handles it as a date"),
            "{e}"
        );
        let without = VER33.replacen("tag = \"CHRE\"", "tag = \"CHRX\"", 1);
        let e = Layout::parse(&without).unwrap_err().to_string();
        assert!(e.contains("record #CHRE: missing"), "{e}");
    }

    #[test]
    #[should_panic(expected = "CT_Num is a field of #CCLI, not of #CCDL")]
    fn an_id_of_another_record_stops_loudly() {
        Layout::builtin(33).unwrap().of(RecordKind::Ccdl).index(crate::sage::Ccli::Num);
    }
}
