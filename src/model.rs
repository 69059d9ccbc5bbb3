//! The canonical model every shop export is read into. Readers know nothing of Sage; the
//! resolver knows nothing of Shopify.

use rust_decimal::Decimal;

/// Where a record came from, for messages: the record number (1 = first data row) and the
/// physical line where it starts (records can span lines: embedded newlines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    pub record: u64,
    pub line: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub company: String,
    pub firstname: String,
    pub lastname: String,
    pub address1: String,
    pub address2: String,
    pub zip: String,
    pub city: String,
    pub state: String,
    /// ISO 3166-1 alpha-2, uppercase; empty when unknown.
    pub country: String,
    pub phone: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.address1.is_empty() && self.address2.is_empty() && self.zip.is_empty() && self.city.is_empty()
    }

    /// "Marie Dupont"
    pub fn person(&self) -> String {
        join_name(&self.firstname, &self.lastname)
    }
}

pub fn join_name(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first} {last}"),
        (false, true) => first.to_string(),
        (true, false) => last.to_string(),
        (true, true) => String::new(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    /// The shop's customer id (string: zeros and prefixes are kept). Empty when the export has none.
    pub shop_id: String,
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub company: String,
    pub siret: String,
    pub ape: String,
    pub vat_number: String,
    /// The address phone.
    pub phone: String,
    /// The account or mobile phone.
    pub mobile: String,
    pub billing: Address,
    pub delivery: Option<Address>,
    pub origin: Origin,
}

impl Customer {
    /// The name people read: company, else first and last name, else the e-mail.
    pub fn display_name(&self) -> String {
        if !self.company.is_empty() {
            return self.company.clone();
        }
        let n = join_name(&self.firstname, &self.lastname);
        if !n.is_empty() { n } else { self.email.clone() }
    }
}

/// A document line's nature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineKind {
    #[default]
    Product,
    Shipping,
    Fee,
    Wrapping,
    Discount,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit_price_ht: Option<Decimal>,
    pub unit_price_ttc: Option<Decimal>,
    pub discount_ht: Decimal,
    pub discount_ttc: Decimal,
    pub tax_rate: Option<Decimal>,
    pub kind: LineKind,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxLine {
    pub rate: Decimal,
    pub amount: Decimal,
    pub label: String,
}
