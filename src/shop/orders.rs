//! Shop order exports → canonical `Order`s, streamed: one order in memory at a time.
//!
//! `rows_per_item` layouts (Shopify, WooCommerce plugins "one row per item") carry the
//! order's fields on the first row of each order and one line per row; rows are grouped by
//! the order key and order-level amounts are read once, never summed across rows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::customers::{country_iso, strip_apostrophe};
use super::dialect::{ColumnMap, Dialect};
use super::values::{parse_amount, parse_bool, parse_datetime, rate_in_label, split_name};
use crate::error::InputError;
use crate::model::{Address, Customer, Line, LineKind, Order, OrderStatus, Origin, PriceBasis, TaxLine};
use crate::report::Warnings;
use crate::table::{Repad, Table, repad};

/// One order that cannot be converted; the others go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderProblem {
    pub order: String,
    /// Line (CSV) or row (spreadsheet) where the problem is.
    pub line: u64,
    pub field: String,
    pub message: String,
}

pub type OrderResult = Result<Order, OrderProblem>;

/// An order being assembled from its rows.
struct Build {
    key: String,
    order: Order,
    problem: Option<OrderProblem>,
    /// Warnings found while reading the order's rows, reported with it.
    warnings: Vec<crate::report::Warning>,
}

pub struct OrderReader {
    pub table: Table,
    pub dialect: &'static Dialect,
    pub generation: String,
    pub cols: ColumnMap,
    /// Canonical field → key of `Note Attributes` holding it.
    note_attributes: BTreeMap<String, String>,
    current: Option<Build>,
    decimal_comma: bool,
}

impl OrderReader {
    pub fn new(
        table: Table,
        dialect: &'static Dialect,
        generation: String,
        cols: ColumnMap,
        note_attributes: BTreeMap<String, String>,
    ) -> Result<OrderReader, InputError> {
        for required in ["order_number", "line_quantity", "line_name", "line_price"] {
            if cols.get(required).is_none() {
                let aliases = dialect.columns.get(required).map(|a| a.join("\" or \"")).unwrap_or_default();
                return Err(InputError::MissingColumn {
                    path: table.path().clone(),
                    column: aliases.clone(),
                    message: format!(
                        "every order needs it ({required}); map it in [input.columns] if your export names it otherwise"
                    ),
                });
            }
        }
        // Shopify and the WooCommerce plugins write plain '.' decimals.
        Ok(OrderReader { table, dialect, generation, cols, note_attributes, current: None, decimal_comma: false })
    }

    fn cell(&mut self, field: &str) -> String {
        let Some(i) = self.cols.get(field) else { return String::new() };
        let raw = self.table.cell(i).trim();
        let always = self.dialect.cleaning.apostrophe.iter().any(|f| f == field);
        let v = strip_apostrophe(raw, always).trim();
        if self.dialect.cleaning.placeholders.get(field).is_some_and(|ph| ph.iter().any(|p| p == v)) {
            return String::new();
        }
        let v = v.to_string();
        let kind = match field {
            "billing_zip" | "shipping_zip" => Some(Repad::Zip),
            "billing_phone" | "shipping_phone" | "phone" => Some(Repad::Phone),
            "siret" => Some(Repad::Siret),
            _ => None,
        };
        match kind {
            Some(k) if self.table.numeric(i) => repad(k, &v),
            _ => v,
        }
    }

    /// An amount cell; a value that is not a number is a problem of the order.
    fn amount(&mut self, field: &str, b: &mut Build) -> Option<Decimal> {
        let v = self.cell(field);
        if v.is_empty() {
            return None;
        }
        match parse_amount(&v, self.decimal_comma) {
            Some(d) => Some(d),
            None => {
                let line = self.table.line();
                b.fail(line, field, format!("'{v}' is not a number"));
                None
            }
        }
    }

    /// The next order (or the problem that stops it), `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        loop {
            if !self.table.next_row()? {
                return Ok(self.current.take().map(|b| self.finish(b, w)));
            }
            let group = self.dialect.group_by.as_deref().unwrap_or("order_number");
            let key = self.cell(group);
            if key.is_empty() {
                let line = self.table.line();
                w.push(
                    "skipped",
                    &format!("{} {line}", if self.table.format() == "xlsx" { "row" } else { "line" }),
                    group,
                    "a row without order number is not part of any order: skipped",
                );
                continue;
            }
            if let Some(b) = self.current.as_mut() {
                if b.key == key {
                    let mut b = self.current.take().expect("current");
                    self.add_line(&mut b);
                    self.current = Some(b);
                    continue;
                }
            }
            let mut next = self.start(key);
            self.add_line(&mut next);
            if let Some(done) = self.current.replace(next) {
                return Ok(Some(self.finish(done, w)));
            }
        }
    }

    /// Order-level fields, from the first row of the order.
    fn start(&mut self, key: String) -> Build {
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        let mut b = Build {
            key: key.clone(),
            order: Order { number: key, origin, ..Default::default() },
            problem: None,
            warnings: Vec::new(),
        };
        let o = &mut b.order;
        o.id = self.cell("order_id");
        o.currency = self.cell("currency");
        o.status = OrderStatus {
            financial: self.cell("financial_status"),
            fulfillment: self.cell("fulfillment_status"),
            cancelled: !self.cell("cancelled_at").is_empty(),
            refunded: false,
        };
        o.payment_method = self.cell("payment_method");
        o.carrier = self.cell("shipping_method");
        o.note = self.cell("note");
        let date = self.cell("date");
        o.date = parse_datetime(&date);
        o.invoice_date = parse_datetime(&self.cell("paid_at"));
        if o.date.is_none() && !date.is_empty() {
            let line = self.table.line();
            b.fail(line, "date", format!("'{date}' is not a date"));
        }
        let codes = self.cell("discount_code");
        let tags = self.cell("note_attributes");
        let attrs = note_attributes(&tags);
        let o = &mut b.order;
        o.discount_codes = codes.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let subtotal = self.amount("subtotal", &mut b);
        let shipping = self.amount("shipping", &mut b);
        let taxes = self.amount("taxes", &mut b);
        let total = self.amount("total", &mut b);
        let discount = self.amount("discount_amount", &mut b);
        let duties = self.amount("duties", &mut b);
        let refunded = self.amount("refunded_amount", &mut b);
        let o = &mut b.order;
        o.subtotal = subtotal;
        o.total_ttc = total;
        o.total_tax = taxes;
        if let (Some(t), Some(x)) = (total, taxes) {
            o.total_ht = Some(t - x);
        }
        // Basis not known yet: keep shop amounts on the TTC side until `finish` decides.
        o.shipping_ttc = shipping;
        o.discount_ttc = discount;
        o.status.refunded = refunded.is_some_and(|r| r > Decimal::ZERO && total.is_some_and(|t| r >= t));
        let _ = duties;
        for n in 1..=5 {
            let name = self.cell(&format!("tax_{n}_name"));
            if name.is_empty() {
                continue;
            }
            let value = self.amount(&format!("tax_{n}_value"), &mut b).unwrap_or_default();
            match rate_in_label(&name) {
                Some(rate) => b.order.taxes.push(TaxLine { rate, amount: value, label: name }),
                None => {
                    let line = self.table.line();
                    b.fail(
                        line,
                        &format!("tax_{n}_name"),
                        format!("no rate in the tax label '{name}' (expected e.g. 'FR TVA 20%')"),
                    );
                }
            }
        }
        self.customer(&mut b, &attrs);
        b
    }

    fn customer(&mut self, b: &mut Build, attrs: &BTreeMap<String, String>) {
        let subject = format!("order {}", b.order.number);
        let mut w = Warnings::default();
        let billing = self.address("billing", &subject, &mut w);
        let shipping = self.address("shipping", &subject, &mut w);
        let from_attr = |field: &str| -> String {
            self.note_attributes.get(field).and_then(|key| attrs.get(&key.to_lowercase())).cloned().unwrap_or_default()
        };
        let (siret_attr, vat_attr) = (from_attr("siret"), from_attr("vat_number"));
        let mut c = Customer {
            shop_id: self.cell("customer_id"),
            email: self.cell("email"),
            firstname: billing.firstname.clone(),
            lastname: billing.lastname.clone(),
            company: billing.company.clone(),
            siret: self.cell("siret"),
            vat_number: self.cell("vat_number"),
            phone: billing.phone.clone(),
            mobile: self.cell("phone"),
            billing,
            delivery: (!shipping.is_empty()).then_some(shipping),
            origin: b.order.origin,
            ..Default::default()
        };
        if c.siret.is_empty() {
            c.siret = siret_attr;
        }
        if c.vat_number.is_empty() {
            c.vat_number = vat_attr;
        }
        if c.email.is_empty() {
            c.email = self.cell("billing_email");
        }
        b.order.customer = c;
        b.warnings.append(&mut w.list);
    }

    fn address(&mut self, side: &str, subject: &str, w: &mut Warnings) -> Address {
        let f = |x: &str| format!("{side}_{x}");
        let (mut first, mut last) = (self.cell(&f("firstname")), self.cell(&f("lastname")));
        if first.is_empty() && last.is_empty() {
            (first, last) = split_name(&self.cell(&f("name")));
        }
        let country = self.cell(&f("country"));
        Address {
            company: self.cell(&f("company")),
            firstname: first,
            lastname: last,
            address1: self.cell(&f("address1")),
            address2: self.cell(&f("address2")),
            zip: self.cell(&f("zip")),
            city: self.cell(&f("city")),
            state: self.cell(&f("state")),
            country: country_iso(&country, subject, w),
            phone: self.cell(&f("phone")),
        }
    }

    fn add_line(&mut self, b: &mut Build) {
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        let qty_text = self.cell("line_quantity");
        let quantity = match parse_amount(&qty_text, self.decimal_comma) {
            Some(q) => q,
            None => {
                b.fail(origin.line, "line_quantity", format!("quantity '{qty_text}' is not a number"));
                Decimal::ZERO
            }
        };
        let price = self.amount("line_price", b);
        let discount = self.amount("line_discount", b).unwrap_or_default();
        let taxable = parse_bool(&self.cell("line_taxable")).unwrap_or(true);
        let rate = self.amount("line_tax_rate", b);
        b.order.lines.push(Line {
            sku: self.cell("line_sku"),
            name: self.cell("line_name"),
            quantity,
            // The basis is decided in `finish`; until then the shop's price sits on the TTC side.
            unit_price_ttc: price,
            discount_ttc: discount,
            tax_rate: rate,
            taxable,
            kind: LineKind::Product,
            origin,
            ..Default::default()
        });
        if price.is_none() {
            b.fail(origin.line, "line_price", "the line has no price".into());
        }
    }

    /// The order's basis (HT/TTC) and line tax rates, once all its rows are read.
    fn finish(&mut self, mut b: Build, w: &mut Warnings) -> OrderResult {
        for x in b.warnings.drain(..) {
            w.push(&x.kind, &x.record, &x.field, x.message);
        }
        if let Some(p) = b.problem {
            return Err(p);
        }
        let mut o = b.order;
        if self.dialect.platform == "shopify" {
            shopify_basis(&mut o, w);
        }
        Ok(o)
    }
}

impl Build {
    fn fail(&mut self, line: u64, field: &str, message: String) {
        if self.problem.is_none() {
            self.problem =
                Some(OrderProblem { order: self.order.number.clone(), line, field: field.to_string(), message });
        }
    }
}

/// `key: value` lines of Shopify's `Note Attributes`, keys lowercased.
pub fn note_attributes(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// Shopify does not say whether prices include tax: the totals tell (SHOP-EXPORTS.md §2.1).
/// Tax-inclusive: Total = Subtotal + Shipping (+ Duties); exclusive: + Taxes. Then the one
/// rate of the order goes to every taxable line and to shipping; with several rates the link
/// between lines and rates is not in the export.
fn shopify_basis(o: &mut Order, w: &mut Warnings) {
    let subject = format!("order {}", o.number);
    let cent = Decimal::new(1, 2);
    let taxes = o.total_tax.unwrap_or_default();
    let basis = match (o.total_ttc, o.subtotal) {
        (Some(total), Some(sub)) => {
            let ship = o.shipping_ttc.unwrap_or_default();
            let incl = (total - (sub + ship)).abs() <= cent;
            let excl = (total - (sub + ship + taxes)).abs() <= cent;
            match (incl, excl) {
                (true, false) => Some(PriceBasis::Incl),
                (false, true) => Some(PriceBasis::Excl),
                (true, true) => Some(PriceBasis::Incl),
                (false, false) => None,
            }
        }
        _ => None,
    };
    o.prices = basis;
    o.basis_inferred = true;
    if basis == Some(PriceBasis::Excl) {
        // Amounts were read onto the TTC side while the basis was unknown.
        for l in &mut o.lines {
            l.unit_price_ht = l.unit_price_ttc.take();
            l.discount_ht = std::mem::take(&mut l.discount_ttc);
        }
        o.shipping_ht = o.shipping_ttc.take();
        o.discount_ht = o.discount_ttc.take();
    }
    if basis.is_none() {
        w.push(
            "guessed",
            &subject,
            "prices",
            "the totals fit neither tax-inclusive nor tax-exclusive prices: [orders] prices_include_tax decides",
        );
    }
    let rates: Vec<Decimal> = {
        let mut r: Vec<Decimal> = o.taxes.iter().filter(|t| !t.amount.is_zero()).map(|t| t.rate).collect();
        r.sort();
        r.dedup();
        r
    };
    let rate = match rates.len() {
        0 if taxes.is_zero() => Some(Decimal::ZERO),
        1 => Some(rates[0]),
        _ => None,
    };
    if rates.len() > 1 {
        w.push(
            "tax_rate_unknown",
            &subject,
            "tax_rate",
            format!(
                "{} VAT rates ({}) and the export does not say which line has which: lines get no rate and Sage applies each article's own",
                rates.len(),
                rates.iter().map(|r| format!("{r}%")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    for l in &mut o.lines {
        if l.tax_rate.is_none() {
            l.tax_rate = if l.taxable { rate } else { Some(Decimal::ZERO) };
        }
    }
    o.shipping_tax_rate = rate;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_attribute_lines() {
        let a = note_attributes("SIRET: 628 194 821 00037\nTVA intracom : FR90628194821\nvide:\n");
        assert_eq!(a.get("siret").map(String::as_str), Some("628 194 821 00037"));
        assert_eq!(a.get("tva intracom").map(String::as_str), Some("FR90628194821"));
        assert!(!a.contains_key("vide"));
    }
}
