//! Profile validation with line numbers: the TOML is walked against the schema (unknown keys,
//! wrong types, bad enum values: all reported, not just the first) before serde reads it. The
//! schema is not written here: `schema` derives it from the serde types of `Profile`.
//! The rules that span keys or need another stage (code lengths, expressions, field names,
//! template files) are in `setup`, which also finds their lines through `Locator`.

use std::fmt;
use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

use super::Profile;
use super::schema::Ty;
use crate::diagnostics::{LineIndex, line_of, suggest};
use crate::fsguard::excerpt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the profile; 0 when the problem has no single place.
    pub line: usize,
    /// Dotted key, e.g. `customers.code.length`.
    pub key: String,
    pub message: String,
}

impl Problem {
    /// The problem as a person reads it in `lang` (`line 4: key: message`, `ligne 4 : …`). A
    /// mistyped key can be as long as the file: key and message are cut, the line finds it.
    pub fn for_people(&self, lang: crate::i18n::Lang) -> String {
        let (line, colon) = match lang {
            crate::i18n::Lang::En => ("line", ": "),
            crate::i18n::Lang::Fr => ("ligne", " : "),
        };
        let mut s = String::new();
        if self.line > 0 {
            s.push_str(&format!("{line} {}{colon}", self.line));
        }
        if !self.key.is_empty() {
            s.push_str(&excerpt(&self.key, 100));
            s.push_str(colon);
        }
        s.push_str(&excerpt(&self.message, 2000));
        s
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.for_people(crate::i18n::Lang::En))
    }
}

/// Finds the lines of dotted keys in a profile, parsed once: every rule asks it for the
/// line of its key.
pub struct Locator {
    doc: Option<Document<String>>,
    lines: LineIndex,
}

#[cfg(test)]
thread_local! {
    /// Profile parses by `Locator` on this thread (tests count them).
    pub(crate) static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Locator {
    pub fn new(text: &str) -> Locator {
        #[cfg(test)]
        PARSES.with(|p| p.set(p.get() + 1));
        Locator { doc: Document::parse(text.to_string()).ok(), lines: LineIndex::new(text) }
    }

    fn item<'a, 'p>(&'a self, path: &'p str) -> Option<(&'a dyn toml_edit::TableLike, &'a Item, &'p str)> {
        let doc = self.doc.as_ref()?;
        let mut table: &'a dyn toml_edit::TableLike = doc.as_table();
        let mut parts = path.split('.').peekable();
        while let Some(p) = parts.next() {
            let item = table.get(p)?;
            if parts.peek().is_none() {
                return Some((table, item, p));
            }
            table = item.as_table_like()?;
        }
        None
    }

    /// Line of a dotted key (`customers.code.length`); 0 if absent.
    pub fn line(&self, path: &str) -> usize {
        let Some((table, item, key)) = self.item(path) else { return 0 };
        let span = table.key(key).and_then(|k| k.span()).or_else(|| item.span());
        span.map(|s| self.lines.line(s.start)).unwrap_or(0)
    }

    /// Line of the `index`-th element of the array at dotted `path`, else the line of the key.
    pub fn element_line(&self, path: &str, index: usize) -> usize {
        let span =
            self.item(path).and_then(|(_, item, _)| item.as_array()).and_then(|a| a.get(index)).and_then(|v| v.span());
        span.map(|s| self.lines.line(s.start)).unwrap_or_else(|| self.line(path))
    }
}

struct Walker {
    lines: LineIndex,
    problems: Vec<Problem>,
}

impl Walker {
    fn line(&self, span: Option<Range<usize>>) -> usize {
        span.map(|s| self.lines.line(s.start)).unwrap_or(0)
    }

    fn push(&mut self, span: Option<Range<usize>>, key: &str, message: impl Into<String>) {
        let line = self.line(span);
        self.problems.push(Problem { line, key: key.to_string(), message: message.into() });
    }

    fn table(&mut self, t: &Table, schema: &[(&str, Ty)], path: &str) {
        for (k, item) in t.iter() {
            let key_span = t.key(k).and_then(|k| k.span()).or_else(|| item.span());
            let full = if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
            match schema.iter().find(|(name, _)| *name == k) {
                None => {
                    let known: Vec<&str> = schema.iter().map(|(n, _)| *n).collect();
                    let hint = suggest(k, &known).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
                    self.push(key_span, &full, format!("unknown key{hint}; known here: {}", known.join(", ")));
                }
                Some((_, ty)) => self.item(item, *ty, &full, key_span),
            }
        }
    }

    fn item(&mut self, item: &Item, ty: Ty, path: &str, key_span: Option<Range<usize>>) {
        let span = item.span().or(key_span.clone());
        match (ty, item) {
            (Ty::Table(schema), Item::Table(t)) => self.table(t, schema, path),
            (Ty::Table(schema), Item::Value(Value::InlineTable(t))) => {
                let t = t.clone().into_table();
                self.table(&t, schema, path)
            }
            (Ty::TableMap(names, schema), Item::Table(t)) => {
                for (k, v) in t.iter() {
                    let ks = t.key(k).and_then(|k| k.span()).or_else(|| v.span());
                    let full = format!("{path}.{k}");
                    if !names.contains(&k) {
                        self.push(ks, &full, format!("unknown name; one of {}", names.join(", ")));
                        continue;
                    }
                    self.item(v, Ty::Table(schema), &full, ks);
                }
            }
            (Ty::StrMap, Item::Table(t)) => {
                for (k, v) in t.iter() {
                    if v.as_str().is_none() {
                        let s = t.key(k).and_then(|k| k.span()).or_else(|| v.span());
                        self.push(s, &format!("{path}.{k}"), "must be a string (in quotes)");
                    }
                }
            }
            (Ty::StrMap, Item::Value(Value::InlineTable(t))) => {
                for (k, v) in t.iter() {
                    if v.as_str().is_none() {
                        self.push(v.span().or(span.clone()), &format!("{path}.{k}"), "must be a string (in quotes)");
                    }
                }
            }
            (Ty::IntMap, Item::Table(t)) => {
                for (k, v) in t.iter() {
                    if v.as_integer().is_none_or(|i| i < 0) {
                        let s = t.key(k).and_then(|k| k.span()).or_else(|| v.span());
                        self.push(s, &format!("{path}.{k}"), "must be a whole number");
                    }
                }
            }
            (Ty::IntMap, Item::Value(Value::InlineTable(t))) => {
                for (k, v) in t.iter() {
                    if v.as_integer().is_none_or(|i| i < 0) {
                        self.push(v.span().or(span.clone()), &format!("{path}.{k}"), "must be a whole number");
                    }
                }
            }
            (Ty::StrList, Item::Value(Value::Array(a))) => {
                for (i, v) in a.iter().enumerate() {
                    if v.as_str().is_none() {
                        self.push(v.span().or(span.clone()), &format!("{path}[{i}]"), "must be a string (in quotes)");
                    }
                }
            }
            (Ty::ArrayOfTables(schema), Item::ArrayOfTables(a)) => {
                for (i, t) in a.iter().enumerate() {
                    self.table(t, schema, &format!("{path}[{i}]"));
                }
            }
            (Ty::ArrayOfTables(schema), Item::Value(Value::Array(a))) => {
                for (i, v) in a.iter().enumerate() {
                    match v {
                        Value::InlineTable(t) => {
                            let t = t.clone().into_table();
                            self.table(&t, schema, &format!("{path}[{i}]"))
                        }
                        other => self.push(
                            other.span().or(span.clone()),
                            &format!("{path}[{i}]"),
                            "must be a table like { field = \"lastname\", length = 3 }",
                        ),
                    }
                }
            }
            (Ty::Str, Item::Value(Value::String(_))) => {}
            (Ty::Bool, Item::Value(Value::Boolean(_))) => {}
            (Ty::Int, Item::Value(Value::Integer(i))) => {
                if *i.value() < 0 {
                    self.push(span, path, "must not be negative");
                }
            }
            (Ty::Enum(values), Item::Value(Value::String(s))) => {
                if !values.contains(&s.value().as_str()) {
                    let hint =
                        suggest(s.value(), values).map(|x| format!(" (did you mean \"{x}\"?)")).unwrap_or_default();
                    self.push(span, path, format!("\"{}\" is not allowed{hint}: {}", s.value(), ty.describe()));
                }
            }
            (ty, other) => {
                let found = match other {
                    Item::None => "nothing",
                    Item::Table(_) => "a table",
                    Item::ArrayOfTables(_) => "a list of tables",
                    Item::Value(Value::String(_)) => "a string",
                    Item::Value(Value::Integer(_)) => "a number",
                    Item::Value(Value::Float(_)) => "a decimal number",
                    Item::Value(Value::Boolean(_)) => "true/false",
                    Item::Value(Value::Datetime(_)) => "a date",
                    Item::Value(Value::Array(_)) => "a list",
                    Item::Value(Value::InlineTable(_)) => "a table",
                };
                self.push(span, path, format!("wrong type: {} expected, found {found}", ty.describe()));
            }
        }
    }
}

/// Finds the line of a dotted key (`customers.code.length`) in the profile text (parses the
/// text: for many keys, make one `Locator`).
pub fn find_line(text: &str, path: &str) -> usize {
    Locator::new(text).line(path)
}

/// Line of the `index`-th element of the array at dotted `path`, else the line of the key.
pub fn find_element_line(text: &str, path: &str, index: usize) -> usize {
    Locator::new(text).element_line(path, index)
}

/// Parses `text` into a profile checked against the schema (syntax, keys, types, values), or
/// returns every problem found. The rules that span keys or need a stage are
/// `setup::parse_checked`'s.
pub fn parse_typed(text: &str) -> Result<Profile, Vec<Problem>> {
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            let msg = e.message().trim().to_string();
            return Err(vec![Problem { line, key: String::new(), message: format!("TOML syntax: {msg}") }]);
        }
    };
    let mut w = Walker { lines: LineIndex::new(text), problems: Vec::new() };
    w.table(doc.as_table(), super::schema::profile(), "");
    if !w.problems.is_empty() {
        return Err(w.problems);
    }
    let profile: Profile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            return Err(vec![Problem { line, key: String::new(), message: e.message().to_string() }]);
        }
    };
    Ok(profile)
}
