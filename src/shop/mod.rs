//! Shop exports → canonical records. Sniffs encoding, delimiter, platform and header
//! generation; knows nothing of Sage.

pub mod ahead;
pub mod companions;
pub mod customers;
pub mod dialect;
pub mod field;
pub mod json;
pub mod magento;
pub mod orders;
pub mod prestashop;
pub mod rest;
pub mod rest_record;
pub mod unused;
pub mod values;
pub mod woocommerce;
pub mod woocommerce_rest;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::InputError;
use crate::model::{Order, Platform};
use crate::profile::InputSection;

use crate::report::Warnings;
use crate::table::{Table, TableOptions, sniff};
pub use companions::{Companion, Joined};
pub use customers::CustomerReader;
pub use orders::{OrderProblem, OrderReader, OrderResult};
pub use prestashop::PrestashopReader;

/// Every canonical field a column can feed (`[input.columns]` keys).
#[rustfmt::skip]
pub const CANONICAL_FIELDS: &[&str] = &[
    // customers
    "shop_id", "email", "firstname", "lastname", "name", "company", "siret", "ape", "vat_number", "phone", "mobile",
    "address1", "address2", "zip", "city", "state", "country",
    // orders
    "order_number", "order_id", "customer_id", "date", "paid_at", "invoice_date", "financial_status",
    "fulfillment_status", "cancelled_at", "currency", "subtotal", "shipping", "shipping_tax", "taxes", "total",
    "total_ht", "discount_code", "discount_amount", "discount_tax", "shipping_method", "payment_method",
    "refunded_amount", "note", "note_attributes", "tags", "duties",
    "line_quantity", "line_name", "line_price", "line_price_ht", "line_price_ttc", "line_sku", "line_taxable",
    "line_discount", "line_tax_rate", "line_total", "line_tax",
    "billing_name", "billing_firstname", "billing_lastname", "billing_company", "billing_address1",
    "billing_address2", "billing_city", "billing_zip", "billing_state", "billing_country", "billing_phone",
    "billing_email", "billing_vat_number",
    "shipping_name", "shipping_firstname", "shipping_lastname", "shipping_company", "shipping_address1",
    "shipping_address2", "shipping_city", "shipping_zip", "shipping_state", "shipping_country", "shipping_phone",
    "tax_1_name", "tax_1_value", "tax_2_name", "tax_2_value", "tax_3_name", "tax_3_value", "tax_4_name",
    "tax_4_value", "tax_5_name", "tax_5_value", "line_items",
    // WooCommerce: packed cells (WebToffee), line amounts and fees (AlgolPlus)
    "tax_items", "shipping_items", "fee_items", "coupon_items", "refund_items", "fee_total", "fee_tax",
    "line_subtotal", "line_subtotal_tax", "line_price_before_discount",
];

/// What a file was recognised as.
pub enum ShopFile {
    Customers(Customers),
    Orders(Orders),
    /// A file that completes another input of the same run (see `companions`): not converted.
    Companion(Box<Companion>),
}

/// A customer file: one customer per row, or Magento's Data Transfer files (grouped rows,
/// addresses joined from another input). Both stream with `next`.
pub enum Customers {
    Table(Box<CustomerReader>),
    Magento(Box<magento::CustomerReader>),
}

impl Customers {
    /// The next customer, `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<crate::model::Customer>, InputError> {
        match self {
            Customers::Table(r) => r.next(w),
            Customers::Magento(r) => r.next(w),
        }
    }

    fn parts(&self) -> (&'static dialect::Dialect, &str, &dialect::ColumnMap, &Table) {
        match self {
            Customers::Table(r) => (r.dialect, &r.generation, &r.cols, &r.table),
            Customers::Magento(r) => (r.dialect, &r.generation, &r.cols, &r.table),
        }
    }
}

/// An order file: a table (CSV or XLSX, any row layout), PrestaShop webservice XML or a REST
/// API's JSON. All stream with `next`.
pub enum Orders {
    Table(Box<OrderReader>),
    Xml(Box<PrestashopReader>),
    Json(Box<rest::JsonOrders>),
}

impl Orders {
    /// The next order (or the problem that stops it), `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        match self {
            Orders::Table(r) => r.next(w),
            Orders::Xml(r) => r.next(w),
            Orders::Json(r) => r.next(w),
        }
    }

    /// An order the conversion is done with, for the reader to fill again (table exports;
    /// the other readers make each order anew and let it go).
    pub fn recycle(&mut self, order: Box<Order>) {
        if let Orders::Table(r) = self {
            r.recycle(order);
        }
    }
}

impl ShopFile {
    pub fn platform(&self) -> Platform {
        match self {
            ShopFile::Customers(c) => c.parts().0.platform,
            ShopFile::Orders(o) => match o {
                Orders::Table(r) => r.dialect.platform,
                Orders::Xml(r) => r.dialect.platform,
                Orders::Json(r) => r.dialect.platform,
            },
            ShopFile::Companion(c) => c.platform,
        }
    }
    pub fn kind(&self) -> &str {
        match self {
            ShopFile::Customers(c) => &c.parts().0.kind,
            ShopFile::Orders(o) => match o {
                Orders::Table(r) => &r.dialect.kind,
                Orders::Xml(r) => &r.dialect.kind,
                Orders::Json(r) => &r.dialect.kind,
            },
            ShopFile::Companion(c) => &c.kind,
        }
    }
    pub fn generation(&self) -> &str {
        match self {
            ShopFile::Customers(c) => c.parts().1,
            ShopFile::Orders(o) => match o {
                Orders::Table(r) => &r.generation,
                Orders::Xml(r) => &r.generation,
                Orders::Json(r) => &r.generation,
            },
            ShopFile::Companion(c) => &c.generation,
        }
    }
    /// What became of the columns of a CSV or XLSX file; `None` for XML and JSON.
    pub fn column_use(&self) -> Option<&unused::ColumnUse> {
        match self {
            ShopFile::Customers(Customers::Table(r)) => Some(&r.usage),
            ShopFile::Customers(Customers::Magento(r)) => Some(&r.usage),
            ShopFile::Orders(Orders::Table(r)) => Some(&r.usage),
            _ => None,
        }
    }

    /// The table of a CSV or XLSX file; `None` for XML and JSON.
    pub fn table(&self) -> Option<&Table> {
        match self {
            ShopFile::Customers(c) => Some(c.parts().3),
            ShopFile::Orders(o) => match o {
                Orders::Table(r) => Some(&r.table),
                Orders::Xml(_) | Orders::Json(_) => None,
            },
            ShopFile::Companion(_) => None,
        }
    }
    /// "utf-8", "windows-1252 (guessed)", "xlsx (sheet ...)", "xml (utf-8)", "json (utf-8)".
    pub fn encoding_label(&self) -> String {
        match self {
            ShopFile::Orders(Orders::Json(_)) => "json (utf-8)".into(),
            _ => self.table().map(Table::encoding_label).unwrap_or_else(|| "xml (utf-8)".into()),
        }
    }
    pub fn encoding_guessed(&self) -> bool {
        self.table().is_some_and(Table::encoding_guessed)
    }
    pub fn delimiter_label(&self) -> String {
        match self {
            ShopFile::Orders(Orders::Json(_)) => "(json)".into(),
            _ => self.table().map(Table::delimiter_label).unwrap_or_else(|| "(xml)".into()),
        }
    }
    /// The file's column headers (the element paths read, for XML; the keys of the first
    /// record, for JSON).
    pub fn headers(&self) -> Vec<String> {
        match self {
            ShopFile::Orders(o) => match o {
                Orders::Xml(r) => r.headers(),
                Orders::Table(r) => r.table.headers().to_vec(),
                Orders::Json(r) => r.headers(),
            },
            ShopFile::Customers(c) => c.parts().3.headers().to_vec(),
            ShopFile::Companion(_) => Vec::new(),
        }
    }
    /// Canonical field → header (element path for XML, JSON path for JSON), for `inspect`.
    pub fn mapped_columns(&self) -> Vec<(String, String)> {
        let (cols, t) = match self {
            ShopFile::Customers(c) => {
                let (_, _, cols, t) = c.parts();
                (cols, t)
            }
            ShopFile::Orders(o) => match o {
                Orders::Table(r) => (&r.cols, &r.table),
                Orders::Xml(_) => {
                    return prestashop::FIELDS.iter().map(|(f, e)| (f.to_string(), e.to_string())).collect();
                }
                Orders::Json(r) => return r.mapped_columns(),
            },
            ShopFile::Companion(_) => return Vec::new(),
        };
        let mut out: Vec<(String, String)> =
            cols.cols.iter().map(|(f, &i)| (f.clone(), t.headers().get(i).cloned().unwrap_or_default())).collect();
        if let ShopFile::Orders(Orders::Table(r)) = self {
            out.extend(r.packed_headers().into_iter().map(|h| ("line_items".to_string(), h)));
        }
        out
    }
}

/// Opens a shop export alone (see `open_in_run`): nothing is joined from other inputs.
pub fn open(path: &Path, input: &InputSection) -> Result<ShopFile, InputError> {
    open_in_run(path, input, Arc::default())
}

/// Opens a shop export and recognises its platform and kind from its content: the header, the
/// XML root and resources, the keys of JSON records (never the file's name). What the file
/// lacks is looked up in `joined`, the records of the run's companion files.
pub fn open_in_run(path: &Path, input: &InputSection, joined: Arc<Joined>) -> Result<ShopFile, InputError> {
    // A regular file only (a FIFO or a device is refused, never waited on), opened once for
    // sniffing and reading.
    let (file, head) = crate::fsguard::open_with_head(path, crate::fsguard::MAX_INPUT_BYTES, 512)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    if prestashop::looks_like_xml(&head) {
        if let Some(s) = prestashop::survey_from(path, &file)? {
            return Ok(ShopFile::Companion(Box::new(s.companion)));
        }
        let r = PrestashopReader::from_file_in_run(path, file, joined)?;
        return Ok(ShopFile::Orders(Orders::Xml(Box::new(r))));
    }
    if json::looks_like_json(&head) {
        let r = rest::JsonOrders::open(path, input)?;
        return Ok(ShopFile::Orders(Orders::Json(Box::new(r))));
    }
    let enc = input.encoding.as_deref().and_then(sniff::encoding_by_label);
    let delim = input.delimiter.as_deref().and_then(sniff::delimiter_by_label);
    let table = Table::from_file(path, file, TableOptions { encoding: enc, delimiter: delim, sheet: None })?;
    match dialect::detect(&table, &input.columns) {
        Some((d, sig)) => {
            let cols = d.map(&table, &input.columns);
            let generation = sig.generation.clone();
            match d.kind.as_str() {
                "customers" if d.platform == Platform::Magento => Ok(ShopFile::Customers(Customers::Magento(
                    Box::new(magento::CustomerReader::new(table, d, generation, cols, joined)),
                ))),
                "customers" => {
                    Ok(ShopFile::Customers(Customers::Table(Box::new(CustomerReader::new(table, d, generation, cols)))))
                }
                "addresses" => {
                    let s = magento::read_addresses(table, d, generation, cols)?;
                    Ok(ShopFile::Companion(Box::new(s.companion)))
                }
                "orders" => Ok(ShopFile::Orders(Orders::Table(Box::new(OrderReader::new(
                    table,
                    d,
                    generation,
                    cols,
                    input.note_attributes.clone(),
                )?)))),
                other => Err(InputError::Unrecognised {
                    path: path.to_path_buf(),
                    reason: format!("{other} files are not supported yet"),
                }),
            }
        }
        None => Err(unrecognised(&table)),
    }
}

impl Joined {
    /// Surveys every input (see the module comment). A file that cannot be surveyed is left
    /// to be opened (and its error reported) as any input.
    pub fn gather(inputs: &[PathBuf], input: &InputSection) -> Joined {
        let mut j = Joined::default();
        // A companion completes another input: alone, it is opened (and refused) as any input.
        if inputs.len() < 2 {
            return j;
        }
        for path in inputs {
            if let Ok(Some(s)) = survey(path, input) {
                j.add(s);
            }
        }
        j
    }
}

/// Whether `path` is a companion, with its records; `Ok(None)` for a file to convert.
pub fn survey(path: &Path, input: &InputSection) -> Result<Option<companions::Survey>, InputError> {
    // A regular file only: a FIFO or a device among the inputs is refused, never waited on.
    let (file, head) = crate::fsguard::open_with_head(path, crate::fsguard::MAX_INPUT_BYTES, 512)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    if prestashop::looks_like_xml(&head) {
        return prestashop::survey_from(path, &file);
    }
    if json::looks_like_json(&head) {
        return Ok(None);
    }
    magento::survey_addresses(path, input)
}

fn unrecognised(table: &Table) -> InputError {
    let mut shown: Vec<String> = table.headers().iter().take(12).map(|h| crate::fsguard::excerpt(h, 40)).collect();
    if table.headers().len() > 12 {
        shown.push("...".into());
    }
    let known: Vec<String> = dialect::all()
        .iter()
        .map(|d| {
            let sig = &d.signatures[0];
            format!("{} ({})", d.label, sig.headers.join(", "))
        })
        .collect();
    InputError::Unrecognised {
        path: table.path().clone(),
        reason: format!(
            "{} columns separated by '{}' ({}); expected one of: {}, or PrestaShop webservice XML, or WooCommerce or Magento REST API JSON. If it is an export with other headers, name its columns in [input.columns] of the profile",
            table.headers().len(),
            table.delimiter_label(),
            shown.join(", "),
            known.join("; ")
        ),
    }
}
