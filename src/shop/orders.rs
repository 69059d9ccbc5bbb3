//! Shop order exports → canonical `Order`s, streamed: one order in memory at a time.
//!
//! `rows_per_item` layouts (Shopify, WooCommerce AlgolPlus "products as rows") carry the
//! order's fields on the first row of each order and one line per row; rows are grouped by
//! the order key and order-level amounts are read once, never summed across rows.
//! `row_per_order` layouts (WooCommerce WebToffee) hold one order per row, its lines packed in
//! `line_item_N` cells. Platform rules that need the whole order (Shopify's tax basis,
//! WooCommerce's HT amounts) run once the order is complete.

use crate::text::QuickTrim;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::customers::{country_iso_into, strip_apostrophe};
use super::dialect::{ColumnMap, Dialect, RowLayout};
use super::field::{Columns, Field, field};
use super::unused::ColumnUse;
use super::values::{SlashDates, parse_amount, parse_bool, parse_datetime_as, rate_in_label, split_name_into};
use super::woocommerce::{self, Extras, LineAmounts};
use crate::error::InputError;
use crate::i18n::Msg;
use crate::model::{Address, Line, LineKind, Order, Origin, Platform, PriceBasis, TaxLine};
use crate::report::Warnings;
use crate::table::{Repad, Table, repad};
use crate::warning_kind::WarningKind;

/// One order that cannot be converted; the others go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderProblem {
    pub order: String,
    /// Line (CSV) or row (spreadsheet) where the problem is.
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// An order read, boxed: it is over a kilobyte, and goes from the reader to the conversion
/// and back (`recycle`) as a pointer rather than by copies of itself.
pub type OrderResult = Result<Box<Order>, OrderProblem>;

/// An order being assembled from its rows.
struct Build {
    key: String,
    order: Box<Order>,
    problem: Option<OrderProblem>,
    /// Warnings found while reading the order's rows, reported with it.
    warnings: Vec<crate::report::Warning>,
    /// Line amounts for dialects whose prices are computed from them (WooCommerce), one per
    /// line of `order.lines`.
    amounts: Vec<LineAmounts>,
    extras: Extras,
}

/// Orders kept for refilling (`OrderReader::recycle`): about one hand-over batch of the
/// reading thread (`shop::ahead`) comes back at a time; more would only hold memory.
const SPARE_ORDERS: usize = 512;

pub struct OrderReader {
    pub table: Table,
    pub dialect: &'static Dialect,
    pub generation: String,
    pub cols: ColumnMap,
    /// Canonical field → how to read it, worked out once per file.
    info: Columns,
    /// The field grouping rows into orders (`None`: a name that is no canonical field, so
    /// no row has it), and its name.
    group: Option<Field>,
    group_name: &'static str,
    /// Canonical field → key of `Note Attributes` holding it.
    note_attributes: BTreeMap<String, String>,
    /// Boxed: an order in the making is over a kilobyte, taken out and put back at each row.
    current: Option<Box<Build>>,
    decimal_comma: bool,
    /// Packed line columns of a `row_per_order` layout, in their N order (header, index).
    packed: Vec<(String, usize)>,
    slash_dates: SlashDates,
    /// An ambiguous d/m date was read (reported once per file).
    ambiguous_date_reported: bool,
    /// Names split from one cell: said once per side (billing, shipping) for the export.
    name_split_reported: [bool; 2],
    /// Orders started, and rows skipped for want of an order number: a file of such rows
    /// only is not an export with nothing new, it is a file that cannot be read.
    orders_started: u64,
    rows_without_key: u64,
    /// Columns not read, and which of them hold data.
    pub usage: ColumnUse,
    /// Orders, lines and addresses handed back once converted (`recycle`), emptied: filled
    /// again rather than allocated anew (an order's texts were most of the reading thread's
    /// allocations, and those cost more than their instructions say: the blocks come back
    /// cold). Boxed, as orders go to the conversion and back: a pointer handed over each
    /// time rather than a copy of the whole order.
    #[allow(clippy::vec_box)]
    spare: Vec<Box<Order>>,
    spare_lines: Vec<Line>,
    spare_addresses: Vec<Address>,
    /// Room for a text needed a moment (a full name, a warning's subject).
    scratch: String,
}

impl OrderReader {
    pub fn new(
        table: Table,
        dialect: &'static Dialect,
        generation: String,
        cols: ColumnMap,
        note_attributes: BTreeMap<String, String>,
    ) -> Result<OrderReader, InputError> {
        for alternatives in dialect.required_fields() {
            if alternatives.iter().all(|f| cols.get(f).is_none()) {
                let aliases: Vec<String> =
                    alternatives.iter().flat_map(|f| dialect.columns.get(f).cloned().unwrap_or_default()).collect();
                return Err(InputError::MissingColumn {
                    path: table.path().clone(),
                    column: aliases.join("\" or \""),
                    message: format!(
                        "every order needs it ({}); map it in [input.columns] if your export names it otherwise",
                        alternatives.join(" or ")
                    ),
                });
            }
        }
        let mut packed = Vec::new();
        if let Some(prefix) = dialect.packed_lines.as_deref() {
            for (i, h) in table.headers().iter().enumerate() {
                let key = crate::table::norm_header(h);
                if let Some(n) = key.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok()) {
                    packed.push((n, h.clone(), i));
                }
            }
            packed.sort();
            if packed.is_empty() {
                return Err(InputError::MissingColumn {
                    path: table.path().clone(),
                    column: format!("{prefix}1"),
                    message: "the order lines are in these columns; export the orders with their line items".into(),
                });
            }
        }
        let packed: Vec<(String, usize)> = packed.into_iter().map(|(_, h, i)| (h, i)).collect();
        let usage = ColumnUse::new(&table, dialect, &cols, &packed.iter().map(|(_, i)| *i).collect::<Vec<_>>());
        let slash_dates = woocommerce::slash_dates(dialect);
        let info = Columns::new(dialect, &cols);
        let group_name = dialect.group_by.as_deref().unwrap_or("order_number");
        let group = Field::lookup(group_name);
        // Shopify and the WooCommerce plugins write plain '.' decimals.
        Ok(OrderReader {
            table,
            dialect,
            generation,
            cols,
            info,
            group,
            group_name,
            note_attributes,
            current: None,
            decimal_comma: false,
            packed,
            slash_dates,
            ambiguous_date_reported: false,
            name_split_reported: [false; 2],
            orders_started: 0,
            rows_without_key: 0,
            usage,
            spare: Vec::new(),
            spare_lines: Vec::new(),
            spare_addresses: Vec::new(),
            scratch: String::new(),
        })
    }

    /// Headers of the packed line columns (`line_item_1`…), for `inspect`.
    pub fn packed_headers(&self) -> Vec<String> {
        self.packed.iter().map(|(h, _)| h.clone()).collect()
    }

    /// A cell, cleaned, borrowed: no allocation for the cells that are only parsed. Inlined:
    /// some thirty calls a row, whose entry and exit alone were 3 % of the reading thread.
    #[inline(always)]
    fn cell_str(&mut self, field: Field) -> &str {
        let Some(ci) = self.info.get(field) else { return "" };
        let raw = crate::text::trim(self.table.cell(ci.col));
        let v = crate::text::trim(strip_apostrophe(raw, ci.always_apostrophe));
        if ci.placeholders.is_some_and(|ph| ph.iter().any(|p| p == v)) {
            return "";
        }
        v
    }

    fn cell(&mut self, field: Field) -> String {
        self.cell_str(field).to_string()
    }

    /// A cell into `dst` (emptied first), which keeps its memory from order to order.
    /// Inlined: some ten calls a row, whose entry and exit cost as much as the copy.
    #[inline(always)]
    fn cell_into(&mut self, field: Field, dst: &mut String) {
        dst.clear();
        dst.push_str(self.cell_str(field));
    }

    /// A text cell into `dst`; HTML is decoded in dialects that write it. True when tags
    /// were removed.
    fn text_into(&mut self, field: Field, dst: &mut String) -> bool {
        if !self.dialect.html {
            self.cell_into(field, dst);
            return false;
        }
        let (v, tags) = super::values::decode_html(self.cell_str(field));
        *dst = v;
        tags
    }

    /// A cell Excel may have stored as a number (postcode, phone, SIRET), into `dst`: its
    /// leading zeros are put back when `french` (French formats), and the repair is reported.
    fn padded_into(
        &mut self,
        field: Field,
        kind: Repad,
        french: bool,
        subject: &str,
        w: &mut Warnings,
        dst: &mut String,
    ) {
        self.cell_into(field, dst);
        let numeric = self.info.get(field).is_some_and(|ci| self.table.numeric(ci.col));
        if !numeric || !french {
            return;
        }
        let fixed = repad(kind, dst);
        if fixed != *dst {
            w.push(
                WarningKind::Repadded,
                subject,
                field.name(),
                crate::said!(Msg::WarnRepaddedAt, value = dst, fixed = fixed, place = self.table.place()),
            );
            *dst = fixed;
        }
    }

    /// An order the conversion is done with, kept to be filled again by a later `start`
    /// (`shop::ahead::each_recycling` hands them back on the reading thread).
    pub fn recycle(&mut self, mut order: Box<Order>) {
        if self.spare.len() >= SPARE_ORDERS {
            return;
        }
        let (lines, delivery) = order.clear();
        let room = (4 * SPARE_ORDERS).saturating_sub(self.spare_lines.len());
        self.spare_lines.extend(lines.take(room));
        if let Some(a) = delivery.filter(|_| self.spare_addresses.len() < SPARE_ORDERS) {
            self.spare_addresses.push(a);
        }
        self.spare.push(order);
    }

    /// A date cell. A value that is not a date is a problem of the order when `needed`, else
    /// a warning (the paid date only matters when the profile dates documents by it).
    fn datetime(
        &mut self,
        field: Field,
        needed: bool,
        b: &mut Build,
        w: &mut Warnings,
    ) -> Option<jiff::civil::DateTime> {
        let slash_dates = self.slash_dates;
        // Parsed from the borrowed cell (two dates an order); copied only for a message.
        let parsed = {
            let v = self.cell_str(field);
            if v.is_empty() || v.starts_with("0000-00-00") {
                return None;
            }
            parse_datetime_as(v, slash_dates)
        };
        match parsed {
            Some((d, ambiguous)) => {
                if ambiguous && !self.ambiguous_date_reported {
                    self.ambiguous_date_reported = true;
                    let v = self.cell(field);
                    let order = match self.slash_dates {
                        SlashDates::MonthFirst => "month/day/year",
                        SlashDates::DayFirst => "day/month/year",
                    };
                    w.push(
                        WarningKind::Guessed,
                        &format!("order {}", b.order.number),
                        field.name(),
                        crate::said!(
                            Msg::WarnAmbiguousDate,
                            value = v,
                            order = order,
                            export = self.dialect.label,
                            date = d.date()
                        ),
                    );
                }
                Some(d)
            }
            None if needed => {
                let (v, line) = (self.cell(field), self.table.line());
                b.fail(line, field.name(), format!("'{v}' is not a date"));
                None
            }
            None => {
                let v = self.cell(field);
                let subject = format!("order {} ({})", b.order.number, self.table.place());
                b.warnings.push(warning(
                    WarningKind::InvalidValue,
                    &subject,
                    field.name(),
                    crate::said!(Msg::WarnNotADate, value = v),
                ));
                None
            }
        }
    }

    /// An amount cell; a value that is not a number is a problem of the order.
    fn amount(&mut self, field: Field, b: &mut Build) -> Option<Decimal> {
        let decimal_comma = self.decimal_comma;
        let parsed = {
            let v = self.cell_str(field);
            if v.is_empty() {
                return None;
            }
            parse_amount(v, decimal_comma)
        };
        let v = if parsed.is_some() { String::new() } else { self.cell(field) };
        match parsed {
            // A spreadsheet number is a float: 0.1 + 0.2 comes out as 0.30000000000000004.
            // Six decimals are more than any shop amount has (PrestaShop's precision).
            Some(d) if self.info.get(field).is_some_and(|ci| self.table.numeric(ci.col)) => Some(d.round_dp(6)),
            Some(d) => Some(d),
            None => {
                let line = self.table.line();
                let header =
                    self.info.get(field).and_then(|ci| self.table.headers().get(ci.col).cloned()).unwrap_or_default();
                b.fail(line, field.name(), format!("'{v}' in column \"{header}\" is not a number"));
                None
            }
        }
    }

    /// The next order (or the problem that stops it), `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        if self.dialect.layout == Some(RowLayout::RowPerOrder) {
            return self.next_packed(w);
        }
        loop {
            if !self.table.next_row()? {
                self.no_order_at_all()?;
                return Ok(self.current.take().map(|b| self.finish(b, w)));
            }
            self.usage.observe(&self.table);
            let group = self.group_name;
            // Compared borrowed: only a new order's key is copied.
            let current = self.current.as_mut().map(|b| std::mem::take(&mut b.key)).unwrap_or_default();
            let same = {
                let key = match self.group {
                    Some(g) => self.cell_str(g),
                    None => "",
                };
                if key.is_empty() { None } else { Some(!current.is_empty() && key == current) }
            };
            if let Some(b) = self.current.as_mut() {
                b.key = current;
            }
            if same.is_none()
                && self.dialect.continuation_rows
                && let Some(mut b) = self.current.take()
            {
                self.add_line(&mut b);
                self.current = Some(b);
                continue;
            }
            let Some(same) = same else {
                self.rows_without_key += 1;
                let line = self.table.line();
                w.push(
                    WarningKind::Skipped,
                    &format!("{} {line}", if self.table.format() == "xlsx" { "row" } else { "line" }),
                    group,
                    crate::said!(Msg::WarnRowWithoutOrder),
                );
                continue;
            };
            if same {
                let mut b = self.current.take().expect("current");
                self.add_line(&mut b);
                self.current = Some(b);
                continue;
            }
            let mut next = self.start(w);
            self.add_line(&mut next);
            if let Some(done) = self.current.replace(next) {
                return Ok(Some(self.finish(done, w)));
            }
        }
    }

    /// One order per row (WebToffee): the order's fields, then its packed lines.
    fn next_packed(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        loop {
            if !self.table.next_row()? {
                self.no_order_at_all()?;
                return Ok(None);
            }
            self.usage.observe(&self.table);
            let group = self.group_name;
            if self.group.is_none_or(|g| self.cell_str(g).is_empty()) {
                self.rows_without_key += 1;
                let line = self.table.line();
                w.push(
                    WarningKind::Skipped,
                    &format!("line {line}"),
                    group,
                    crate::said!(Msg::WarnRowWithoutOrderShort),
                );
                continue;
            }
            let mut b = self.start(w);
            self.doubtful_cells(&mut b);
            self.packed_lines(&mut b);
            return Ok(Some(self.finish(b, w)));
        }
    }

    /// At the end of the file: rows were read, and none had an order number.
    fn no_order_at_all(&self) -> Result<(), InputError> {
        if self.orders_started > 0 || self.rows_without_key == 0 {
            return Ok(());
        }
        let group = self.dialect.group_by.as_deref().unwrap_or("order_number");
        let header = self.cols.get(group).and_then(|i| self.table.headers().get(i).cloned()).unwrap_or_default();
        Err(InputError::Other {
            path: self.table.path().clone(),
            message: format!(
                "none of its {} row(s) has an order number (column \"{header}\" is empty everywhere): nothing can be converted. Export the orders again, or name the column holding the order number in [input.columns] ({group} = \"...\")",
                self.rows_without_key
            ),
        })
    }

    /// The lines of a `row_per_order` row, from its `line_item_N` cells.
    fn packed_lines(&mut self, b: &mut Build) {
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        let subject = crate::model::order_subject(&b.order.number, origin.line);
        for k in 0..self.packed.len() {
            let (header, i) = self.packed[k].clone();
            let cell = self.table.cell(i).to_string();
            match woocommerce::packed_line(&cell, &header) {
                Ok(None) => {}
                Ok(Some(p)) => {
                    for note in &p.notes {
                        b.warnings.push(warning(WarningKind::Html, &subject, &header, note));
                    }
                    b.order.lines.push(Line {
                        sku: p.sku,
                        name: p.name,
                        quantity: p.quantity,
                        taxable: true,
                        kind: LineKind::Product,
                        origin,
                        ..Default::default()
                    });
                    b.amounts.push(p.amounts);
                }
                Err(e) => b.fail(origin.line, &e.field, e.message),
            }
        }
    }

    /// Order-level fields, from the first row of the order (its key, the group cell, is not
    /// empty). The order is one handed back (`recycle`) when there is one: every field is
    /// set here or left as `Order::clear` left it, the default.
    fn start(&mut self, w: &mut Warnings) -> Box<Build> {
        self.orders_started += 1;
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        let mut b = Box::new(Build {
            key: String::new(),
            order: self.spare.pop().unwrap_or_default(),
            problem: None,
            warnings: Vec::new(),
            amounts: Vec::new(),
            extras: Extras::default(),
        });
        if let Some(g) = self.group {
            self.cell_into(g, &mut b.key);
        }
        let Build { key, order: o, .. } = &mut *b;
        o.number.push_str(key);
        o.origin = origin;
        self.cell_into(field!("order_id"), &mut o.id);
        self.cell_into(field!("currency"), &mut o.currency);
        self.cell_into(field!("financial_status"), &mut o.status.financial);
        self.cell_into(field!("fulfillment_status"), &mut o.status.fulfillment);
        o.status.cancelled = !self.cell_str(field!("cancelled_at")).is_empty();
        self.cell_into(field!("payment_method"), &mut o.payment_method);
        self.cell_into(field!("shipping_method"), &mut o.carrier);
        if self.text_into(field!("note"), &mut o.note) {
            let subject = format!("order {}", o.number);
            b.warnings.push(warning(WarningKind::Html, &subject, "note", crate::said!(Msg::WarnHtmlNote)));
        }
        b.order.date = self.datetime(field!("date"), true, &mut b, w);
        b.order.invoice_date = self.datetime(field!("paid_at"), false, &mut b, w);
        let codes = self.cell_str(field!("discount_code"));
        let codes = codes.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        b.order.discount_codes.extend(codes);
        let attrs = note_attributes(self.cell_str(field!("note_attributes")));
        let subtotal = self.amount(field!("subtotal"), &mut b);
        let shipping = self.amount(field!("shipping"), &mut b);
        let taxes = self.amount(field!("taxes"), &mut b);
        let total = self.amount(field!("total"), &mut b);
        let discount = self.amount(field!("discount_amount"), &mut b);
        let duties = self.amount(field!("duties"), &mut b);
        let refunded = self.amount(field!("refunded_amount"), &mut b);
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
        o.refund.amount = refunded.map(|r| r.abs()).filter(|r| !r.is_zero());
        let _ = duties;
        if self.dialect.prices.is_some() {
            self.extras(&mut b, refunded);
        }
        const TAX_NAMES: [Field; 5] = [
            field!("tax_1_name"),
            field!("tax_2_name"),
            field!("tax_3_name"),
            field!("tax_4_name"),
            field!("tax_5_name"),
        ];
        const TAX_VALUES: [Field; 5] = [
            field!("tax_1_value"),
            field!("tax_2_value"),
            field!("tax_3_value"),
            field!("tax_4_value"),
            field!("tax_5_value"),
        ];
        for n in 1..=5 {
            if self.cell_str(TAX_NAMES[n - 1]).is_empty() {
                continue;
            }
            let name = self.cell(TAX_NAMES[n - 1]);
            let value = self.amount(TAX_VALUES[n - 1], &mut b).unwrap_or_default();
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

    /// WooCommerce's order-level amounts and packed cells (taxes, fees, coupons, refunds).
    fn extras(&mut self, b: &mut Build, refunded: Option<Decimal>) {
        let line = self.table.line();
        let shipping_tax = self.amount(field!("shipping_tax"), b);
        let discount_tax = self.amount(field!("discount_tax"), b);
        let fee_total = self.amount(field!("fee_total"), b);
        let fee_tax = self.amount(field!("fee_tax"), b);
        let x = &mut b.extras;
        x.shipping_tax = shipping_tax;
        x.discount_tax = discount_tax;
        x.fee_total = fee_total;
        x.fee_tax = fee_tax;
        x.refunds = refunded.map(|r| r.abs());
        let taxes = woocommerce::tax_items(&self.cell(field!("tax_items")));
        let fees = woocommerce::fee_items(&self.cell(field!("fee_items")));
        let refunds = woocommerce::refunds(&self.cell(field!("refund_items")));
        let codes = woocommerce::coupon_codes(&self.cell(field!("coupon_items")));
        let ship_ids = woocommerce::shipping_rate_ids(&self.cell(field!("shipping_items")));
        match (taxes, fees, refunds) {
            (Ok(t), Ok(f), Ok(r)) => {
                let x = &mut b.extras;
                x.taxes = t;
                x.fees = f;
                x.shipping_rate_ids = ship_ids;
                if r.is_some() {
                    x.refunds = r;
                }
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => b.fail(line, &e.field, e.message),
        }
        for c in codes {
            if !b.order.discount_codes.contains(&c) {
                b.order.discount_codes.push(c);
            }
        }
    }

    /// The order's customer, into `b.order.customer` (emptied: `start`).
    fn customer(&mut self, b: &mut Build, attrs: &BTreeMap<String, String>) {
        // Made for every order (its warnings are few): pieces joined, not formatted.
        let mut subject = std::mem::take(&mut self.scratch);
        subject.clear();
        subject.push_str("order ");
        subject.push_str(&b.order.number);
        let mut w = Warnings::default();
        let c = &mut b.order.customer;
        self.address_into("billing", &subject, &mut w, &mut c.billing);
        let mut shipping = self.spare_addresses.pop().unwrap_or_default();
        shipping.clear();
        self.address_into("shipping", &subject, &mut w, &mut shipping);
        let from_attr = |field: &str| -> String {
            self.note_attributes.get(field).and_then(|key| attrs.get(&key.to_lowercase())).cloned().unwrap_or_default()
        };
        let (siret_attr, vat_attr) = (from_attr("siret"), from_attr("vat_number"));
        let french = french_formats(&c.billing.country);
        self.padded_into(field!("siret"), Repad::Siret, true, &subject, &mut w, &mut c.siret);
        self.padded_into(field!("phone"), Repad::Phone, french, &subject, &mut w, &mut c.mobile);
        self.cell_into(field!("customer_id"), &mut c.shop_id);
        self.cell_into(field!("email"), &mut c.email);
        c.firstname.clone_from(&c.billing.firstname);
        c.lastname.clone_from(&c.billing.lastname);
        c.company.clone_from(&c.billing.company);
        self.cell_into(field!("vat_number"), &mut c.vat_number);
        c.phone.clone_from(&c.billing.phone);
        if shipping.is_empty() {
            if self.spare_addresses.len() < SPARE_ORDERS {
                self.spare_addresses.push(shipping);
            }
        } else {
            c.delivery = Some(shipping);
        }
        c.origin = b.order.origin;
        if c.siret.is_empty() {
            c.siret = siret_attr;
        }
        if c.vat_number.is_empty() {
            c.vat_number = vat_attr;
        }
        if c.email.is_empty() {
            self.cell_into(field!("billing_email"), &mut c.email);
        }
        b.warnings.append(&mut w.list);
        self.scratch = subject;
    }

    /// One side's address into `a`, every field of it set.
    fn address_into(&mut self, side: &str, subject: &str, w: &mut Warnings, a: &mut Address) {
        // The fields of each side, in the order they are taken apart below.
        const BILLING: [Field; 11] = [
            field!("billing_firstname"),
            field!("billing_lastname"),
            field!("billing_name"),
            field!("billing_country"),
            field!("billing_company"),
            field!("billing_address1"),
            field!("billing_address2"),
            field!("billing_zip"),
            field!("billing_city"),
            field!("billing_state"),
            field!("billing_phone"),
        ];
        const SHIPPING: [Field; 11] = [
            field!("shipping_firstname"),
            field!("shipping_lastname"),
            field!("shipping_name"),
            field!("shipping_country"),
            field!("shipping_company"),
            field!("shipping_address1"),
            field!("shipping_address2"),
            field!("shipping_zip"),
            field!("shipping_city"),
            field!("shipping_state"),
            field!("shipping_phone"),
        ];

        let names = if side == "billing" { &BILLING } else { &SHIPPING };
        let [firstname, lastname, name, country, company, address1, address2, zip, city, state, phone] = *names;
        self.cell_into(firstname, &mut a.firstname);
        self.cell_into(lastname, &mut a.lastname);
        if a.firstname.is_empty() && a.lastname.is_empty() {
            let full = self.cell_str(name);
            split_name_into(full, &mut a.firstname, &mut a.lastname);
            let said = self.name_split_reported[usize::from(side == "billing")];
            if !a.firstname.is_empty() && !said {
                // The same guess for every order of such an export: said once, for all.
                self.name_split_reported[usize::from(side == "billing")] = true;
                let full = self.cell(name);
                w.push(
                    WarningKind::Guessed,
                    subject,
                    name.name(),
                    crate::said!(Msg::WarnNameSplit, full = full, first = a.firstname, last = a.lastname),
                );
            }
        }
        country_iso_into(self.cell_str(country), subject, w, &mut a.country);
        let french = french_formats(&a.country);
        self.cell_into(company, &mut a.company);
        self.cell_into(address1, &mut a.address1);
        self.cell_into(address2, &mut a.address2);
        self.padded_into(zip, Repad::Zip, french, subject, w, &mut a.zip);
        self.cell_into(city, &mut a.city);
        self.cell_into(state, &mut a.state);
        self.padded_into(phone, Repad::Phone, french, subject, w, &mut a.phone);
    }

    /// Cells of the current row that could not be read exactly: said, with their column.
    fn doubtful_cells(&self, b: &mut Build) {
        for (i, why) in self.table.doubtful() {
            let col = self.table.headers().get(i).cloned().unwrap_or_default();
            let subject = format!("order {} ({})", b.order.number, self.table.place());
            b.warnings.push(warning(WarningKind::Guessed, &subject, &col, why));
        }
    }

    fn add_line(&mut self, b: &mut Build) {
        self.doubtful_cells(b);
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        // Coupons exported as rows (AlgolPlus) share the product rows; the order's codes are
        // collected from every row.
        for code in self.cell_str(field!("discount_code")).split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !b.order.discount_codes.iter().any(|c| c == code) {
                b.order.discount_codes.push(code.to_string());
            }
        }
        // A line handed back with its order (`recycle`), emptied, its texts' memory kept.
        let mut line = self.spare_lines.pop().unwrap_or_default();
        line.clear();
        let tags = self.text_into(field!("line_name"), &mut line.name);
        self.cell_into(field!("line_sku"), &mut line.sku);
        let (decimal_comma, prices) = (self.decimal_comma, self.dialect.prices.is_some());
        let quantity = {
            let qty_text = self.cell_str(field!("line_quantity"));
            if prices && qty_text.is_empty() && line.name.is_empty() && line.sku.is_empty() {
                // A row that only carries a coupon (more coupons than products).
                self.spare_lines.push(line);
                return;
            }
            parse_amount(qty_text, decimal_comma)
        };
        if tags {
            let subject = format!("order {}", b.order.number);
            b.warnings.push(warning(
                WarningKind::Html,
                &subject,
                "line_name",
                crate::said!(Msg::WarnHtmlName, name = line.name),
            ));
        }
        let quantity = match quantity {
            Some(q) => q,
            None => {
                let qty_text = self.cell(field!("line_quantity"));
                b.fail(origin.line, "line_quantity", format!("quantity '{qty_text}' is not a number"));
                Decimal::ZERO
            }
        };
        line.quantity = quantity;
        line.origin = origin;
        line.kind = LineKind::Product;
        if self.dialect.prices.is_some() {
            // WooCommerce: prices are computed from the line's amounts once the order is read.
            let a = LineAmounts {
                subtotal: self.amount(field!("line_subtotal"), b),
                subtotal_tax: self.amount(field!("line_subtotal_tax"), b),
                total: self.amount(field!("line_total"), b),
                tax: self.amount(field!("line_tax"), b),
                price_before: self.amount(field!("line_price_before_discount"), b),
                price_after: self.amount(field!("line_price"), b),
                discount: self.amount(field!("line_discount"), b),
                rate: self.amount(field!("line_tax_rate"), b),
                ..Default::default()
            };
            trim_in_place(&mut line.name);
            line.taxable = true;
            b.order.lines.push(line);
            b.amounts.push(a);
            return;
        }
        let price = self.amount(field!("line_price"), b);
        let discount = self.amount(field!("line_discount"), b).unwrap_or_default();
        let taxable = parse_bool(self.cell_str(field!("line_taxable"))).unwrap_or(true);
        let rate = self.amount(field!("line_tax_rate"), b);
        // The basis is decided in `finish`; until then the shop's price sits on the TTC side.
        line.unit_price_ttc = price;
        line.discount_ttc = discount;
        line.tax_rate = rate;
        line.taxable = taxable;
        b.order.lines.push(line);
        if price.is_none() {
            b.fail(origin.line, "line_price", "the line has no price".into());
        }
    }

    /// The order's basis (HT/TTC) and line tax rates, once all its rows are read.
    fn finish(&mut self, b: Box<Build>, w: &mut Warnings) -> OrderResult {
        let Build { order: mut o, problem, warnings, amounts, extras, .. } = *b;
        for x in warnings {
            w.push(x.kind, &x.record, &x.field, crate::report::Said { en: x.message, fr: x.message_fr });
        }
        if let Some(p) = problem {
            self.recycle(o);
            return Err(p);
        }
        if self.dialect.platform == Platform::Shopify {
            shopify_basis(&mut o, w);
        }
        if self.dialect.platform == Platform::Woocommerce
            && let Err(f) = woocommerce::finish(&mut o, &amounts, &extras, self.dialect, w)
        {
            let line = if f.line == 0 { o.origin.line } else { f.line };
            let problem = OrderProblem { order: o.number.clone(), line, field: f.bad.field, message: f.bad.message };
            self.recycle(o);
            return Err(problem);
        }
        Ok(o)
    }
}

/// `s.trim()`, in place: the text keeps its memory.
fn trim_in_place(s: &mut String) {
    s.truncate(s.trim_end().len());
    s.drain(..s.len() - s.trim_start().len());
}

/// Countries whose postcodes and phones follow the French formats (re-padding applies).
fn french_formats(iso: &str) -> bool {
    matches!(iso, "" | "FR" | "MC" | "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" | "BL" | "MF" | "NC" | "PF" | "WF")
}

fn warning(
    kind: WarningKind,
    record: &str,
    field: &str,
    message: impl Into<crate::report::Said>,
) -> crate::report::Warning {
    let mut w = Warnings::default();
    w.push(kind, record, field, message);
    w.list.pop().expect("pushed")
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
        .map(|(k, v)| (k.quick_trim().to_lowercase(), v.quick_trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// Shopify does not say whether prices include tax: the totals tell (docs/shop-exports.md).
/// Tax-inclusive: Total = Subtotal + Shipping (+ Duties); exclusive: + Taxes. Then the one
/// rate of the order goes to every taxable line and to shipping; with several rates the link
/// between lines and rates is not in the export.
fn shopify_basis(o: &mut Order, w: &mut Warnings) {
    // Made only for a warning (two formats an order otherwise, on the reading thread).
    let subject = |o: &Order| format!("order {}", o.number);
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
        w.push(WarningKind::Guessed, &subject(o), "prices", crate::said!(Msg::WarnPricesBasis));
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
            WarningKind::TaxRateUnknown,
            &subject(o),
            "tax_rate",
            crate::said!(
                Msg::WarnSeveralRates,
                n = rates.len(),
                rates = rates.iter().map(|r| format!("{r}%")).collect::<Vec<_>>().join(", ")
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

    fn read_all(name: &str, text: &str) -> (Vec<OrderResult>, Warnings) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let file = crate::shop::open(&path, &crate::profile::InputSection::default()).unwrap();
        let crate::shop::ShopFile::Orders(mut orders) = file else { panic!("not orders") };
        let mut w = Warnings::new(name);
        let mut out = Vec::new();
        while let Some(o) = orders.next(&mut w).unwrap() {
            out.push(o);
        }
        (out, w)
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// AlgolPlus with its default-checked columns only: prices after the coupon, no tax per
    /// line, order columns on the first row only ("populate other columns" off).
    #[test]
    fn algolplus_default_columns() {
        let text = "Order Number,Order Status,Order Date,Customer Note,First Name (Billing),Last Name (Billing),Company (Billing),Address 1&2 (Billing),City (Billing),State Code (Billing),Postcode (Billing),Country Code (Billing),Email (Billing),Phone (Billing),First Name (Shipping),Last Name (Shipping),Address 1&2 (Shipping),City (Shipping),State Code (Shipping),Postcode (Shipping),Country Code (Shipping),SKU,Item #,Item Name,Quantity (- Refund),Item Cost,Coupon Code,Discount Amount,Discount Amount Tax,Payment Method Title,Cart Discount Amount,Order Subtotal Amount,Shipping Method Title,Order Shipping Amount,Order Refund Amount,Order Total Amount,Order Total Tax Amount\r\n\
4001,processing,2026-11-20 09:05,,Ana,Roy,,\"3 rue Haute, bât. B\",Niort,,79000,FR,ana@exemple.fr,,Ana,Roy,\"3 rue Haute, bât. B\",Niort,,79000,FR,A-1,1,Bol,2,9.00,MOINS10,2.50,0.50,Chèque,2.50,25.00,Colissimo,5.00,0.00,33.00,5.50\r\n\
4001,,,,,,,,,,,,,,,,,,,,,B-2,2,Tasse,1,4.50,,,,,,,,,,,\r\n";
        let (orders, w) = read_all("algolplus.csv", text);
        let o = orders.into_iter().next().unwrap().unwrap();
        assert_eq!(o.lines.len(), 2);
        assert_eq!(o.prices, Some(PriceBasis::Excl));
        assert_eq!((o.lines[0].unit_price_ht, o.lines[0].discount_ht), (Some(d("9.00")), Decimal::ZERO));
        assert_eq!(o.lines[1].unit_price_ht, Some(d("4.50")));
        assert!(o.lines.iter().all(|l| l.tax_rate == Some(d("20"))));
        assert_eq!(o.shipping_tax_rate, Some(d("20")));
        assert_eq!((o.shipping_ht, o.shipping_ttc), (Some(d("5.00")), None));
        // The coupon is inside the prices: no order-level discount on top.
        assert_eq!(o.discount_ht, None);
        assert_eq!(o.discount_codes, vec!["MOINS10".to_string()]);
        assert_eq!(o.customer.billing.address1, "3 rue Haute, bât. B");
        let kinds: Vec<&str> = w.list.iter().map(|x| x.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "guessed").count(), 2, "{:#?}", w.list);
    }

    /// WebToffee's older layouts: no tax_data, m/d/YYYY dates, tax items without rate_percent.
    #[test]
    fn webtoffee_old_sample_layout() {
        let text = "order_id,order_number,order_date,status,shipping_total,shipping_tax_total,fee_total,fee_tax_total,tax_total,cart_discount,order_discount,discount_total,order_total,refunded_total,order_currency,payment_method,shipping_method,customer_id,customer_user,billing_first_name,billing_last_name,billing_company,billing_email,billing_phone,billing_address_1,billing_address_2,billing_postcode,billing_city,billing_state,billing_country,shipping_first_name,shipping_last_name,shipping_company,shipping_address_1,shipping_address_2,shipping_postcode,shipping_city,shipping_state,shipping_country,customer_note,shipping_items,fee_items,tax_items,coupon_items,order_notes,download_permissions,line_item_1,line_item_2\r\n\
77,77,3/5/2024 9:05,completed,10,2,0,0,6,0,0,0,36,0,EUR,cod,Flat rate,0,0,Léo,Petit,,leo@exemple.fr,,1 rue A,,75001,Paris,,FR,,,,,,,,,,,method:Flat rate|total:10.00,,code:FR-TVA 20%-1|total:6.00,,,0,name:Verre|product_id:9|sku:V-1|quantity:2|total:10.00|sub_total:10.00|tax:2.00,name:Carafe|product_id:8|sku:C-1|quantity:1|total:10|sub_total:10|tax:2\r\n";
        let (orders, w) = read_all("webtoffee_old.csv", text);
        let o = orders.into_iter().next().unwrap().unwrap();
        assert_eq!(o.date.map(|x| x.to_string()).as_deref(), Some("2024-03-05T09:05:00"));
        assert_eq!(o.customer.shop_id, "");
        assert_eq!(o.lines.len(), 2);
        assert_eq!((o.lines[0].unit_price_ht, o.lines[0].tax_rate), (Some(d("5")), Some(d("20"))));
        assert_eq!((o.shipping_ht, o.shipping_ttc, o.shipping_tax_rate), (Some(d("10")), Some(d("12")), Some(d("20"))));
        assert_eq!(o.taxes, vec![TaxLine { rate: d("20"), amount: d("6.00"), label: "FR-TVA 20%-1".into() }]);
        assert!(w.list.iter().any(|x| x.kind == "guessed" && x.message.contains("month/day/year")), "{:#?}", w.list);
    }

    /// The plugin's own sample: line items without sub_total. The price comes from the total,
    /// said once for the export and counted.
    #[test]
    fn webtoffee_lines_with_only_a_total() {
        let text = "order_id,order_number,order_date,status,shipping_total,shipping_tax_total,tax_total,cart_discount,discount_total,order_total,order_currency,customer_id,billing_first_name,billing_last_name,billing_email,billing_country,tax_items,coupon_items,line_item_1,line_item_2\r\n\
81,81,6/10/2026 5:56,processing,0,0,2.50,5,5,62.50,EUR,3,Léa,Roy,lea@exemple.fr,FR,code:FR-TVA 20 %-1|total:2.50,code:moins5|amount:5,name:Bol|product_id:35|sku:003|quantity:3|total:12.50|refunded:0.00|meta:|tax:2.50,name:Livre|product_id:36|sku:004|quantity:2|total:47.50|refunded:0.00|meta:|tax:0.00\r\n\
82,82,6/11/2026 8:00,completed,0,0,0,0,0,10,EUR,4,Luc,Roy,luc@exemple.fr,FR,,,name:Carte|product_id:37|sku:005|quantity:1|total:10|tax:0,\r\n";
        let (orders, w) = read_all("Sample_Order.csv", text);
        let o: Vec<Box<Order>> = orders.into_iter().map(|o| o.unwrap()).collect();
        let bowl = &o[0].lines[0];
        assert_eq!(bowl.unit_price_ht.map(|p| p.round_dp(4)), Some(d("4.1667")));
        assert_eq!(bowl.unit_price_ttc, Some(d("5")));
        assert_eq!((bowl.tax_rate, bowl.discount_ht), (Some(d("20")), Decimal::ZERO));
        assert_eq!((o[0].lines[1].unit_price_ht, o[0].lines[1].tax_rate), (Some(d("23.75")), Some(d("0"))));
        assert_eq!(o[1].lines[0].unit_price_ht, Some(d("10")));
        let said: Vec<_> = w.list.iter().filter(|x| x.message.contains("no sub_total")).collect();
        assert_eq!((said.len(), said[0].count), (1, 2), "{said:#?}");
        assert!(w.list.iter().all(|x| x.kind != "totals"), "the coupon is inside the prices: {:#?}", w.list);
    }

    /// Without order numbers anywhere, a file is unreadable; one row without, among orders, is
    /// skipped.
    #[test]
    fn rows_without_any_order_number_fail_the_file() {
        let head = "order_id,order_number,order_date,status,order_total,line_item_1\r\n";
        let line = "name:Bol|sku:B|quantity:1|total:5|tax:1";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(
            &path,
            format!(
                "{head}1,,2026-11-02 10:00:00,processing,6,{line}\r\n2,,2026-11-02 11:00:00,processing,6,{line}\r\n"
            ),
        )
        .unwrap();
        let crate::shop::ShopFile::Orders(mut orders) =
            crate::shop::open(&path, &crate::profile::InputSection::default()).unwrap()
        else {
            panic!("orders")
        };
        let mut w = Warnings::new("x");
        let e = loop {
            match orders.next(&mut w) {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("read as empty"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(e.contains("none of its 2 row(s) has an order number") && e.contains("\"order_number\""), "{e}");
        let (orders, w) = read_all(
            "y.csv",
            &format!(
                "{head}1,,2026-11-02 10:00:00,processing,6,{line}\r\n2,2,2026-11-02 11:00:00,processing,6,{line}\r\n"
            ),
        );
        assert_eq!(orders.len(), 1);
        assert!(w.list.iter().any(|x| x.kind == "skipped"));
    }

    /// AlgolPlus without "populate other columns": the rows after an order's first have no
    /// order number; they are its lines.
    #[test]
    fn algolplus_rows_after_the_first_without_order_number_are_lines_of_the_order() {
        let text = "Order Number,Order Status,Order Date,First Name (Billing),Last Name (Billing),Email (Billing),Country Code (Billing),SKU,Item Name,Quantity (- Refund),Item Cost,Order Shipping Amount,Order Total Amount,Order Total Tax Amount\r\n\
7001,Terminée,2026-11-24 08:30,Ana,Roy,ana@exemple.fr,FR,A-1,Bol,2,10.00,0.00,36.00,6.00\r\n\
,,,,,,,B-2,Tasse,1,10.00,,,\r\n\
7002,Terminée,2026-11-24 09:30,Luc,Roy,luc@exemple.fr,FR,C-3,Vase,1,20.00,0.00,24.00,4.00\r\n";
        let (orders, w) = read_all("algolplus.csv", text);
        let o: Vec<Box<Order>> = orders.into_iter().map(|o| o.unwrap()).collect();
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].lines.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>(), ["A-1", "B-2"]);
        assert_eq!(o[1].lines.len(), 1);
        assert!(w.list.iter().all(|x| x.kind != "skipped"), "{:#?}", w.list);
    }

    #[test]
    fn note_attribute_lines() {
        let a = note_attributes("SIRET: 628 194 821 00037\nTVA intracom : FR90628194821\nvide:\n");
        assert_eq!(a.get("siret").map(String::as_str), Some("628 194 821 00037"));
        assert_eq!(a.get("tva intracom").map(String::as_str), Some("FR90628194821"));
        assert!(!a.contains_key("vide"));
    }

    #[test]
    fn trimmed_in_place_as_trim_trims() {
        for t in ["", " ", "Bol", "  Bol en grès \u{a0}", "\tTasse\r\n", "é  "] {
            let mut s = t.to_string();
            trim_in_place(&mut s);
            assert_eq!(s, t.trim(), "{t:?}");
        }
    }

    /// Every order of `path`, with the warnings; `hand_back` gets the orders read so far
    /// (and the reader) after each order, to recycle what it likes.
    fn read_recycling(
        path: &std::path::Path,
        mut hand_back: impl FnMut(&mut crate::shop::Orders, &mut Vec<Box<Order>>),
    ) -> (Vec<String>, Vec<String>) {
        let file = crate::shop::open(path, &crate::profile::InputSection::default()).unwrap();
        let crate::shop::ShopFile::Orders(mut orders) = file else { panic!("not orders: {}", path.display()) };
        let mut w = Warnings::new("x");
        let (mut seen, mut pending) = (Vec::new(), Vec::new());
        while let Some(o) = orders.next(&mut w).unwrap() {
            // Compared as printed: every field, and a recycled order hands its memory on.
            seen.push(format!("{o:?}"));
            if let Ok(o) = o {
                pending.push(o);
            }
            hand_back(&mut orders, &mut pending);
        }
        let warnings = w.list.iter().map(|x| format!("{} {} {} {}", x.kind, x.record, x.field, x.message)).collect();
        (seen, warnings)
    }

    /// The Shopify fixture, then its orders again last first, renamed, their totals made
    /// tax-exclusive, then the fixture again, renamed: orders of either basis, of one line or
    /// several, with or without a delivery address, follow each other.
    fn shopify_both_bases(dir: &std::path::Path) -> std::path::PathBuf {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shopify/orders_export.csv");
        let mut r = csv::Reader::from_path(fixture).unwrap();
        let headers = r.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).unwrap();
        let (name, subtotal, shipping, taxes, total) =
            (col("Name"), col("Subtotal"), col("Shipping"), col("Taxes"), col("Total"));
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let mut orders: Vec<Vec<csv::StringRecord>> = Vec::new();
        for row in &rows {
            match orders.last_mut() {
                Some(o) if o[0][name] == row[name] => o.push(row.clone()),
                _ => orders.push(vec![row.clone()]),
            }
        }
        let path = dir.join("orders_export.csv");
        let mut out = csv::Writer::from_path(&path).unwrap();
        out.write_record(&headers).unwrap();
        for row in &rows {
            out.write_record(row).unwrap();
        }
        for order in orders.iter().rev() {
            for row in order {
                let mut row: Vec<String> = row.iter().map(str::to_string).collect();
                row[name].push_str("-HT");
                if !row[total].is_empty() {
                    let sum: Decimal =
                        [subtotal, shipping, taxes].iter().map(|&i| row[i].parse::<Decimal>().unwrap()).sum();
                    row[total] = sum.to_string();
                }
                out.write_record(&row).unwrap();
            }
        }
        for row in &rows {
            let mut row: Vec<String> = row.iter().map(str::to_string).collect();
            row[name].push_str("-TTC");
            out.write_record(&row).unwrap();
        }
        out.flush().unwrap();
        path
    }

    /// An order filled again from one handed back reads exactly as a new one: every table
    /// export of the fixtures (Shopify of both bases, WooCommerce CSV and XLSX, with refunds,
    /// HTML, packed lines, failures), each order recycled at once, or in threes, last first
    /// (the lines and addresses of several orders mixed in the spares).
    #[test]
    fn a_recycled_order_reads_as_a_new_one() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let dir = tempfile::tempdir().unwrap();
        let both = shopify_both_bases(dir.path());
        let (orders, _) = read_recycling(&both, |_, _| {});
        assert!(
            orders.iter().any(|o| o.contains("prices: Some(Excl)"))
                && orders.iter().any(|o| o.contains("prices: Some(Incl)"))
        );
        let files = [
            both.to_str().unwrap(),
            "shopify/orders_export.csv",
            "shopify/orders_long_fields.csv",
            "refunds/shopify_1.csv",
            "refunds/shopify_2.csv",
            "refunds/shopify_3.csv",
            "refunds/webtoffee_1.csv",
            "refunds/webtoffee_3.csv",
            "woocommerce/orders_algolplus.csv",
            "woocommerce/orders_algolplus.xlsx",
            "woocommerce/order_export_webtoffee.csv",
            "woocommerce/webtoffee_bad.csv",
        ];
        let mut recycled = 0;
        for name in files {
            // `both` is absolute: `join` keeps it.
            let path = root.join(name);
            let (fresh, fresh_w) = read_recycling(&path, |_, _| {});
            assert!(fresh.len() > 1, "{name}: {} orders", fresh.len());
            let (at_once, at_once_w) = read_recycling(&path, |r, pending| {
                for o in pending.drain(..) {
                    recycled += 1;
                    r.recycle(o);
                }
            });
            assert_eq!(at_once, fresh, "{name}, recycled at once");
            assert_eq!(at_once_w, fresh_w, "{name}, recycled at once");
            let (threes, threes_w) = read_recycling(&path, |r, pending| {
                if pending.len() == 3 {
                    for o in pending.drain(..).rev() {
                        r.recycle(o);
                    }
                }
            });
            assert_eq!(threes, fresh, "{name}, recycled in threes");
            assert_eq!(threes_w, fresh_w, "{name}, recycled in threes");
        }
        assert!(recycled > 40, "{recycled} orders recycled");
    }
}
