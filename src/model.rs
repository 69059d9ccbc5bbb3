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

    /// Emptied, its texts keeping their memory for the next address a reader puts there.
    pub fn clear(&mut self) {
        // Every field named: one added later must be emptied here too, or this fails to build.
        let Address { company, firstname, lastname, address1, address2, zip, city, state, country, phone } = self;
        for s in [company, firstname, lastname, address1, address2, zip, city, state, country, phone] {
            s.clear();
        }
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
    /// Emptied as `Address::clear` empties an address; the delivery address is handed back
    /// (for the reader's next one) rather than dropped.
    pub fn clear(&mut self) -> Option<Address> {
        let Customer {
            shop_id,
            email,
            firstname,
            lastname,
            company,
            siret,
            ape,
            vat_number,
            phone,
            mobile,
            billing,
            delivery,
            origin,
        } = self;
        for s in [shop_id, email, firstname, lastname, company, siret, ape, vat_number, phone, mobile] {
            s.clear();
        }
        billing.clear();
        *origin = Origin::default();
        delivery.take()
    }

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

impl Line {
    /// Emptied, its texts keeping their memory (see `Order::clear`).
    pub fn clear(&mut self) {
        let Line {
            sku,
            name,
            quantity,
            unit_price_ht,
            unit_price_ttc,
            discount_ht,
            discount_ttc,
            tax_rate,
            taxable,
            kind,
            origin,
            refunded,
        } = self;
        sku.clear();
        name.clear();
        *quantity = Decimal::ZERO;
        (*unit_price_ht, *unit_price_ttc, *tax_rate) = (None, None, None);
        (*discount_ht, *discount_ttc) = (Decimal::ZERO, Decimal::ZERO);
        *taxable = false;
        *kind = LineKind::default();
        *origin = Origin::default();
        *refunded = None;
    }
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
    /// Emptied for a reader to fill again: equal to `Order::default()` afterwards, but its
    /// texts and lists keep their memory (the next order's are about as long), which spares
    /// the reading thread most of its allocations. The lines and the delivery address are
    /// handed back, for the reader to reuse them as well.
    pub fn clear(&mut self) -> (std::vec::Drain<'_, Line>, Option<Address>) {
        // Every field named: one added later must be emptied here too, or this fails to build.
        // (Rebuilding a default order around the kept texts would name fewer: measured, it
        // costs the reading thread 1,000 instructions an order, 2.3 %.)
        let Order {
            number,
            id,
            date,
            invoice_date,
            currency,
            status,
            payment_method,
            carrier,
            total_ttc,
            total_ht,
            subtotal,
            shipping_ht,
            shipping_ttc,
            shipping_tax_rate,
            discount_ht,
            discount_ttc,
            discount_codes,
            taxes,
            total_tax,
            prices,
            basis_inferred,
            customer,
            lines,
            origin,
            note,
            refund,
        } = self;
        for s in [number, id, currency, payment_method, carrier, note] {
            s.clear();
        }
        let OrderStatus { financial, fulfillment, cancelled, refunded } = status;
        financial.clear();
        fulfillment.clear();
        (*cancelled, *refunded) = (false, false);
        (*date, *invoice_date) = (None, None);
        for d in [
            total_ttc,
            total_ht,
            subtotal,
            shipping_ht,
            shipping_ttc,
            shipping_tax_rate,
            discount_ht,
            discount_ttc,
            total_tax,
        ] {
            *d = None;
        }
        discount_codes.clear();
        taxes.clear();
        (*prices, *basis_inferred) = (None, false);
        *origin = Origin::default();
        *refund = Refund::default();
        let delivery = customer.clear();
        (lines.drain(..), delivery)
    }

    /// The order number without the leading `#` and spaces (`#1001` → `1001`).
    pub fn clean_number(&self) -> &str {
        self.number.trim().trim_start_matches('#').trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(tag: &str) -> Address {
        let t = |f: &str| format!("{f} {tag}");
        Address {
            company: t("Société"),
            firstname: t("Zoé"),
            lastname: t("Lefèvre"),
            address1: t("12 rue de l’Œuvre"),
            address2: t("bât. B"),
            zip: t("35000"),
            city: t("Rennes"),
            state: t("Bretagne"),
            country: t("FR"),
            phone: t("0601020304"),
        }
    }

    /// Every field away from its default: a field `clear` forgot shows in the comparison.
    fn full_order() -> Order {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let at = Origin { record: 3, line: 7 };
        let day = Some(jiff::civil::date(2026, 12, 7).at(9, 30, 0, 0));
        let line = Line {
            sku: "MUG-GRES".into(),
            name: "Mug en grès".into(),
            quantity: d("2"),
            unit_price_ht: Some(d("12.42")),
            unit_price_ttc: Some(d("14.90")),
            discount_ht: d("1"),
            discount_ttc: d("1.2"),
            tax_rate: Some(d("20")),
            taxable: true,
            kind: LineKind::Shipping,
            origin: at,
            refunded: Some(LineRefund { quantity: Some(d("1")), ht: None, ttc: None }),
        };
        Order {
            number: "#1001".into(),
            id: "5000000000001".into(),
            date: day,
            invoice_date: day,
            currency: "EUR".into(),
            status: OrderStatus {
                financial: "paid".into(),
                fulfillment: "fulfilled".into(),
                cancelled: true,
                refunded: true,
            },
            payment_method: "Carte".into(),
            carrier: "Colissimo".into(),
            total_ttc: Some(d("1")),
            total_ht: Some(d("1")),
            subtotal: Some(d("1")),
            shipping_ht: Some(d("1")),
            shipping_ttc: Some(d("1")),
            shipping_tax_rate: Some(d("1")),
            discount_ht: Some(d("1")),
            discount_ttc: Some(d("1")),
            discount_codes: vec!["NOËL".into()],
            taxes: vec![TaxLine { rate: d("20"), amount: d("2"), label: "FR TVA 20%".into() }],
            total_tax: Some(d("2")),
            prices: Some(PriceBasis::Incl),
            basis_inferred: true,
            customer: Customer {
                shop_id: "530".into(),
                email: "zoe@exemple.fr".into(),
                firstname: "Zoé".into(),
                lastname: "Lefèvre".into(),
                company: "Société".into(),
                siret: "73282932000074".into(),
                ape: "4791A".into(),
                vat_number: "FR44732829320".into(),
                phone: "0299".into(),
                mobile: "0601".into(),
                billing: address("facturation"),
                delivery: Some(address("livraison")),
                origin: at,
            },
            lines: vec![line.clone(), line],
            origin: at,
            note: "Sonner deux fois".into(),
            refund: Refund { amount: Some(d("3")), shipping: Some(d("1")) },
        }
    }

    #[test]
    fn a_cleared_order_is_a_new_one_with_its_memory_kept() {
        let mut o = full_order();
        let kept = |o: &Order| {
            [
                o.note.capacity(),
                o.status.financial.capacity(),
                o.customer.email.capacity(),
                o.customer.billing.city.capacity(),
                o.taxes.capacity(),
                o.lines.capacity(),
            ]
        };
        let before = kept(&o);
        let (lines, delivery) = o.clear();
        let mut lines: Vec<Line> = lines.collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(delivery, Some(address("livraison")));
        assert_eq!(o, Order::default());
        assert!(before.iter().all(|&c| c > 0));
        assert_eq!(kept(&o), before);
        let sku = lines[0].sku.capacity();
        lines[0].clear();
        assert_eq!(lines[0], Line::default());
        assert_eq!(lines[0].sku.capacity(), sku);
        let mut a = address("x");
        a.clear();
        assert_eq!(a, Address::default());
    }

    #[test]
    fn an_order_is_named_by_its_number_and_line() {
        assert_eq!(super::order_subject("#1001", 12), "order #1001 (line 12)");
        assert_eq!(super::order_subject("", 0), "order  (line 0)");
    }
}
