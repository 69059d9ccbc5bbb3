//! Orders saved from a shop's REST API (WooCommerce `/wp-json/wc/v3/orders`, Magento
//! `/V1/orders`) → canonical orders, one record in memory at a time (`json`).
//!
//! The platform is recognised by the keys of the first record (`templates/shops/*_rest.toml`,
//! signatures), never by the file's name; each record is checked the same way. The order and
//! customer fields are found through the dialect's JSON paths (profile overrides first); the
//! amounts and line structures, fixed by each API, are read by the platform's builder
//! (`woocommerce_rest`, `magento`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::dialect::{self, Dialect};
use super::json::Records;
use super::orders::{OrderProblem, OrderResult};
use super::rest_record::Rec;
use crate::error::InputError;
use crate::model::{Origin, Platform};
use crate::profile::InputSection;
use crate::report::Warnings;

/// Keys the builders read by their API names (canonical field, keys), for `inspect`.
const WOOCOMMERCE_AMOUNTS: &[(&str, &str)] = &[
    ("total", "total"),
    ("taxes", "total_tax"),
    ("shipping", "shipping_total"),
    ("shipping_tax", "shipping_tax"),
    ("discount_amount", "discount_total"),
    ("discount_tax", "discount_tax"),
    ("line_items", "line_items"),
    ("tax_items", "tax_lines"),
    ("shipping_items", "shipping_lines"),
    ("fee_items", "fee_lines"),
    ("coupon_items", "coupon_lines"),
    ("refund_items", "refunds"),
];
const MAGENTO_AMOUNTS: &[(&str, &str)] = &[
    ("total", "grand_total"),
    ("taxes", "tax_amount"),
    ("subtotal", "subtotal"),
    ("shipping", "shipping_amount, shipping_incl_tax, shipping_tax_amount, shipping_discount_amount"),
    ("discount_code", "coupon_code, discount_description, discount_amount"),
    ("refunded_amount", "total_refunded"),
    ("customer_id", "customer_is_guest"),
    ("financial_status", "state"),
    ("line_items", "items"),
];

/// A JSON file of orders.
pub struct JsonOrders {
    pub path: PathBuf,
    pub dialect: &'static Dialect,
    pub generation: String,
    overrides: BTreeMap<String, String>,
    records: Records,
    next: usize,
    /// Keys of the first record, and canonical field → path read in it (for `inspect`).
    keys: Vec<String>,
    mapped: Vec<(String, String)>,
}

fn signature_of(v: &Value) -> Option<(&'static Dialect, String)> {
    let obj = v.as_object()?;
    dialect::json_all().iter().find_map(|d| {
        d.signatures.iter().find(|s| s.headers.iter().all(|h| obj.contains_key(h))).map(|s| (d, s.generation.clone()))
    })
}

fn expected() -> String {
    dialect::json_all()
        .iter()
        .map(|d| format!("{} (keys {})", d.label, d.signatures[0].headers.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl JsonOrders {
    pub fn open(path: &Path, input: &InputSection) -> Result<JsonOrders, InputError> {
        let mut records = Records::open(path)?;
        let unrecognised = |reason: String| InputError::Unrecognised { path: path.to_path_buf(), reason };
        if records.spans.is_empty() {
            return Err(unrecognised(format!("JSON without any record ({}): no orders to read", records.layout)));
        }
        let first = records.get(0)?.map_err(|(line, message)| InputError::Malformed {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        let Some((d, generation)) = signature_of(&first) else {
            let keys: Vec<String> = match first.as_object() {
                Some(m) => m.keys().take(12).cloned().collect(),
                None => vec![format!("a {} value", kind_of(&first))],
            };
            return Err(unrecognised(format!(
                "JSON whose first record has {}; expected one of: {}",
                keys.join(", "),
                expected()
            )));
        };
        let keys = first.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let r = Rec { v: &first, d, overrides: &input.columns };
        let mut mapped: Vec<(String, String)> = d.columns.keys().map(|f| (f.clone(), r.path_of(f))).collect();
        let read_in_code = if d.platform == Platform::Magento { MAGENTO_AMOUNTS } else { WOOCOMMERCE_AMOUNTS };
        mapped.extend(read_in_code.iter().map(|(f, k)| (f.to_string(), k.to_string())));
        let n = records.spans.len();
        Ok(JsonOrders {
            path: path.to_path_buf(),
            dialect: d,
            generation: format!("{generation}: {}, {n} record{}", records.layout, if n == 1 { "" } else { "s" }),
            overrides: input.columns.clone(),
            records,
            next: 0,
            keys,
            mapped,
        })
    }

    /// The first record's keys, for `inspect`.
    pub fn headers(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// Canonical field → JSON path, for `inspect`.
    pub fn mapped_columns(&self) -> Vec<(String, String)> {
        self.mapped.clone()
    }

    /// The next order (or the problem that stops it), `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        let i = self.next;
        let Some(span) = self.records.spans.get(i).copied() else { return Ok(None) };
        self.next += 1;
        let origin = Origin { record: i as u64 + 1, line: span.line };
        let problem = |line: u64, message: String| OrderProblem {
            order: format!("record {}", i + 1),
            line,
            field: "json".into(),
            message,
        };
        let v = match self.records.get(i)? {
            Ok(v) => v,
            Err((line, message)) => return Ok(Some(Err(problem(line, message)))),
        };
        match signature_of(&v) {
            Some((d, _)) if std::ptr::eq(d, self.dialect) => {}
            _ => {
                return Ok(Some(Err(problem(
                    span.line,
                    format!(
                        "record {} is not a {} record (keys {}): not read",
                        i + 1,
                        self.dialect.label,
                        self.dialect.signatures[0].headers.join(", ")
                    ),
                ))));
            }
        }
        let r = Rec { v: &v, d: self.dialect, overrides: &self.overrides };
        Ok(Some(match self.dialect.platform {
            Platform::Magento => super::magento::order(&r, origin, w),
            _ => super::woocommerce_rest::order(&r, origin, w),
        }))
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrecognised_json_says_what_it_holds_and_what_is_expected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.json");
        std::fs::write(&p, r#"[{"id":1,"name":"Chaise"}]"#).unwrap();
        let e = JsonOrders::open(&p, &InputSection::default()).err().unwrap().to_string();
        assert!(
            e.contains("id, name") && e.contains("order_key, line_items") && e.contains("increment_id, items"),
            "{e}"
        );
        std::fs::write(&p, "[]").unwrap();
        let e = JsonOrders::open(&p, &InputSection::default()).err().unwrap().to_string();
        assert!(e.contains("no orders"), "{e}");
        std::fs::write(&p, "[3]").unwrap();
        let e = JsonOrders::open(&p, &InputSection::default()).err().unwrap().to_string();
        assert!(e.contains("a number value"), "{e}");
    }
}
