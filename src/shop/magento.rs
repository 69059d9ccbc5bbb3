//! Magento 2: the customers of System › Data Transfer › Export (CSV), and orders as the REST
//! API gives them (`/V1/orders`, JSON). The admin grids' exports are not read: the order grid
//! has no lines, and the customer grid holds less than the Data Transfer files.
//!
//! **Customers.** The Data Transfer export has no customer id: a customer is its e-mail on
//! its website (`email` + `_website`). The main file has no address; the "Customer Addresses"
//! file, given in the same run, is joined to it by `_email` + `_website` (see `companions`).
//! The composite file carries one address per row, further addresses on the rows after it
//! whose customer columns are empty. The default billing address (`_address_default_billing_`
//! = 1, else the first one) fills the card, the default shipping address, when another, the
//! delivery address; other addresses are not written (said). `street` holds several lines: the
//! first is the address, the others its complement.
//!
//! **Orders.** Amounts come both excluding (`price`, `row_total`, `shipping_amount`) and
//! including tax (`price_incl_tax`, `shipping_incl_tax`): both sides are filled and, as for
//! PrestaShop, the side whose unit prices are whole cents is the one the merchant typed.
//! Line discounts (`discount_amount`, positive) include tax when Magento set aside the tax
//! they hide (`discount_tax_compensation_amount`), else exclude it; the order's own
//! `discount_amount` (negative) is their sum and is not written again.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::Value;

use super::companions::{Companion, Entry, Fields, Joined, Survey};
use super::customers::{country_iso, strip_apostrophe};
use super::dialect::{ColumnMap, Dialect};
use super::json::{self, list, str_at};
use super::orders::{OrderProblem, OrderResult};
use super::prestashop::{price_basis, tax_lines};
use super::rest_record::{Rec, address, split_street};
use super::unused::ColumnUse;
use super::values::{parse_datetime, snap_rate};
use crate::error::InputError;
use crate::model::{Address, Customer, Line, LineKind, LineRefund, Order, Origin, Platform};
use crate::profile::InputSection;
use crate::report::Warnings;
use crate::table::{Table, TableOptions, sniff};
use crate::warning_kind::WarningKind;

/// The join key of a customer: e-mail (case-folded) on its website.
fn key(email: &str, website: &str) -> String {
    format!("{}\u{1f}{}", email.trim().to_lowercase(), website.trim().to_lowercase())
}

/// One address of a customer, and whether it is a default one.
#[derive(Debug, Clone, Default)]
struct Addr {
    address: Address,
    vat: String,
    billing: bool,
    shipping: bool,
}

impl Addr {
    fn from_fields(f: &Fields) -> Addr {
        let g = |k: &str| f.get(k).cloned().unwrap_or_default();
        let (address1, address2) = split_street(&g("address1"), "");
        Addr {
            address: Address {
                company: g("company"),
                firstname: g("firstname"),
                lastname: g("lastname"),
                address1,
                address2,
                zip: g("zip"),
                city: g("city"),
                state: g("state"),
                country: g("country"),
                phone: g("phone"),
            },
            vat: g("vat_number"),
            billing: g("default_billing") == "1",
            shipping: g("default_shipping") == "1",
        }
    }
}

/// A row of a customer file: the customer's columns and the address of the row (composite).
struct Row {
    origin: Origin,
    email: String,
    website: String,
    firstname: String,
    lastname: String,
    vat: String,
    address: Option<Addr>,
}

/// Cleans a cell as the dialect says (Excel's apostrophe, placeholders).
fn clean(d: &Dialect, field: &str, raw: &str) -> String {
    let always = d.cleaning.apostrophe.iter().any(|f| f == field);
    let v = strip_apostrophe(raw.trim(), always).trim();
    if d.cleaning.placeholders.get(field).is_some_and(|ph| ph.iter().any(|p| p == v)) {
        return String::new();
    }
    v.to_string()
}

/// Magento's service columns (fixed names, not mapped).
struct Service {
    website: Option<usize>,
    default_billing: Option<usize>,
    default_shipping: Option<usize>,
}

impl Service {
    fn find(table: &Table) -> Service {
        let col = |h: &str| table.find(&[h.to_string()]);
        Service {
            website: col("_website"),
            default_billing: col("_address_default_billing_"),
            default_shipping: col("_address_default_shipping_"),
        }
    }
}

fn cell(table: &mut Table, i: Option<usize>) -> String {
    i.map(|i| table.cell(i).trim().to_string()).unwrap_or_default()
}

/// Customers of the main or the composite file.
pub struct CustomerReader {
    pub table: Table,
    pub dialect: &'static Dialect,
    pub generation: String,
    pub cols: ColumnMap,
    joined: Arc<Joined>,
    composite: bool,
    service: Service,
    /// The row that ended the previous customer (composite file).
    pending: Option<Row>,
    /// The run has no address file (main file): said once.
    no_address_file: bool,
    /// The columns not read that hold data, said once for the file.
    pub usage: ColumnUse,
}

impl CustomerReader {
    pub fn new(
        table: Table,
        dialect: &'static Dialect,
        generation: String,
        cols: ColumnMap,
        joined: Arc<Joined>,
    ) -> CustomerReader {
        let service = Service::find(&table);
        let composite = cols.get("billing_address1").is_some();
        let read: Vec<usize> =
            [service.website, service.default_billing, service.default_shipping].into_iter().flatten().collect();
        let usage = ColumnUse::new(&table, dialect, &cols, &read);
        CustomerReader {
            usage,
            table,
            dialect,
            generation,
            cols,
            joined,
            composite,
            service,
            pending: None,
            no_address_file: false,
        }
    }

    fn get(&mut self, field: &str) -> String {
        let Some(i) = self.cols.get(field) else { return String::new() };
        let raw = self.table.cell(i).to_string();
        clean(self.dialect, field, &raw)
    }

    fn read_row(&mut self, w: &mut Warnings) -> Result<Option<Row>, InputError> {
        if !self.table.next_row()? {
            return Ok(None);
        }
        self.usage.observe(&self.table);
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        for (i, why) in self.table.doubtful() {
            let col = self.table.headers().get(i).cloned().unwrap_or_default();
            w.push(WarningKind::Guessed, &format!("record {} (line {})", origin.record, origin.line), &col, why);
        }
        let mut row = Row {
            origin,
            email: self.get("email"),
            website: cell(&mut self.table, self.service.website),
            firstname: self.get("firstname"),
            lastname: self.get("lastname"),
            vat: self.get("vat_number"),
            address: None,
        };
        if self.composite {
            let (address1, address2) = split_street(&self.get("billing_address1"), "");
            let address = Address {
                company: self.get("billing_company"),
                firstname: self.get("billing_firstname"),
                lastname: self.get("billing_lastname"),
                address1,
                address2,
                zip: self.get("billing_zip"),
                city: self.get("billing_city"),
                state: self.get("billing_state"),
                country: self.get("billing_country"),
                phone: self.get("billing_phone"),
            };
            if !address.is_empty() || !address.company.is_empty() {
                row.address = Some(Addr {
                    address,
                    vat: self.get("billing_vat_number"),
                    billing: cell(&mut self.table, self.service.default_billing) == "1",
                    shipping: cell(&mut self.table, self.service.default_shipping) == "1",
                });
            }
        }
        Ok(Some(row))
    }

    /// The next customer, or `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<Customer>, InputError> {
        let first = match self.pending.take() {
            Some(r) => r,
            None => loop {
                match self.read_row(w)? {
                    None => return Ok(None),
                    Some(r) if !self.composite || !r.email.is_empty() => break r,
                    Some(r) => w.push(
                        WarningKind::Skipped,
                        &format!("record {} (line {})", r.origin.record, r.origin.line),
                        "email",
                        "an address row before any customer row: not written",
                    ),
                }
            },
        };
        let subject = format!("customer {} (line {})", first.email, first.origin.line);
        let mut addrs: Vec<Addr> = first.address.clone().into_iter().collect();
        if self.composite {
            let k = key(&first.email, &first.website);
            loop {
                match self.read_row(w)? {
                    None => break,
                    Some(r) if r.email.is_empty() || key(&r.email, &r.website) == k => addrs.extend(r.address),
                    Some(r) => {
                        self.pending = Some(r);
                        break;
                    }
                }
            }
        } else if self.joined.has(Platform::Magento, "address") {
            let found = self.joined.all(Platform::Magento, "address", &key(&first.email, &first.website));
            addrs.extend(found.into_iter().map(Addr::from_fields));
            if addrs.is_empty() {
                w.push(
                    WarningKind::MissingAddress,
                    &subject,
                    "address",
                    "no address of this customer (e-mail and website) in the run's customer address file: the client is written without address",
                );
            }
        } else if !self.no_address_file {
            self.no_address_file = true;
            w.push(
                WarningKind::MissingAddress,
                &self.table.path().display().to_string(),
                "address",
                "the Magento customers main file holds no address and no customer address file (_website,_email,_entity_id,...) is in this run: clients are written without address. Export \"Customer Addresses\" too and convert both files together",
            );
        }
        Ok(Some(self.customer(first, addrs, &subject, w)))
    }

    fn customer(&self, row: Row, addrs: Vec<Addr>, subject: &str, w: &mut Warnings) -> Customer {
        let billing_at = addrs.iter().position(|a| a.billing).or_else(|| {
            if addrs.len() > 1 {
                w.push(
                    WarningKind::Guessed,
                    subject,
                    "_address_default_billing_",
                    "no address is the default billing one: the first is written on the client card",
                );
            }
            (!addrs.is_empty()).then_some(0)
        });
        let shipping_at = addrs.iter().position(|a| a.shipping).filter(|&i| Some(i) != billing_at);
        let others = addrs.len() - usize::from(billing_at.is_some()) - usize::from(shipping_at.is_some());
        if others > 0 {
            w.push(
                WarningKind::Skipped,
                subject,
                "address",
                format!(
                    "{others} address(es) besides the default billing and shipping ones: not written (Sage gets the client's billing and delivery addresses)"
                ),
            );
        }
        let pick = |i: Option<usize>, w: &mut Warnings| {
            i.map(|i| {
                let mut a = addrs[i].clone();
                a.address.country = country_iso(&a.address.country, subject, w);
                a
            })
        };
        let billing = pick(billing_at, w).unwrap_or_default();
        let delivery = pick(shipping_at, w).map(|a| a.address);
        let (mut firstname, mut lastname) = (row.firstname, row.lastname);
        if firstname.is_empty() && lastname.is_empty() {
            (firstname, lastname) = (billing.address.firstname.clone(), billing.address.lastname.clone());
        }
        let vat = if billing.vat.is_empty() { row.vat } else { billing.vat.clone() };
        Customer {
            shop_id: String::new(),
            email: row.email,
            firstname,
            lastname,
            company: billing.address.company.clone(),
            vat_number: vat.split_whitespace().collect(),
            phone: billing.address.phone.clone(),
            billing: billing.address,
            delivery,
            origin: row.origin,
            ..Default::default()
        }
    }
}

/// A Customer Addresses file: a companion of the main file (see `companions`); `Ok(None)` for
/// any other table.
pub fn survey_addresses(path: &std::path::Path, input: &InputSection) -> Result<Option<Survey>, InputError> {
    let enc = input.encoding.as_deref().and_then(sniff::encoding_by_label);
    let delim = input.delimiter.as_deref().and_then(sniff::delimiter_by_label);
    let table = Table::open(path, TableOptions { encoding: enc, delimiter: delim, sheet: None })?;
    match super::dialect::detect(&table, &input.columns) {
        Some((d, sig)) if d.kind == "addresses" => {
            let cols = d.map(&table, &input.columns);
            read_addresses(table, d, sig.generation.clone(), cols).map(Some)
        }
        _ => Ok(None),
    }
}

/// Reads every address of a Customer Addresses file, keyed by `_email` + `_website`.
pub fn read_addresses(
    mut table: Table,
    d: &'static Dialect,
    generation: String,
    cols: ColumnMap,
) -> Result<Survey, InputError> {
    let service = Service::find(&table);
    let mut entries = Vec::new();
    const FIELDS: [&str; 11] = [
        "email",
        "company",
        "firstname",
        "lastname",
        "address1",
        "zip",
        "city",
        "state",
        "country",
        "phone",
        "vat_number",
    ];
    while table.next_row()? {
        let mut f = Fields::new();
        for field in FIELDS {
            if let Some(i) = cols.get(field) {
                let raw = table.cell(i).to_string();
                f.insert(field.to_string(), clean(d, field, &raw));
            }
        }
        f.insert("default_billing".into(), cell(&mut table, service.default_billing));
        f.insert("default_shipping".into(), cell(&mut table, service.default_shipping));
        let website = cell(&mut table, service.website);
        let email = f.get("email").cloned().unwrap_or_default();
        entries.push(Entry { resource: "address", key: key(&email, &website), fields: f });
    }
    Ok(Survey {
        companion: Companion {
            path: table.path().clone(),
            platform: d.platform,
            kind: d.kind.clone(),
            generation,
            encoding: table.encoding_label(),
            delimiter: table.delimiter_label(),
            records: entries.len() as u64,
            completes: "customers",
            join: "by e-mail and website: _email + _website = the main file's email + _website",
        },
        entries,
    })
}

/// A Magento order of the REST API (see the module comment).
pub fn order(r: &Rec, origin: Origin, w: &mut Warnings) -> OrderResult {
    let v = r.v;
    let number = r.field("order_number");
    let subject = format!("order {number} (line {})", origin.line);
    let problem = |field: &str, message: String| OrderProblem {
        order: number.clone(),
        line: origin.line,
        field: field.into(),
        message,
    };
    if number.is_empty() {
        return Err(problem("increment_id", "the order has no number (neither increment_id nor entity_id)".into()));
    }
    let amt = |item: &Value, key: &str, path: &str| {
        json::amount(item, key).map_err(|bad| problem(path, format!("{path} '{bad}' is not a number")))
    };
    let mut o = Order { number: number.clone(), id: r.field("order_id"), origin, ..Default::default() };
    let date = r.field("date");
    o.date = parse_datetime(&date);
    if o.date.is_none() && !date.is_empty() {
        return Err(problem(&r.path_of("date"), format!("'{date}' is not a date")));
    }
    o.currency = r.field("currency");
    let status = r.field("financial_status");
    o.status.cancelled = r.d.is_cancelled(&status) || str_at(v, "state") == "canceled";
    o.status.refunded = r.d.is_refunded(&status);
    o.status.financial = status;
    o.payment_method = r.field("payment_method");
    o.carrier = r.field("shipping_method");
    o.note = r.field("note");

    o.total_ttc = amt(v, "grand_total", "grand_total")?;
    o.total_tax = amt(v, "tax_amount", "tax_amount")?;
    if let (Some(t), Some(x)) = (o.total_ttc, o.total_tax) {
        o.total_ht = Some(t - x);
    }
    o.subtotal = amt(v, "subtotal", "subtotal")?;
    // A partial refund is the converter's to credit (resolve/credit.rs).
    if let Some(refunded) = amt(v, "total_refunded", "total_refunded")?.filter(|r| !r.is_zero()) {
        o.refund.amount = Some(refunded.abs());
        if o.total_ttc.is_some_and(|t| refunded >= t) {
            o.status.refunded = true;
        }
    }
    let code = str_at(v, "coupon_code");
    let description = str_at(v, "discount_description");
    if !code.is_empty() {
        o.discount_codes.push(code);
    } else if !description.is_empty() && amt(v, "discount_amount", "discount_amount")?.is_some_and(|d| !d.is_zero()) {
        o.discount_codes.push(description);
    }

    // Lines: a parent (configurable, bundle) and its children share one product; the priced
    // parent is kept, unless it is priced by its children (then they are kept).
    let items = list(v, "items");
    let priced = |it: &Value| {
        ["price", "row_total", "price_incl_tax"]
            .iter()
            .any(|k| json::amount(it, k).ok().flatten().is_some_and(|a| !a.is_zero()))
    };
    let parent_of = |it: &Value| str_at(it, "parent_item_id");
    let by_id = |id: &str| items.iter().find(|p| str_at(p, "item_id") == id);
    let mut from_children: Vec<String> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let p = |key: &str| format!("items[{k}].{key}");
        let parent = parent_of(item);
        if !parent.is_empty() {
            match by_id(&parent) {
                Some(par) if priced(par) => continue,
                Some(par) => {
                    let name = str_at(par, "name");
                    if !from_children.contains(&name) {
                        from_children.push(name);
                    }
                }
                None => {}
            }
        } else if !priced(item) && items.iter().any(|c| parent_of(c) == str_at(item, "item_id") && priced(c)) {
            // Priced by its children, which are read instead.
            continue;
        }
        let name = str_at(item, "name");
        let quantity = amt(item, "qty_ordered", &p("qty_ordered"))?
            .ok_or_else(|| problem(&p("qty_ordered"), format!("line {} ('{name}') has no quantity", k + 1)))?;
        let ht = amt(item, "price", &p("price"))?;
        let ttc = amt(item, "price_incl_tax", &p("price_incl_tax"))?;
        if ht.is_none() && ttc.is_none() {
            return Err(problem(&p("price"), format!("line {} ('{name}') has no price", k + 1)));
        }
        let rate = match amt(item, "tax_percent", &p("tax_percent"))? {
            Some(r) => Some(r.normalize()),
            None => match (ht, ttc) {
                (Some(h), Some(t)) => snap_rate(h, t - h, &[]).unwrap_or_else(|raw| {
                    w.push(
                        WarningKind::Guessed,
                        &subject,
                        "tax_percent",
                        format!(
                            "line {}: {t} incl. tax for {h} excl. tax is {raw}%, not a known VAT rate: written as is",
                            k + 1
                        ),
                    );
                    Some(raw)
                }),
                _ => None,
            },
        };
        let discount = amt(item, "discount_amount", &p("discount_amount"))?.unwrap_or_default();
        let hidden =
            amt(item, "discount_tax_compensation_amount", &p("discount_tax_compensation_amount"))?.unwrap_or_default();
        let (discount_ht, discount_ttc) = if !hidden.is_zero() {
            (discount - hidden, discount)
        } else {
            let ttc = rate.map(|r| (discount * (Decimal::ONE + r / Decimal::ONE_HUNDRED)).round_dp(2));
            (discount, ttc.unwrap_or(discount))
        };
        // Refunded so far by credit memos: the quantity, the row amount excluding tax and its tax.
        let qty_refunded = amt(item, "qty_refunded", &p("qty_refunded"))?.filter(|q| !q.is_zero());
        let amount_refunded = amt(item, "amount_refunded", &p("amount_refunded"))?.filter(|a| !a.is_zero());
        let tax_refunded = amt(item, "tax_refunded", &p("tax_refunded"))?;
        let refunded = (qty_refunded.is_some() || amount_refunded.is_some()).then(|| LineRefund {
            quantity: qty_refunded,
            ht: amount_refunded,
            ttc: amount_refunded.zip(tax_refunded).map(|(a, t)| a + t),
        });
        o.lines.push(Line {
            sku: str_at(item, "sku"),
            name,
            quantity,
            unit_price_ht: ht,
            unit_price_ttc: ttc,
            discount_ht,
            discount_ttc,
            tax_rate: rate,
            taxable: rate != Some(Decimal::ZERO),
            kind: LineKind::Product,
            origin,
            refunded,
        });
    }
    if !from_children.is_empty() {
        w.push(
            WarningKind::Guessed,
            &subject,
            "items",
            format!(
                "{} priced by {} components: the components are written, not the product itself",
                from_children.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
                if from_children.len() == 1 { "its" } else { "their" }
            ),
        );
    }
    if o.lines.is_empty() {
        return Err(problem("items", "the order has no items".into()));
    }

    let ship_ht = amt(v, "shipping_amount", "shipping_amount")?;
    let ship_ttc = amt(v, "shipping_incl_tax", "shipping_incl_tax")?;
    let ship_tax = amt(v, "shipping_tax_amount", "shipping_tax_amount")?;
    let candidates: Vec<Decimal> = o.lines.iter().filter_map(|l| l.tax_rate).collect();
    if let Some(h) = ship_ht.filter(|h| !h.is_zero()) {
        let tax = ship_tax.or(ship_ttc.map(|t| t - h)).unwrap_or_default();
        o.shipping_tax_rate = match snap_rate(h, tax, &candidates) {
            Ok(r) => r,
            Err(raw) => {
                w.push(
                    WarningKind::Guessed,
                    &subject,
                    "shipping_tax_amount",
                    format!("shipping tax {tax} on {h} is {raw}%, not a known VAT rate: written as is"),
                );
                Some(raw)
            }
        };
    }
    o.shipping_ht = ship_ht;
    o.shipping_ttc = ship_ttc.or(match (ship_ht, ship_tax) {
        (Some(h), Some(t)) => Some(h + t),
        _ => None,
    });
    // A discount on shipping lowers the shipping line (on the side it was computed on).
    if let Some(d) = amt(v, "shipping_discount_amount", "shipping_discount_amount")?.filter(|d| !d.is_zero()) {
        let hidden = amt(v, "shipping_discount_tax_compensation_amount", "shipping_discount_tax_compensation_amount")?
            .unwrap_or_default();
        let f = o.shipping_tax_rate.map(|r| Decimal::ONE + r / Decimal::ONE_HUNDRED);
        let (d_ht, d_ttc) =
            if hidden.is_zero() { (d, f.map(|f| (d * f).round_dp(2)).unwrap_or(d)) } else { (d - hidden, d) };
        o.shipping_ht = o.shipping_ht.map(|s| s - d_ht);
        o.shipping_ttc = o.shipping_ttc.map(|s| s - d_ttc);
        w.push(
            WarningKind::Discount,
            &subject,
            "shipping_discount_amount",
            format!("a discount of {d} on shipping: written as a lower shipping amount"),
        );
    }

    o.prices = Some(price_basis(&o));
    o.basis_inferred = false;
    o.taxes = tax_lines(&o);

    let billing = address(r, "billing", &subject, w);
    let shipping = address(r, "shipping", &subject, w);
    let guest = matches!(lookup_flag(v, "customer_is_guest"), Some(true));
    let (mut firstname, mut lastname) = (r.field("firstname"), r.field("lastname"));
    if firstname.is_empty() && lastname.is_empty() {
        (firstname, lastname) = (billing.firstname.clone(), billing.lastname.clone());
    }
    o.customer = Customer {
        shop_id: if guest { String::new() } else { r.field("customer_id") },
        email: r.field("email"),
        firstname,
        lastname,
        company: billing.company.clone(),
        vat_number: r.field("vat_number").split_whitespace().collect(),
        phone: billing.phone.clone(),
        billing,
        delivery: (!shipping.is_empty()).then_some(shipping),
        origin,
        ..Default::default()
    };
    Ok(Box::new(o))
}

/// A 0/1 or boolean flag.
fn lookup_flag(v: &Value, key: &str) -> Option<bool> {
    match json::lookup(v, key)? {
        Value::Bool(b) => Some(*b),
        other => json::text(other).map(|t| t == "1" || t.eq_ignore_ascii_case("true")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shop::{Customers, ShopFile, open_in_run};
    use std::path::PathBuf;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn customers(file: ShopFile) -> Customers {
        match file {
            ShopFile::Customers(c) => c,
            _ => panic!("not customers"),
        }
    }

    const COMPOSITE: &str = "email,_website,_store,firstname,lastname,taxvat,_address_city,_address_company,_address_country_id,_address_firstname,_address_lastname,_address_postcode,_address_street,_address_telephone,_address_vat_id,_address_default_billing_,_address_default_shipping_\n";

    #[test]
    fn composite_rows_without_customer_columns_are_more_addresses_of_the_customer_above() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{COMPOSITE},,,,,,Nowhere,,FR,,,75001,\"1 rue perdue\",,,1,1\n\
a@exemple.fr,base,default,Ana,Roy,,Paris,,FR,Ana,Roy,75002,\"1 rue A\nEscalier B\",\" +33 1 00 00 00 00\",,0,1\n\
,,,,,,Lyon,Roy SARL,FR,Ana,Roy,69001,\"2 rue B\",,FR40123456824,1,0\n\
,,,,,,Nice,,FR,Ana,Roy,06000,\"3 rue C\",,,0,0\n\
b@exemple.fr,base,default,Léo,Petit,FR61954506077,,,,,,,,,,,\n"
        );
        let p = write(dir.path(), "composite.csv", &text);
        let mut c = customers(open_in_run(&p, &Default::default(), Arc::default()).unwrap());
        let mut w = Warnings::new("composite.csv");
        let a = c.next(&mut w).unwrap().unwrap();
        // The default billing address is the second row's; the first row's is the delivery.
        assert_eq!(
            (a.billing.city.as_str(), a.company.as_str(), a.vat_number.as_str()),
            ("Lyon", "Roy SARL", "FR40123456824")
        );
        let d = a.delivery.clone().unwrap();
        assert_eq!(
            (d.address1.as_str(), d.address2.as_str(), d.phone.as_str()),
            ("1 rue A", "Escalier B", "+33 1 00 00 00 00")
        );
        assert_eq!(a.origin.line, 3);
        let b = c.next(&mut w).unwrap().unwrap();
        assert_eq!(
            (b.email.as_str(), b.firstname.as_str(), b.vat_number.as_str()),
            ("b@exemple.fr", "Léo", "FR61954506077")
        );
        assert!(b.billing.is_empty() && b.delivery.is_none());
        assert!(c.next(&mut w).unwrap().is_none());
        let said: Vec<(&str, &str)> = w.list.iter().map(|x| (x.kind.as_str(), x.message.as_str())).collect();
        assert!(said.iter().any(|(k, m)| *k == "skipped" && m.contains("before any customer row")), "{said:?}");
        assert!(said.iter().any(|(k, m)| *k == "skipped" && m.contains("1 address(es)")), "Nice: {said:?}");
    }

    #[test]
    fn main_file_addresses_come_from_the_address_file_by_email_and_website() {
        let dir = tempfile::tempdir().unwrap();
        let main = write(
            dir.path(),
            "main.csv",
            "email,_website,_store,firstname,lastname,taxvat\nAna@Exemple.fr,base,default,Ana,Roy,FR61954506077\nana@exemple.fr,pro,pro,Ana,Roy,\nzoe@exemple.fr,base,default,,,\n",
        );
        let addresses = write(
            dir.path(),
            "adresses.csv",
            "_website,_email,_entity_id,city,company,country_id,firstname,lastname,postcode,street,telephone,vat_id,_address_default_billing_,_address_default_shipping_\n\
base,ana@exemple.fr,1,Paris,,FR,Ana,Roy,75002,\"1 rue A\",,,0,0\n\
base,ana@exemple.fr,2,Lyon,,FR,Ana,Roy,69001,\"2 rue B\",,,0,0\n\
base,zoe@exemple.fr,3,Nice,,FR,Zoé,Lin,06000,\"3 rue C\",,,1,1\n",
        );
        let input = Default::default();
        let joined = Arc::new(Joined::gather(&[main.clone(), addresses], &input));
        let mut c = customers(open_in_run(&main, &input, joined).unwrap());
        let mut w = Warnings::new("main.csv");
        let ana = c.next(&mut w).unwrap().unwrap();
        // No default flag: the first address, said; the second is not written, said.
        assert_eq!((ana.billing.city.as_str(), ana.vat_number.as_str()), ("Paris", "FR61954506077"));
        assert!(ana.delivery.is_none());
        let pro = c.next(&mut w).unwrap().unwrap();
        assert!(pro.billing.is_empty(), "another website: another customer, no address");
        let zoe = c.next(&mut w).unwrap().unwrap();
        assert_eq!((zoe.firstname.as_str(), zoe.lastname.as_str(), zoe.billing.city.as_str()), ("Zoé", "Lin", "Nice"));
        assert!(zoe.delivery.is_none(), "the billing address is the delivery one too");
        let kinds: Vec<&str> = w.list.iter().map(|x| x.kind.as_str()).collect();
        assert_eq!(kinds, ["guessed", "skipped", "missing_address"], "{:#?}", w.list);
    }

    fn order_of(json: &str) -> (OrderResult, Warnings) {
        let v: Value = serde_json::from_str(json).unwrap();
        let d = crate::shop::dialect::json_all().iter().find(|d| d.name == "magento_rest").unwrap();
        let overrides = Default::default();
        let r = Rec { v: &v, d, overrides: &overrides };
        let mut w = Warnings::new("orders.json");
        let o = order(&r, Origin { record: 1, line: 3 }, &mut w);
        (o, w)
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn parents_children_and_discounts() {
        // Prices excl. tax (B2B), a discount excl. tax, a bundle priced by its components, a
        // configurable product whose child is at 0, a discount on shipping, a guest.
        let (o, w) = order_of(
            r#"{"increment_id":"100000042","entity_id":42,"created_at":"2026-11-24 08:14:03","status":"processing",
            "order_currency_code":"EUR","grand_total":139.2,"tax_amount":23.6,"subtotal":118,"customer_is_guest":1,
            "customer_id":null,"customer_email":"zoe@exemple.fr","shipping_amount":10,"shipping_incl_tax":12,
            "shipping_tax_amount":2,"shipping_discount_amount":2,"coupon_code":"PRO10",
            "billing_address":{"firstname":"Zoé","lastname":"Lin","street":["3 rue C","Bât. 2"],"city":"Nice","postcode":"06000","country_id":"FR"},
            "items":[
              {"item_id":1,"sku":"KIT","name":"Kit","product_type":"bundle","qty_ordered":1,"price":0,"price_incl_tax":0,"row_total":0},
              {"item_id":2,"parent_item_id":1,"sku":"HUILE","name":"Huile","qty_ordered":1,"price":30,"price_incl_tax":36,"tax_percent":20,"discount_amount":3},
              {"item_id":3,"parent_item_id":1,"sku":"CHIFFON","name":"Chiffon","qty_ordered":2,"price":5,"price_incl_tax":6,"tax_percent":20},
              {"item_id":4,"sku":"TAB-M","name":"Tablier","product_type":"configurable","qty_ordered":2,"price":39,"price_incl_tax":46.8,"tax_percent":20},
              {"item_id":5,"parent_item_id":4,"sku":"TAB-M","name":"Tablier-M","qty_ordered":2,"price":0}
            ]}"#,
        );
        let o = o.unwrap();
        let skus: Vec<&str> = o.lines.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(skus, ["HUILE", "CHIFFON", "TAB-M"]);
        let huile = &o.lines[0];
        assert_eq!((huile.discount_ht, huile.discount_ttc), (dec("3"), dec("3.60")));
        assert_eq!(
            (o.shipping_ht, o.shipping_ttc, o.shipping_tax_rate),
            (Some(dec("8")), Some(dec("9.60")), Some(dec("20")))
        );
        assert_eq!(o.discount_codes, ["PRO10"]);
        assert_eq!(o.customer.shop_id, "", "a guest has no id");
        assert_eq!((o.customer.billing.address1.as_str(), o.customer.billing.address2.as_str()), ("3 rue C", "Bât. 2"));
        assert_eq!((o.customer.firstname.as_str(), o.customer.email.as_str()), ("Zoé", "zoe@exemple.fr"));
        assert!(
            w.list.iter().any(|x| x.field == "items" && x.message.contains("'Kit' priced by its components")),
            "{:#?}",
            w.list
        );
        assert!(w.list.iter().any(|x| x.field == "shipping_discount_amount"), "{:#?}", w.list);
    }

    #[test]
    fn statuses_refunds_and_bad_values() {
        let base = r#"{"increment_id":"7","grand_total":12,"tax_amount":2,"status":"STATUS"REFUND,
            "billing_address":{"street":["1 rue A"],"city":"Paris","postcode":"75001","country_id":"FR"},
            "items":[{"item_id":1,"sku":"A","name":"A","qty_ordered":1,"price":"PRICE","price_incl_tax":12,"tax_percent":20}]}"#;
        let make = |status: &str, refund: &str, price: &str| {
            base.replace("STATUS", status).replace("REFUND", refund).replace("\"PRICE\"", price)
        };
        let (o, _) = order_of(&make("canceled", "", "10"));
        assert!(o.unwrap().status.cancelled);
        let (o, _) = order_of(&make("closed", "", "10"));
        assert!(o.unwrap().status.refunded);
        let (o, _) = order_of(&make("complete", r#","total_refunded":5"#, "10"));
        let o = o.unwrap();
        assert!(!o.status.refunded, "a partial refund, for a credit note");
        assert_eq!(o.refund.amount, Some(Decimal::from(5)));
        assert_eq!(o.prices, Some(crate::model::PriceBasis::Incl));
        let (o, _) = order_of(&make("complete", r#","total_refunded":12"#, "10"));
        assert!(o.unwrap().status.refunded);
        let (o, _) = order_of(&make("complete", "", r#""dix""#));
        let p = o.unwrap_err();
        assert_eq!((p.field.as_str(), p.line), ("items[0].price", 3));
        assert!(p.message.contains("'dix' is not a number"), "{}", p.message);
    }
}
