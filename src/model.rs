//! The canonical model every shop export is read into. Readers know nothing of Sage; the
//! resolver knows nothing of Shopify.

use rust_decimal::Decimal;

/// The shop platforms passerelle reads. The lowercase name (`as_str`) is what the dialects,
/// the profile's `by_platform` tables, the state's customer keys, the ledger's order keys and
/// the report hold: it never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Shopify,
    Prestashop,
    Woocommerce,
    Magento,
}

impl Platform {
    pub const ALL: [Platform; 4] = [Platform::Shopify, Platform::Prestashop, Platform::Woocommerce, Platform::Magento];

    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::Prestashop => "prestashop",
            Platform::Woocommerce => "woocommerce",
            Platform::Magento => "magento",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// "order 1001 (line 2)": how messages name an order (made for every order: no `format!`).
pub fn order_subject(number: &str, line: u64) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(number.len() + 20);
    s.push_str("order ");
    s.push_str(number);
    s.push_str(" (line ");
    // Writing into a String cannot fail.
    let _ = write!(s, "{line}");
    s.push(')');
    s
}

pub fn join_name(first: &str, last: &str) -> String {
    match (first.is_empty(), last.is_empty()) {
        (false, false) => [first, " ", last].concat(),
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

/// One line of an order. Prices are per unit, before discount; which of HT and TTC the shop
/// gave is kept (Sage rounding depends on it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit_price_ht: Option<Decimal>,
    pub unit_price_ttc: Option<Decimal>,
    /// Discount on the whole line (not per unit), HT and TTC when known.
    pub discount_ht: Decimal,
    pub discount_ttc: Decimal,
    /// VAT rate in percent (20 for 20 %), when the export gives it per line.
    pub tax_rate: Option<Decimal>,
    /// `false` for lines the shop marks as not taxable.
    pub taxable: bool,
    pub kind: LineKind,
    pub origin: Origin,
    /// What the shop refunded of this line so far, when the export says (WooCommerce's
    /// `refunded:`, a PrestaShop order slip, Magento's `qty_refunded`).
    pub refunded: Option<LineRefund>,
}

/// The refunded part of one line: the quantity and/or the amount, as the export gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineRefund {
    pub quantity: Option<Decimal>,
    /// Amount excluding tax.
    pub ht: Option<Decimal>,
    /// Amount including tax.
    pub ttc: Option<Decimal>,
}

/// What the shop says was refunded of an order so far (whole, or in part): the money given
/// back, tax included. `None` when the export says nothing of refunds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refund {
    pub amount: Option<Decimal>,
    /// Of it, the shipping (including tax), when the export says.
    pub shipping: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxLine {
    /// Percent (20 for 20 %).
    pub rate: Decimal,
    pub amount: Decimal,
    pub label: String,
}

/// Whether the shop's prices include VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceBasis {
    /// Prices excluding tax (HT).
    Excl,
    /// Prices including tax (TTC).
    Incl,
}

/// An order's payment and fulfilment state, as far as importing it matters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderStatus {
    /// The shop's own words (`paid`, `pending`, `Paiement accepté`, `processing`...).
    pub financial: String,
    pub fulfillment: String,
    pub cancelled: bool,
    pub refunded: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Order {
    /// The number shown to the customer (`#1001`, `KQZTRWBNE`...).
    pub number: String,
    /// The shop's internal id.
    pub id: String,
    pub date: Option<jiff::civil::DateTime>,
    pub invoice_date: Option<jiff::civil::DateTime>,
    pub currency: String,
    pub status: OrderStatus,
    pub payment_method: String,
    pub carrier: String,
    /// Totals as the shop states them.
    pub total_ttc: Option<Decimal>,
    pub total_ht: Option<Decimal>,
    pub subtotal: Option<Decimal>,
    /// Shipping of the order, with its basis.
    pub shipping_ht: Option<Decimal>,
    pub shipping_ttc: Option<Decimal>,
    pub shipping_tax_rate: Option<Decimal>,
    /// Order-level discount (coupons), with its basis.
    pub discount_ht: Option<Decimal>,
    pub discount_ttc: Option<Decimal>,
    pub discount_codes: Vec<String>,
    pub taxes: Vec<TaxLine>,
    pub total_tax: Option<Decimal>,
    /// Known from the export, or inferred from the totals (then `basis_inferred`).
    pub prices: Option<PriceBasis>,
    pub basis_inferred: bool,
    pub customer: Customer,
    pub lines: Vec<Line>,
    pub origin: Origin,
    /// Free text of the order (customer note).
    pub note: String,
    /// Refunds so far (credit notes are written from them: resolve/credit.rs).
    pub refund: Refund,
}

impl Order {
    /// The order number without the leading `#` and spaces (`#1001` → `1001`).
    pub fn clean_number(&self) -> &str {
        self.number.trim().trim_start_matches('#').trim()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_order_is_named_by_its_number_and_line() {
        assert_eq!(super::order_subject("#1001", 12), "order #1001 (line 12)");
        assert_eq!(super::order_subject("", 0), "order  (line 0)");
    }
}
