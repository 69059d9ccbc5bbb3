//! Shop exports → canonical records. Sniffs encoding, delimiter, platform and header
//! generation; knows nothing of Sage.

pub mod customers;
pub mod dialect;

use std::path::Path;

use crate::error::InputError;
use crate::profile::InputSection;

use crate::table::{Table, TableOptions, sniff};
pub use customers::CustomerReader;

/// Every canonical field a column can feed (`[input.columns]` keys).
pub const CANONICAL_FIELDS: &[&str] = &[
    "shop_id",
    "email",
    "firstname",
    "lastname",
    "name",
    "company",
    "siret",
    "ape",
    "vat_number",
    "phone",
    "mobile",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country",
];

/// What a file was recognised as.
pub enum ShopFile {
    Customers(CustomerReader),
}

impl ShopFile {
    pub fn platform(&self) -> &str {
        match self {
            ShopFile::Customers(r) => &r.dialect.platform,
        }
    }
    pub fn kind(&self) -> &str {
        match self {
            ShopFile::Customers(r) => &r.dialect.kind,
        }
    }
    pub fn generation(&self) -> &str {
        match self {
            ShopFile::Customers(r) => &r.generation,
        }
    }
    pub fn table(&self) -> &Table {
        match self {
            ShopFile::Customers(r) => &r.table,
        }
    }
    /// Canonical field → header, for `inspect`.
    pub fn mapped_columns(&self) -> Vec<(String, String)> {
        let (cols, t) = match self {
            ShopFile::Customers(r) => (&r.cols, &r.table),
        };
        cols.cols.iter().map(|(f, &i)| (f.clone(), t.headers().get(i).cloned().unwrap_or_default())).collect()
    }
}

/// Opens a shop export and recognises its platform and kind from the header.
pub fn open(path: &Path, input: &InputSection) -> Result<ShopFile, InputError> {
    let enc = input.encoding.as_deref().and_then(sniff::encoding_by_label);
    let delim = input.delimiter.as_deref().and_then(sniff::delimiter_by_label);
    let table = Table::open(path, TableOptions { encoding: enc, delimiter: delim, sheet: None })?;
    match dialect::detect(&table, &input.columns) {
        Some((d, sig)) => {
            let cols = d.map(&table, &input.columns);
            let generation = sig.generation.clone();
            match d.kind.as_str() {
                "customers" => Ok(ShopFile::Customers(CustomerReader::new(table, d, generation, cols))),
                other => Err(InputError::Unrecognised {
                    path: path.to_path_buf(),
                    reason: format!("{other} files are not supported yet"),
                }),
            }
        }
        None => Err(unrecognised(&table)),
    }
}

fn unrecognised(table: &Table) -> InputError {
    let mut shown: Vec<&str> = table.headers().iter().map(String::as_str).take(12).collect();
    if table.headers().len() > 12 {
        shown.push("...");
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
            "{} columns separated by '{}' ({}); expected one of: {}. If it is a customer export with other headers, name its columns in [input.columns] of the profile",
            table.headers().len(),
            table.delimiter_label(),
            shown.join(", "),
            known.join("; ")
        ),
    }
}
