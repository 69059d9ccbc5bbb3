//! The SKU → article mapping (`[orders] articles`): a CSV or XLSX table with a column for the
//! shop's SKU and one for the Sage article reference, optionally a VAT rate. Without it, a
//! SKU is taken as the article reference itself.

use std::path::Path;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::error::InputError;
use crate::table::{Table, TableOptions};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub reference: String,
    /// VAT rate of the article (percent), for orders whose lines have no rate.
    pub tax_rate: Option<Decimal>,
}

#[derive(Debug, Default)]
pub struct Articles {
    pub path: String,
    map: FxHashMap<String, Article>,
}

/// SKUs compared trimmed and case-folded.
fn key(sku: &str) -> String {
    crate::text::upper(sku.trim())
}

impl Articles {
    pub fn load(path: &Path) -> Result<Articles, InputError> {
        let mut t = Table::open(path, TableOptions::default())?;
        let find = |t: &Table, aliases: &[&str]| t.find(&aliases.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let sku = find(&t, &["SKU", "Référence boutique", "Référence web", "Lineitem sku", "product_reference"]);
        let art = find(&t, &["Article", "Référence article", "AR_Ref", "Référence Sage", "Référence"]);
        let rate = find(&t, &["Taux TVA", "TVA", "Taux", "Tax rate"]);
        let (Some(sku), Some(art)) = (sku, art) else {
            return Err(InputError::MissingColumn {
                path: path.to_path_buf(),
                column: "SKU / Article".into(),
                message: format!(
                    "the article mapping needs a column SKU (or Référence boutique, Référence web) and a column Article (or Référence article, AR_Ref); none of its {} columns is {}",
                    t.headers().len(),
                    match (sku, art) {
                        (None, None) => "either",
                        (None, _) => "a SKU column",
                        _ => "an Article column",
                    }
                ),
            });
        };
        let mut map: FxHashMap<String, Article> = FxHashMap::default();
        while t.next_row()? {
            let (s, a) = (t.text(Some(sku)), t.text(Some(art)));
            let bad = |t: &Table, column: usize, message: String| InputError::Field {
                path: path.to_path_buf(),
                line: t.line(),
                column: t.headers()[column].clone(),
                message,
            };
            if s.is_empty() {
                if a.is_empty() {
                    continue; // a blank row
                }
                return Err(bad(&t, sku, format!("article '{a}' has no SKU: no order line can reach it")));
            }
            if a.is_empty() || a.chars().count() > 18 {
                return Err(bad(&t, art, format!("'{a}' is not an article reference (1 to 18 characters)")));
            }
            let tax_rate = match rate.map(|r| (r, t.text(Some(r)))).filter(|(_, s)| !s.is_empty()) {
                Some((r, s)) => Some(
                    crate::shop::values::parse_amount(s.trim_end_matches('%'), true)
                        .ok_or_else(|| bad(&t, r, format!("'{s}' is not a VAT rate")))?,
                ),
                None => None,
            };
            let reference = a.to_uppercase();
            let tax_rate = match map.get(&key(&s)) {
                None => tax_rate,
                Some(before) if before.reference != reference => {
                    let message =
                        format!("SKU '{s}' is mapped twice, to {} and to {reference}: keep one", before.reference);
                    return Err(bad(&t, sku, message));
                }
                Some(before) => match (before.tax_rate, tax_rate) {
                    (Some(x), Some(y)) if x != y => {
                        let column = rate.unwrap_or(sku);
                        return Err(bad(&t, column, format!("SKU '{s}' is listed twice, with rates {x} and {y}")));
                    }
                    (x, y) => x.or(y),
                },
            };
            map.insert(key(&s), Article { reference, tax_rate });
        }
        Ok(Articles { path: path.display().to_string(), map })
    }

    pub fn get(&self, sku: &str) -> Option<&Article> {
        self.map.get(&key(sku))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Articles, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("articles.csv");
        std::fs::write(&p, text).unwrap();
        Articles::load(&p).map_err(|e| e.to_string())
    }

    #[test]
    fn mappings_conflicts_and_orphans() {
        let a = load("SKU;Article;Taux TVA\nthe-sencha;THESENCHA;5,5\n\nTHE-SENCHA;thesencha;\n").unwrap();
        assert_eq!(a.len(), 1, "the same mapping twice, blank row skipped");
        assert_eq!(a.get("The-Sencha").unwrap().tax_rate, Some(Decimal::new(55, 1)));
        let e = load("SKU;Article\nTHE-SENCHA;THESENCHA\nTHE-SENCHA;THEVERT\n").unwrap_err();
        assert!(e.contains("line 3") && e.contains("mapped twice, to THESENCHA and to THEVERT"), "{e}");
        let e = load("SKU;Article\n;THESENCHA\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("has no SKU"), "{e}");
        let e = load("SKU;Article;TVA\nTHE;THE;vingt\n").unwrap_err();
        assert!(e.contains("TVA") && e.contains("'vingt' is not a VAT rate"), "{e}");
    }
}
