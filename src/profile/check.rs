//! Profile validation with line numbers. The TOML is walked against a schema first (unknown
//! keys, wrong types, bad enum values: all reported, not just the first), then the typed
//! profile is checked for rules that span keys (code lengths, expressions, field names).

use std::fmt;
use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

use super::Profile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the profile; 0 when the problem has no single place.
    pub line: usize,
    /// Dotted key, e.g. `customers.code.length`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.key.is_empty()) {
            (0, true) => write!(f, "{}", self.message),
            (0, false) => write!(f, "{}: {}", self.key, self.message),
            (l, true) => write!(f, "line {l}: {}", self.message),
            (l, false) => write!(f, "line {l}: {}: {}", self.key, self.message),
        }
    }
}

#[derive(Clone, Copy)]
pub enum Ty {
    Str,
    Bool,
    Int,
    Enum(&'static [&'static str]),
    /// A table of free keys with string values (`[customers.fields]`, `[input.columns]`).
    StrMap,
    /// A table of free keys with whole-number values (`[orders.payment_methods]`).
    IntMap,
    /// A list of strings (`[output] templates`).
    StrList,
    Table(&'static [(&'static str, Ty)]),
    /// A table of named sub-tables with one schema (`[customers.code.by_platform.shopify]`);
    /// the names must be one of the listed ones.
    TableMap(&'static [&'static str], &'static [(&'static str, Ty)]),
    ArrayOfTables(&'static [(&'static str, Ty)]),
}

impl Ty {
    fn describe(&self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Bool => "true or false".into(),
            Ty::Int => "a whole number".into(),
            Ty::Enum(v) => format!("one of {}", v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")),
            Ty::StrMap => "a table of strings".into(),
            Ty::IntMap => "a table of whole numbers".into(),
            Ty::StrList => "a list of strings, e.g. [\"clients_csv\"]".into(),
            Ty::Table(_) | Ty::TableMap(..) => "a table".into(),
            Ty::ArrayOfTables(_) => "a list of tables".into(),
        }
    }
}

const PHONE: Ty = Ty::Enum(&["phone", "mobile", "billing_phone", "shipping_phone", "none"]);

const CLIENTS: &[(&str, Ty)] =
    &[("file", Ty::Str), ("encoding", Ty::Str), ("delimiter", Ty::Str), ("sheet", Ty::Str), ("columns", Ty::StrMap)];

const CODE_PART: &[(&str, Ty)] = &[
    ("field", Ty::Enum(&["lastname", "firstname", "company", "zip", "city", "country", "email"])),
    ("length", Ty::Int),
];

const CODE: &[(&str, Ty)] = &[
    ("prefix", Ty::Str),
    ("parts", Ty::ArrayOfTables(CODE_PART)),
    ("suffix", Ty::Str),
    ("counter_length", Ty::Int),
    ("length", Ty::Int),
    ("source", Ty::Enum(&["auto", "shop_id", "counter"])),
    ("counter_start", Ty::Int),
    ("by_platform", Ty::TableMap(super::PLATFORMS, CODE_OVERRIDE)),
];

const CODE_OVERRIDE: &[(&str, Ty)] = &[
    ("prefix", Ty::Str),
    ("parts", Ty::ArrayOfTables(CODE_PART)),
    ("suffix", Ty::Str),
    ("counter_length", Ty::Int),
    ("length", Ty::Int),
    ("source", Ty::Enum(&["auto", "shop_id", "counter"])),
    ("counter_start", Ty::Int),
];

const CUSTOMERS: &[(&str, Ty)] = &[
    ("mode", Ty::Enum(&["single", "per_customer"])),
    ("single_account", Ty::Str),
    ("template", Ty::Str),
    ("search_by_siret", Ty::Bool),
    ("search_by_email", Ty::Bool),
    ("search_by_vat", Ty::Bool),
    ("phone", PHONE),
    ("fax", PHONE),
    ("representative", Ty::Str),
    ("update_delivery_addresses", Ty::Bool),
    ("update_billing_address", Ty::Bool),
    ("notify_billing_address_differs", Ty::Bool),
    ("notify_delivery_address_differs", Ty::Bool),
    ("update_custom_fields", Ty::Bool),
    ("remove_accents", Ty::Bool),
    ("uppercase_name", Ty::Bool),
    ("uppercase_addresses", Ty::Bool),
    ("use_document_accounting_category", Ty::Bool),
    ("collective_account", Ty::Str),
    ("code", Ty::Table(CODE)),
    ("fields", Ty::StrMap),
];

const INPUT: &[(&str, Ty)] =
    &[("encoding", Ty::Str), ("delimiter", Ty::Str), ("columns", Ty::StrMap), ("note_attributes", Ty::StrMap)];

const CATEGORIES: &[(&str, Ty)] = &[("france", Ty::Int), ("eu", Ty::Int), ("eu_b2c", Ty::Int), ("export", Ty::Int)];

const ORDERS: &[(&str, Ty)] = &[
    ("document_type", Ty::Enum(&["devis", "bon_de_commande", "bon_de_livraison", "facture"])),
    ("souche", Ty::Int),
    ("depot", Ty::Str),
    ("date", Ty::Enum(&["order", "invoice", "today"])),
    ("reference", Ty::Str),
    ("piece", Ty::Str),
    ("statuses", Ty::StrList),
    ("prices", Ty::Enum(&["as_shop", "ht", "ttc"])),
    ("prices_include_tax", Ty::Enum(&["auto", "ttc", "ht"])),
    ("articles", Ty::Str),
    ("unknown_article", Ty::Enum(&["error", "divers"])),
    ("divers_article", Ty::Str),
    ("shipping_article", Ty::Str),
    ("carriers", Ty::StrMap),
    ("discount", Ty::Enum(&["article", "line"])),
    ("discount_article", Ty::Str),
    ("tax_codes", Ty::StrMap),
    ("payment_methods", Ty::IntMap),
    ("default_payment_method", Ty::Int),
    ("due_days", Ty::Int),
    ("accounting_categories", Ty::Table(CATEGORIES)),
    ("refunds", Ty::Enum(&["credit_note", "skip"])),
    ("refund_article", Ty::Str),
    ("credit_note_piece", Ty::Str),
    ("credit_note_origin", Ty::Bool),
];

const OUTPUT: &[(&str, Ty)] = &[("sage_version", Ty::Int), ("sage", Ty::Bool), ("templates", Ty::StrList)];

const WATCH: &[(&str, Ty)] = &[
    ("settle_ms", Ty::Int),
    ("min_age_ms", Ty::Int),
    ("debounce_ms", Ty::Int),
    ("rescan_seconds", Ty::Int),
    ("retry_seconds", Ty::Int),
    ("log_file", Ty::Str),
];

/// The whole profile schema; keep in step with the serde types of `profile::Profile` (a test
/// checks the default profile against both).
pub const SCHEMA: &[(&str, Ty)] = &[
    ("clients", Ty::Table(CLIENTS)),
    ("customers", Ty::Table(CUSTOMERS)),
    ("orders", Ty::Table(ORDERS)),
    ("input", Ty::Table(INPUT)),
    ("output", Ty::Table(OUTPUT)),
    ("watch", Ty::Table(WATCH)),
];

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Where each line of a text starts: the line of an offset by binary search, so a profile
/// with thousands of problems is not scanned once per problem.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset (same as `line_of`).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
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
    static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
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

/// A close known word for a misspelt one (edit distance ≤ 2).
pub(crate) fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .copied()
        .map(|k| (levenshtein(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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

/// The `[output]` rules that need the profile's folder (template files are relative to it), so
/// `Profile::load` and `profile check` run them once the folder is known. Each problem is on
/// the line of its entry in `templates`; a template file's own problems keep their line there.
pub fn template_rules(p: &Profile, text: &str) -> Vec<Problem> {
    use crate::write::param::{TemplateError, template};
    let mut out = Vec::new();
    let out_cfg = &p.output;
    let at = Locator::new(text);
    if !out_cfg.sage && out_cfg.templates.is_empty() {
        out.push(Problem {
            line: at.line("output.sage"),
            key: "output.sage".into(),
            message: "sage = false and no templates: nothing would be written".into(),
        });
    }
    let Some(layout) = crate::sage::Layout::builtin(out_cfg.sage_version) else {
        return out; // reported by `rules`
    };
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, entry) in out_cfg.templates.iter().enumerate() {
        let line = at.element_line("output.templates", i);
        let key = format!("output.templates[{i}]");
        match template::load(entry, &p.base_dir, layout) {
            Ok(t) => {
                if let Some((_, first)) = names.iter().find(|(n, _)| *n == t.name) {
                    out.push(Problem {
                        line,
                        key,
                        message: format!(
                            "\"{entry}\" is named {} like templates[{first}]: both would write <input>.{}.*; rename one file",
                            t.name, t.name
                        ),
                    });
                } else {
                    names.push((t.name.clone(), i));
                }
            }
            Err(TemplateError::Invalid { file, problems }) => {
                for tp in problems {
                    out.push(Problem { line, key: key.clone(), message: format!("template {file}: {tp}") });
                }
            }
            Err(e) => out.push(Problem { line, key, message: e.to_string() }),
        }
    }
    out
}

/// Parses `text` into a profile, or returns every problem found.
pub fn parse_checked(text: &str) -> Result<Profile, Vec<Problem>> {
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            let msg = e.message().trim().to_string();
            return Err(vec![Problem { line, key: String::new(), message: format!("TOML syntax: {msg}") }]);
        }
    };
    let mut w = Walker { lines: LineIndex::new(text), problems: Vec::new() };
    w.table(doc.as_table(), SCHEMA, "");
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
    let problems = rules(&profile, text);
    if problems.is_empty() { Ok(profile) } else { Err(problems) }
}

/// A piece expression that cannot give a number of at most 13 characters, or the same number
/// for every document.
fn piece_limits(e: &crate::resolve::expr::Expr, text: &str, p: &Profile) -> Option<String> {
    let max = crate::resolve::order::PIECE_MAX;
    if e.vars().next().is_none() {
        return Some(format!("\"{text}\" has no placeholder: every document would get the same number"));
    }
    let (fixed, unbounded) = piece_length(e, p);
    (fixed > max).then(|| {
        let how = if unbounded.is_empty() { "up to" } else { "at least" };
        format!("\"{text}\" gives {how} {fixed} characters: a piece number holds at most {max}")
    })
}

/// Characters of a piece expression's result that are known (the literal text once cleaned,
/// dates, the client code at its longest), and the placeholders whose length depends on the
/// shop.
pub fn piece_length(e: &crate::resolve::expr::Expr, p: &Profile) -> (usize, Vec<&'static str>) {
    use crate::resolve::expr::Var;
    let literal =
        crate::resolve::text::remove_accents(&e.literal()).chars().filter(char::is_ascii_alphanumeric).count();
    let code = &p.customers.code;
    let code_len = std::iter::once(code.length)
        .chain(code.by_platform.keys().map(|k| code.for_platform(k).length))
        .max()
        .unwrap_or(17) as usize;
    let mut fixed = literal;
    let mut unbounded = Vec::new();
    for v in e.vars() {
        match v {
            Var::Today | Var::OrderDate => fixed += 6,
            Var::Code => fixed += code_len,
            other => unbounded.push(other.name()),
        }
    }
    (fixed, unbounded)
}

/// Advice that does not stop a run: limits that depend on the shop's data. `profile check`
/// prints them as warnings.
pub fn advice(p: &Profile, text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |key: &str, message: String| {
        out.push(Problem { line: find_line(text, key), key: key.to_string(), message });
    };
    let o = &p.orders;
    if o.piece.trim().is_empty() {
        push(
            "orders.piece",
            "empty (the default of earlier versions): read as \"sage\", documents are written without a piece number; write an expression such as \"WEB{order.number}\" (today's default) to number them, or \"sage\" to keep Sage's numbering".into(),
        );
    } else if o.piece_by_sage() {
        push(
            "orders.piece",
            "\"sage\": documents are written without a piece number for Sage to number them; whether Sage accepts that is unverified (every run says so)".into(),
        );
    } else if let Ok(e) = crate::resolve::expr::Expr::parse(&o.piece)
        && e.vars().next().is_some()
    {
        let max = crate::resolve::order::PIECE_MAX;
        let (fixed, unbounded) = piece_length(&e, p);
        // What cleaning removes from the literal text ('-', spaces, '/'...).
        let kept = |c: char| {
            let plain = crate::resolve::text::remove_accents(&c.to_string());
            !plain.is_empty() && plain.chars().all(|x| x.is_ascii_alphanumeric())
        };
        let dropped: String = e.literal().chars().filter(|c| !kept(*c)).collect();
        if !dropped.is_empty() {
            push(
                "orders.piece",
                format!("\"{dropped}\" of \"{}\" is dropped: a piece number holds only A-Z and 0-9", o.piece),
            );
        }
        // Shop order numbers: Shopify #1001…, PrestaShop references and Magento numbers of 9.
        const TYPICAL: usize = 9;
        if !unbounded.is_empty() && fixed <= max && max - fixed < TYPICAL {
            push(
                "orders.piece",
                format!(
                    "\"{}\" leaves {} characters for {{{}}}: a longer shop number is cut (PrestaShop references and Magento numbers have {TYPICAL}); shorten the prefix",
                    o.piece,
                    max - fixed,
                    unbounded.join("}, {")
                ),
            );
        }
    }
    if o.refunds == super::orders::Refunds::CreditNote && o.document_type != super::orders::DocumentType::Facture {
        push(
            "orders.refunds",
            "\"credit_note\", but documents are not factures (document_type): credit notes answer invoices, so refunds of converted orders are only said in the report".into(),
        );
    }
    if o.credit_piece_by_sage() {
        push(
            "orders.credit_note_piece",
            "\"sage\" (or empty): credit notes are written without a piece number for Sage to number them; whether Sage accepts that is unverified (every run says so)".into(),
        );
    }
    if let Ok(e) = crate::resolve::expr::Expr::parse(&o.reference) {
        let fixed = e.literal().chars().count();
        if fixed > 17 {
            push(
                "orders.reference",
                format!("\"{}\" has {fixed} characters of text: a référence holds 17, the rest is cut", o.reference),
            );
        }
    }
    let mut sections = vec![(String::from("customers.code"), p.customers.code.clone())];
    for name in p.customers.code.by_platform.keys() {
        sections.push((format!("customers.code.by_platform.{name}"), p.customers.code.for_platform(name)));
    }
    for (base, code) in &sections {
        let fixed =
            code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>();
        let room = if code.counter_length > 0 { code.counter_length } else { code.length.saturating_sub(fixed) };
        if (1..4).contains(&room) {
            let mut line = find_line(text, &format!("{base}.length"));
            if line == 0 {
                line = find_line(text, base);
            }
            out.push(Problem {
                line,
                key: format!("{base}.length"),
                message: format!(
                    "only {room} digit(s) for the customer number: at most {} new clients can be numbered",
                    10u64.pow(room) - 1
                ),
            });
        }
    }
    out
}

/// Rules that involve more than one key or outside data (layouts, expression syntax).
fn rules(p: &Profile, text: &str) -> Vec<Problem> {
    let at = Locator::new(text);
    let mut out = Vec::new();
    let mut sections = vec![(String::from("customers.code"), p.customers.code.clone())];
    for name in p.customers.code.by_platform.keys() {
        sections.push((format!("customers.code.by_platform.{name}"), p.customers.code.for_platform(name)));
    }
    for (base, code) in &sections {
        code_rules(base, code, &at, &mut out);
    }
    rest_rules(p, &at, out)
}

fn code_rules(base: &str, code: &super::CodeSection, at: &Locator, out: &mut Vec<Problem>) {
    let mut push = |key: &str, message: String| {
        let full = format!("{base}.{key}");
        let mut line = at.line(&full);
        if line == 0 {
            line = at.line(base);
        }
        out.push(Problem { line, key: full, message });
    };
    if code.length == 0 || code.length > 17 {
        push("length", format!("{} is outside 1..=17 (Sage codes hold at most 17 characters)", code.length));
    }
    for (key, v) in [("prefix", &code.prefix), ("suffix", &code.suffix)] {
        if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
            push(key, format!("\"{v}\": only letters A-Z and digits are allowed in a client code"));
        }
    }
    for (i, part) in code.parts.iter().enumerate() {
        if part.length == 0 {
            push(&format!("parts[{i}]"), "length must be at least 1".into());
        }
    }
    let room = if code.counter_length > 0 {
        code.counter_length
    } else {
        code.length.saturating_sub(
            code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>(),
        )
    };
    let start_digits = code.counter_start.max(1).to_string().len() as u32;
    if room > 0 && start_digits > room {
        push(
            "counter_start",
            format!("{} has {start_digits} digits: only {room} fit in the code for the number", code.counter_start),
        );
    }
    if code.parts.len() > 4 {
        push("parts", format!("{} parts: at most 4 (Partie 1 to 4)", code.parts.len()));
    }
    let fixed = code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>();
    if code.counter_length > 0 {
        if fixed + code.counter_length > code.length {
            push(
                "length",
                format!(
                    "prefix ({}) + parts ({}) + suffix ({}) + counter_length ({}) = {} exceeds length {}",
                    code.prefix.len(),
                    code.parts.iter().map(|p| p.length).sum::<u32>(),
                    code.suffix.len(),
                    code.counter_length,
                    fixed + code.counter_length,
                    code.length
                ),
            );
        }
    } else if fixed >= code.length {
        push(
            "length",
            format!(
                "prefix + parts + suffix take {fixed} characters of {}: no room is left for the customer number",
                code.length
            ),
        );
    }
}

fn rest_rules(p: &Profile, at: &Locator, mut out: Vec<Problem>) -> Vec<Problem> {
    let mut push = |key: &str, message: String| {
        out.push(Problem { line: at.line(key), key: key.to_string(), message });
    };
    if p.customers.mode == super::Mode::Single && p.customers.single_account.trim().is_empty() {
        push("customers.single_account", "mode = \"single\" needs the code of the one client account".into());
    }
    for (key, v) in [("watch.rescan_seconds", p.watch.rescan_seconds), ("watch.retry_seconds", p.watch.retry_seconds)] {
        if v == 0 {
            push(key, "must be at least 1 (second)".into());
        }
    }
    let acct = &p.customers.collective_account;
    if acct.is_empty() || acct.len() > 13 || !acct.chars().all(|c| c.is_ascii_alphanumeric()) {
        push(
            "customers.collective_account",
            format!("\"{acct}\" is not a general account (1 to 13 letters or digits)"),
        );
    }
    let Some(layout) = crate::sage::Layout::builtin(p.output.sage_version) else {
        let known: Vec<String> = crate::sage::Layout::versions().iter().map(|v| v.to_string()).collect();
        push(
            "output.sage_version",
            format!("no layout for #VER {}; known: {}", p.output.sage_version, known.join(", ")),
        );
        return out;
    };
    let ccli = layout.expect("CCLI");
    for (name, expr) in &p.customers.fields {
        let key = format!("customers.fields.{name}");
        if ccli.field(name).is_none() {
            push(
                &key,
                format!(
                    "#CCLI has no field {name} in #VER {} (names are Sage column names such as CT_Commentaire)",
                    layout.version
                ),
            );
        }
        if let Err(e) = crate::resolve::expr::Expr::parse(expr) {
            push(&key, e.to_string());
        }
    }
    for (key, v, max) in [
        ("customers.single_account", &p.customers.single_account, 17),
        ("customers.template", &p.customers.template, 17),
        ("orders.depot", &p.orders.depot, 35),
    ] {
        if v.chars().count() > max {
            push(key, format!("\"{v}\" has {} characters: Sage holds at most {max} here", v.chars().count()));
        }
    }
    if !p.customers.representative.trim().is_empty() {
        let (nom, prenom) = crate::gescom::clients::split_representative(&p.customers.representative);
        if nom.chars().count() > 35 || prenom.chars().count() > 35 {
            push(
                "customers.representative",
                format!(
                    "\"{}\": a collaborator's last and first names hold at most 35 characters each",
                    p.customers.representative
                ),
            );
        }
    }
    let o = &p.orders;
    if !o.piece_by_sage()
        && let Ok(e) = crate::resolve::expr::Expr::parse(&o.piece)
        && let Some(why) = piece_limits(&e, &o.piece, p)
    {
        push("orders.piece", why);
    }
    if !o.credit_piece_by_sage() {
        match crate::resolve::expr::Expr::parse(&o.credit_note_piece) {
            Err(e) => push("orders.credit_note_piece", e.to_string()),
            Ok(e) => {
                if let Some(why) = piece_limits(&e, &o.credit_note_piece, p) {
                    push("orders.credit_note_piece", why);
                }
            }
        }
    }
    if o.souche > 50 {
        push("orders.souche", format!("{} is outside 1..50 (0 = the dossier's default souche)", o.souche));
    }
    for (key, expr) in [("orders.reference", &o.reference), ("orders.piece", &o.piece)] {
        if let Err(e) = crate::resolve::expr::Expr::parse(expr) {
            push(key, e.to_string());
        }
    }
    if !(1..=30).contains(&o.default_payment_method) {
        push(
            "orders.default_payment_method",
            format!("{} is outside 1..30 (a mode de règlement of the dossier)", o.default_payment_method),
        );
    }
    for (label, idx) in &o.payment_methods {
        if !(1..=30).contains(idx) {
            push(&format!("orders.payment_methods.{label}"), format!("{idx} is outside 1..30"));
        }
    }
    let c = &o.accounting_categories;
    for (name, v) in [("france", c.france), ("eu", c.eu), ("eu_b2c", c.eu_b2c), ("export", c.export)] {
        if !(1..=50).contains(&v) {
            push(&format!("orders.accounting_categories.{name}"), format!("{v} is outside 1..50"));
        }
    }
    for (rate, code) in &o.tax_codes {
        if rate.replace(',', ".").trim_end_matches('%').trim().parse::<rust_decimal::Decimal>().is_err() {
            push(
                &format!("orders.tax_codes.{rate}"),
                format!("\"{rate}\" is not a VAT rate such as \"20\" or \"5.5\""),
            );
        }
        if code.len() > 5 || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            push(&format!("orders.tax_codes.{rate}"), format!("\"{code}\" is not a code taxe (at most 5 of A-Z, 0-9)"));
        }
    }
    for (key, art) in [
        ("orders.divers_article", &o.divers_article),
        ("orders.shipping_article", &o.shipping_article),
        ("orders.discount_article", &o.discount_article),
        ("orders.refund_article", &o.refund_article),
    ] {
        if art.chars().count() > 18 || art.trim().is_empty() {
            push(key, format!("\"{art}\" is not an article reference (1 to 18 characters)"));
        }
    }
    for (carrier, art) in &o.carriers {
        if art.chars().count() > 18 || art.trim().is_empty() {
            push(
                &format!("orders.carriers.{carrier}"),
                format!("\"{art}\" is not an article reference (1 to 18 characters)"),
            );
        }
    }
    for name in p.clients.columns.keys() {
        if ccli.field(name).is_none() {
            push(&format!("clients.columns.{name}"), format!("#CCLI has no field {name}"));
        }
    }
    for name in p.input.columns.keys() {
        if !crate::shop::CANONICAL_FIELDS.contains(&name.as_str()) {
            push(
                &format!("input.columns.{name}"),
                format!("unknown field; known: {}", crate::shop::CANONICAL_FIELDS.join(", ")),
            );
        }
    }
    for (key, enc) in [("input.encoding", &p.input.encoding), ("clients.encoding", &p.clients.encoding)] {
        if let Some(e) = enc
            && crate::table::sniff::encoding_by_label(e).is_none()
        {
            push(key, format!("unknown encoding \"{e}\" (utf-8, windows-1252, macintosh, ...)"));
        }
    }
    for (key, d) in [("input.delimiter", &p.input.delimiter), ("clients.delimiter", &p.clients.delimiter)] {
        if let Some(d) = d
            && crate::table::sniff::delimiter_by_label(d).is_none()
        {
            push(key, format!("\"{d}\" is not a delimiter: one character such as \";\" or \",\", or \"tab\""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        parse_checked(text).err().unwrap_or_default()
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_all_reported_with_lines() {
        let p =
            problems("[customers]\nmode = \"per_customer\"\nserch_by_email = true\nuppercase_name = \"yes\"\n[nope]\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0].line, 3);
        assert!(p[0].message.contains("did you mean \"search_by_email\""), "{}", p[0]);
        assert_eq!(p[1].line, 4);
        assert!(p[1].message.contains("wrong type"));
        assert_eq!(p[2].line, 5);
    }

    /// Each problem used to parse the whole profile again to find its line: 10,000 unknown
    /// fields took minutes. The text is now parsed a fixed number of times.
    #[test]
    fn thousands_of_problems_parse_the_profile_a_fixed_number_of_times() {
        let keys: String = (0..10_000).map(|i| format!("X_{i} = \"{{customer.id}}\"\n")).collect();
        let text = format!("[customers]\ntemplate = \"MODELE\"\n[customers.fields]\n{keys}");
        let before = PARSES.with(|p| p.get());
        let problems = problems(&text);
        let parses = PARSES.with(|p| p.get()) - before;
        assert_eq!(problems.len(), 10_000);
        assert_eq!(problems[9_999].line, 10_003, "{}", problems[9_999]);
        assert!(parses <= 2, "{parses} parses for 10,000 problems");
        let idx = LineIndex::new("a\nbc\n\nd");
        for (offset, line) in [(0, 1), (1, 1), (2, 2), (4, 2), (5, 3), (6, 4), (99, 4)] {
            assert_eq!(idx.line(offset), line_of("a\nbc\n\nd", offset), "{offset}");
            assert_eq!(idx.line(offset), line, "{offset}");
        }
    }

    #[test]
    fn code_length_rules() {
        let p = problems("[customers.code]\nprefix = \"WEB\"\nlength = 18\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 3);
        let p = problems(
            "[customers.code]\nprefix = \"WEBSHOP\"\nparts = [{ field = \"lastname\", length = 3 }]\nlength = 10\ncounter_length = 2\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("exceeds length 10"), "{}", p[0]);
        let p = problems("[customers.code]\nprefix = \"ABCDEFGHI\"\nlength = 9\n");
        assert!(p[0].message.contains("no room"));
    }

    #[test]
    fn bad_enum_values_name_the_choices() {
        let p = problems("[customers]\nmode = \"singel\"\n");
        assert!(p[0].message.contains("did you mean \"single\""), "{}", p[0]);
    }

    #[test]
    fn single_mode_needs_an_account() {
        let p = problems("[customers]\nmode = \"single\"\n");
        assert_eq!(p[0].key, "customers.single_account");
    }

    #[test]
    fn field_expressions_are_checked() {
        let p = problems(
            "[customers.fields]\nCT_Commentaire = \"Client web {customer.id}\"\nCT_Nope = \"x\"\nCT_Qualite = \"{customer.unknown}\"\n",
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].line, 3);
        assert_eq!(p[1].line, 4);
    }

    #[test]
    fn watch_keys_are_checked() {
        let p = problems("[watch]\nsettle_ms = 50\nmin_age_s = 10\nrescan_seconds = 0\nlog_file = 3\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("did you mean \"min_age_ms\""), "{}", p[0]);
        assert_eq!(p[1].line, 5);
        let p = problems("[watch]\nrescan_seconds = 0\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("watch.rescan_seconds", 2));
    }

    #[test]
    fn every_limit_of_the_format_is_checked_with_its_line() {
        let p = problems("[customers.code]\nlength = 25\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.code.length", 2), "{p:?}");
        let p = problems("[customers.code]\ncounter_start = 1000000\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.code.counter_start", 2), "{p:?}");
        assert!(p[0].message.contains("only 6 fit"), "{}", p[0]);
        let p = problems(&format!("[orders]\nsouche = 51\ndepot = \"{}\"\n", "D".repeat(36)));
        assert_eq!(
            p.iter().map(|p| (p.key.as_str(), p.line)).collect::<Vec<_>>(),
            [("orders.depot", 3), ("orders.souche", 2)]
        );
        let p = problems("[orders.accounting_categories]\neu = 0\nexport = 51\n");
        assert_eq!(p.len(), 2, "{p:?}");
        let p = problems(&format!("[customers]\nsingle_account = \"{}\"\n", "C".repeat(18)));
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.single_account", 2), "{p:?}");
    }

    #[test]
    fn the_keys_of_credit_notes_are_checked() {
        let p = problems("[orders]\nrefunds = \"avoir\"\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.refunds", 2), "{p:?}");
        assert!(p[0].message.contains("\"credit_note\", \"skip\""), "{}", p[0]);
        let p = problems("[orders]\nrefund_article = \"\"\ncredit_note_piece = \"AVOIR\"\ncredit_note_origin = 1\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.credit_note_origin", 4), "{p:?}");
        let p = problems("[orders]\nrefund_article = \"\"\ncredit_note_piece = \"AVOIR\"\n");
        assert_eq!(
            p.iter().map(|p| (p.key.as_str(), p.line)).collect::<Vec<_>>(),
            [("orders.credit_note_piece", 3), ("orders.refund_article", 2)],
            "{p:?}"
        );
        assert!(p[0].message.contains("\"AVOIR\" has no placeholder"), "{}", p[0]);
        let p = problems("[orders]\ncredit_note_piece = \"AVOIR{order.numero}\"\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.credit_note_piece", 2), "{p:?}");
        for ok in ["refunds = \"skip\"", "credit_note_piece = \"sage\"", "credit_note_piece = \"A{order.id}\""] {
            assert!(problems(&format!("[orders]\n{ok}\n")).is_empty(), "{ok}");
        }
        let text = "[orders]\ndocument_type = \"bon_de_commande\"\n";
        let said = advice(&parse_checked(text).unwrap(), text);
        assert!(said.iter().any(|a| a.key == "orders.refunds"), "{said:?}");
    }

    #[test]
    fn the_piece_expression_must_give_a_number_that_fits() {
        for (piece, says) in [
            ("WEB", "no placeholder"),
            ("BOUTIQUEFRANCE{order.number}", "at least 14 characters"),
            ("{code}{order.date}", "up to 15 characters"),
        ] {
            let p = problems(&format!("[orders]\ndate = \"order\"\npiece = \"{piece}\"\n"));
            assert_eq!(p.len(), 1, "{piece}: {p:?}");
            assert_eq!((p[0].key.as_str(), p[0].line), ("orders.piece", 3), "{piece}");
            assert!(p[0].message.contains(says.replace("\\", "").as_str()), "{piece}: {}", p[0]);
        }
        for ok in ["", "sage", "SAGE", "WEB{order.number}", "F{order.date}{order.id}"] {
            assert!(problems(&format!("[orders]\npiece = \"{ok}\"\n")).is_empty(), "{ok}");
        }
    }

    #[test]
    fn advice_is_given_for_limits_that_depend_on_the_shop() {
        let advice_of = |text: &str| advice(&parse_checked(text).unwrap(), text);
        assert!(
            advice_of(crate::profile::DEFAULT_PROFILE).is_empty(),
            "{:?}",
            advice_of(crate::profile::DEFAULT_PROFILE)
        );
        let a = advice_of("[orders]\npiece = \"FACT-WEB-{order.number}\"\n");
        assert_eq!(a.len(), 2, "{a:?}");
        assert!(a[0].message.contains("\"--\" of"), "{}", a[0]);
        assert!(a[1].message.contains("leaves 6 characters for {order.number}"), "{}", a[1]);
        assert!(a.iter().all(|p| p.line == 2));
        let a = advice_of("[orders]\npiece = \"sage\"\n");
        assert!(a[0].message.contains("unverified"), "{a:?}");
        let a = advice_of("[customers.code]\nprefix = \"WEBSHOP\"\nlength = 9\n");
        assert_eq!((a[0].key.as_str(), a[0].line), ("customers.code.length", 3), "{a:?}");
        assert!(a[0].message.contains("at most 99 new clients"), "{}", a[0]);
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let p = problems("[customers]\nmode = \n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 2);
    }
}
