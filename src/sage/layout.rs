//! Record layouts of Format Sage, loaded from `templates/sage/verNN.toml`.
//!
//! The layout is the single source of truth for positions, lengths, kinds and defaults: the
//! writer fills fields by name, the client-list reader finds fields by position, the validator
//! checks counts and values. A new `#VER` is a new data file, not new code.

use std::sync::OnceLock;

use serde::Deserialize;

/// The `#VER` passerelle writes by default (Sage 100 GC v12.25).
pub const DEFAULT_VERSION: u32 = 33;

const VER33: &str = include_str!("../../templates/sage/ver33.toml");
const TAGS: &str = include_str!("../../templates/sage/tags.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Text,
    Int,
    Dec,
    Date,
    Time,
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
}

impl FieldSpec {
    /// "CT_Intitule (#CCLI 5)": how messages name a field.
    pub fn describe(&self, tag: &str) -> String {
        format!("{} (#{} {})", self.name, tag, self.pos)
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
}

impl RecordLayout {
    /// Index (0-based) of the field called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.index_of(name).map(|i| &self.fields[i])
    }

    /// The field at 1-based position `pos`.
    pub fn at(&self, pos: usize) -> Option<&FieldSpec> {
        pos.checked_sub(1).and_then(|i| self.fields.get(i))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub version: u32,
    pub release: String,
    #[serde(rename = "record")]
    pub records: Vec<RecordLayout>,
}

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("layout file: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("layout #VER {version}, record #{tag}: {message}")]
    Invalid { version: u32, tag: String, message: String },
}

impl Layout {
    pub fn parse(text: &str) -> Result<Layout, LayoutError> {
        let mut layout: Layout = toml::from_str(text)?;
        let version = layout.version;
        for rec in &mut layout.records {
            let bad = |message: String| LayoutError::Invalid { version, tag: rec.tag.clone(), message };
            if rec.fields.len() != rec.fixed {
                return Err(bad(format!("{} fields listed, fixed = {}", rec.fields.len(), rec.fixed)));
            }
            for (i, f) in rec.fields.iter().enumerate() {
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
                    let clean = d.bytes().all(|b| (0x20..0x7F).contains(&b))
                        && d.trim() == d
                        && !d.starts_with('#')
                        && d.len() <= f.max.unwrap_or(usize::MAX)
                        && (!f.upper || !d.bytes().any(|b| b.is_ascii_lowercase()))
                        && (!f.alnum_only() || d.bytes().all(|b| b.is_ascii_alphanumeric()))
                        && super::record::kind_of_value_ok(f.kind, d);
                    if !clean {
                        return Err(bad(format!("default '{d}' of {} is not written as it is", f.name)));
                    }
                }
                if rec.by_name.insert(f.name.clone(), i).is_some() {
                    return Err(bad(format!("field name {} twice", f.name)));
                }
            }
        }
        Ok(layout)
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
        assert!(Layout::parse(&layout("ABC")).is_ok());
        for bad in ["abc", "ABCD", " AB", "É"] {
            let e = Layout::parse(&layout(bad)).unwrap_err().to_string();
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
}
