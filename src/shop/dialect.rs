//! Shop dialects: how a platform's export is recognised and where each canonical field is,
//! loaded from `templates/shops/*.toml`. A new header generation is a data change.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::table::{Table, norm_header};

const FILES: &[(&str, &str)] = &[
    ("shopify_customers", include_str!("../../templates/shops/shopify_customers.toml")),
    ("prestashop_customers", include_str!("../../templates/shops/prestashop_customers.toml")),
    ("shopify_orders", include_str!("../../templates/shops/shopify_orders.toml")),
    ("woocommerce_webtoffee", include_str!("../../templates/shops/woocommerce_webtoffee.toml")),
    ("woocommerce_algolplus", include_str!("../../templates/shops/woocommerce_algolplus.toml")),
    ("magento_customers", include_str!("../../templates/shops/magento_customers.toml")),
    ("magento_addresses", include_str!("../../templates/shops/magento_addresses.toml")),
];

/// JSON exports: `columns` hold JSON paths, `signature.headers` keys every record has.
const JSON_FILES: &[(&str, &str)] = &[
    ("woocommerce_rest", include_str!("../../templates/shops/woocommerce_rest.toml")),
    ("magento_rest", include_str!("../../templates/shops/magento_rest.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialect {
    pub platform: String,
    pub kind: String,
    pub label: String,
    /// How orders are laid out: `rows_per_item` (one row per line, order fields on the
    /// first row of each order, rows grouped by `group_by`) or `row_per_order` (one row per
    /// order, its lines packed in the columns named `packed_lines` + N).
    pub layout: Option<String>,
    pub group_by: Option<String>,
    /// `rows_per_item`: a row without the order key, after an order, is one more line of that
    /// order (AlgolPlus without "populate other columns" leaves every order column, its number
    /// too, empty on the rows after an order's first).
    #[serde(default)]
    pub continuation_rows: bool,
    /// Prefix of the packed line columns of a `row_per_order` layout (`line_item_`).
    pub packed_lines: Option<String>,
    /// Canonical fields an order file must have; `a|b` = one of them. Empty: the Shopify set.
    #[serde(default)]
    pub required: Vec<String>,
    /// Which side of the tax the export's amounts are on: `excl` (WooCommerce stores amounts
    /// excluding tax), `incl`, or absent (inferred from the totals: Shopify).
    pub prices: Option<String>,
    /// Order statuses (compared without case) that mean the order was cancelled / refunded.
    #[serde(default)]
    pub cancelled_statuses: Vec<String>,
    #[serde(default)]
    pub refunded_statuses: Vec<String>,
    /// How dates written with '/' read: `mdy` (3/5/2024 = 5 March) or `dmy` (default).
    pub slash_dates: Option<String>,
    /// Names and notes may hold HTML (WooCommerce): entities are decoded, tags removed.
    #[serde(default)]
    pub html: bool,
    #[serde(rename = "signature")]
    pub signatures: Vec<Signature>,
    /// Canonical field → header aliases, first present wins.
    pub columns: BTreeMap<String, Vec<String>>,
    /// Headers (aliases, `*` allowed) of columns known to be of no use for Sage: not named
    /// by the warning about columns that hold data and are not read.
    #[serde(default)]
    pub ignored: Vec<String>,
    #[serde(default)]
    pub cleaning: Cleaning,
    #[serde(skip)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub generation: String,
    /// Headers that must all be present.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Canonical fields that must all be found through `columns`.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Required delimiter.
    pub delimiter: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cleaning {
    #[serde(default)]
    pub apostrophe: Vec<String>,
    #[serde(default)]
    pub placeholders: BTreeMap<String, Vec<String>>,
}

fn load(files: &[(&str, &str)]) -> Vec<Dialect> {
    files
        .iter()
        .map(|(name, text)| {
            let mut d: Dialect = toml::from_str(text).unwrap_or_else(|e| panic!("templates/shops/{name}.toml: {e}"));
            d.name = name.to_string();
            d
        })
        .collect()
}

/// The dialects of tables (CSV, XLSX).
pub fn all() -> &'static [Dialect] {
    static D: OnceLock<Vec<Dialect>> = OnceLock::new();
    D.get_or_init(|| load(FILES))
}

/// The dialects of JSON exports.
pub fn json_all() -> &'static [Dialect] {
    static D: OnceLock<Vec<Dialect>> = OnceLock::new();
    D.get_or_init(|| load(JSON_FILES))
}

/// Column indexes of the canonical fields in one file.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    pub cols: BTreeMap<String, usize>,
}

impl ColumnMap {
    pub fn get(&self, field: &str) -> Option<usize> {
        self.cols.get(field).copied()
    }
}

impl Dialect {
    /// The required canonical fields, each a list of alternatives.
    pub fn required_fields(&self) -> Vec<Vec<String>> {
        const SHOPIFY: &[&str] = &["order_number", "line_quantity", "line_name", "line_price"];
        let list: Vec<String> = if self.required.is_empty() {
            SHOPIFY.iter().map(|s| s.to_string()).collect()
        } else {
            self.required.clone()
        };
        list.iter().map(|r| r.split('|').map(|f| f.trim().to_string()).collect()).collect()
    }

    /// Is `status` one of the words meaning cancelled (resp. refunded)?
    pub fn is_cancelled(&self, status: &str) -> bool {
        let s = status.trim();
        self.cancelled_statuses.iter().any(|c| c.eq_ignore_ascii_case(s))
    }

    pub fn is_refunded(&self, status: &str) -> bool {
        let s = status.trim();
        self.refunded_statuses.iter().any(|c| c.eq_ignore_ascii_case(s))
    }

    /// Maps canonical fields to columns; profile overrides (`[input.columns]`) come first.
    pub fn map(&self, table: &Table, overrides: &BTreeMap<String, String>) -> ColumnMap {
        let mut cols = BTreeMap::new();
        for (field, aliases) in &self.columns {
            let mut list: Vec<String> = Vec::new();
            if let Some(o) = overrides.get(field) {
                list.push(o.clone());
            }
            list.extend(aliases.iter().cloned());
            if let Some(i) = table.find(&list) {
                cols.insert(field.clone(), i);
            }
        }
        // An override for a field the dialect does not list (still a canonical field).
        for (field, header) in overrides {
            if !cols.contains_key(field)
                && let Some(i) = table.find(std::slice::from_ref(header))
            {
                cols.insert(field.clone(), i);
            }
        }
        ColumnMap { cols }
    }

    /// The generation this file matches, if any.
    pub fn matches(&self, table: &Table, overrides: &BTreeMap<String, String>) -> Option<&Signature> {
        let map = self.map(table, overrides);
        let keys = table.keys();
        self.signatures.iter().find(|s| {
            // A spreadsheet has no delimiter: the condition is for CSV files only.
            let delim_ok =
                match (s.delimiter.as_deref().and_then(crate::table::sniff::delimiter_by_label), table.delimiter()) {
                    (Some(want), Some(got)) => want == got,
                    _ => true,
                };
            delim_ok
                && s.headers.iter().all(|h| keys.contains(&norm_header(h)))
                && s.fields.iter().all(|f| map.get(f).is_some())
        })
    }
}

/// The first dialect whose signature the file matches.
pub fn detect<'a>(table: &Table, overrides: &BTreeMap<String, String>) -> Option<(&'a Dialect, &'a Signature)>
where
    'static: 'a,
{
    all().iter().find_map(|d| d.matches(table, overrides).map(|s| (d, s)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dialect_files_load() {
        let all = super::all();
        assert!(all.len() >= 2);
        assert_eq!(super::json_all().len(), 2);
        for d in all.iter().chain(super::json_all()) {
            assert!(!d.signatures.is_empty(), "{}", d.name);
            for f in d.columns.keys() {
                assert!(crate::shop::CANONICAL_FIELDS.contains(&f.as_str()), "{}: {f}", d.name);
            }
            for alternatives in
                d.required_fields().into_iter().filter(|_| d.kind == "orders" && d.layout.as_deref() != Some("json"))
            {
                for f in alternatives {
                    assert!(d.columns.contains_key(&f), "{}: required {f} has no column aliases", d.name);
                }
            }
            if d.layout.as_deref() == Some("row_per_order") {
                assert!(d.packed_lines.is_some(), "{}: row_per_order needs packed_lines", d.name);
            }
        }
    }
}
