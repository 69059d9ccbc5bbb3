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
    sku.trim().to_uppercase()
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
                    "the article mapping needs a column SKU and a column Article; its header is: {}",
                    t.headers().join(", ")
                ),
            });
        };
        let mut map = FxHashMap::default();
        while t.next_row()? {
            let (s, a) = (t.text(Some(sku)), t.text(Some(art)));
            if s.is_empty() {
                continue;
            }
            if a.is_empty() || a.chars().count() > 18 {
                return Err(InputError::Field {
                    path: path.to_path_buf(),
                    line: t.line(),
                    column: t.headers()[art].clone(),
                    message: format!("'{a}' is not an article reference (1 to 18 characters)"),
                });
            }
            let tax_rate = rate.map(|r| t.text(Some(r))).filter(|s| !s.is_empty()).map(|s| {
                crate::shop::values::parse_amount(s.trim_end_matches('%'), true).ok_or_else(|| InputError::Field {
                    path: path.to_path_buf(),
                    line: t.line(),
                    column: "Taux TVA".into(),
                    message: format!("'{s}' is not a VAT rate"),
                })
            });
            let tax_rate = match tax_rate {
                Some(r) => Some(r?),
                None => None,
            };
            map.insert(key(&s), Article { reference: a.to_uppercase(), tax_rate });
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
