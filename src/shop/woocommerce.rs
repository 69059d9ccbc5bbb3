//! WooCommerce orders: the packed cells of the WebToffee export (docs/shop-exports.md) and the
//! amounts both plugins give, turned into the canonical prices.
//!
//! WooCommerce stores every amount excluding tax (line `sub_total` before the coupon, `total`
//! after it, `shipping_total`, `discount_total`); `order_total` includes tax and `tax_total`
//! holds the tax of lines, shipping and fees. So orders are `PriceBasis::Excl`: HT sides are
//! filled from the export, TTC sides only where the tax amounts give them exactly.
//!
//! Coupons: WooCommerce spreads a coupon over the lines itself (`sub_total` − `total` per
//! line, per VAT rate). That split is kept as line discounts, which keeps each discount on its
//! own VAT rate; the order-level discount is then left empty so it is not counted twice. Only
//! when the export has no line amount to tell (AlgolPlus with "Item Cost Before Discount" and
//! no line totals) does the coupon total become the order-level discount.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::dialect::Dialect;
use super::values::{SlashDates, decode_html, parse_amount, parse_plain, rate_in_label, snap_rate};
use crate::model::{Line, LineKind, LineRefund, Order, PriceBasis, TaxLine};
use crate::report::Warnings;
use crate::warning_kind::WarningKind;

/// The amounts of one line as the export gives them (all excluding tax unless named `_tax`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineAmounts {
    /// The whole line before the coupon (`sub_total`, "Order Line Subtotal").
    pub subtotal: Option<Decimal>,
    pub subtotal_tax: Option<Decimal>,
    /// The whole line after the coupon (`total`, "Order Line (w/o tax)").
    pub total: Option<Decimal>,
    pub tax: Option<Decimal>,
    /// Unit price before the coupon ("Item Cost Before Discount").
    pub price_before: Option<Decimal>,
    /// Unit price after the coupon, rounded to the cent by the plugin ("Item Cost").
    pub price_after: Option<Decimal>,
    /// The line's discount ("Item Discount Amount").
    pub discount: Option<Decimal>,
    /// Rate in percent as the export states it ("Item Tax Rate", rounded to 2 decimals).
    pub rate: Option<Decimal>,
    /// Tax rate ids of the line (`tax_data` keys), resolved through the order's `tax_items`.
    pub rate_ids: Vec<String>,
    /// Refunded so far: the amount excluding tax (WebToffee `refunded:`) and the quantity
    /// (`refunded_qty:`, negative in WooCommerce: kept as its size).
    pub refunded: Option<Decimal>,
    pub refunded_qty: Option<Decimal>,
}

/// One entry of `tax_items`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxItem {
    pub rate_id: String,
    pub rate: Option<Decimal>,
    pub amount: Decimal,
    pub label: String,
}

/// One entry of `fee_items` (or the AlgolPlus fee total).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fee {
    pub name: String,
    pub total: Decimal,
    pub tax: Option<Decimal>,
    pub rate_ids: Vec<String>,
}

/// Order-level amounts and packed cells of a WooCommerce order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub taxes: Vec<TaxItem>,
    pub fees: Vec<Fee>,
    pub fee_total: Option<Decimal>,
    pub fee_tax: Option<Decimal>,
    pub shipping_tax: Option<Decimal>,
    pub shipping_rate_ids: Vec<String>,
    pub discount_tax: Option<Decimal>,
    /// Sum of the refunds.
    pub refunds: Option<Decimal>,
}

/// A problem found in a packed cell or an amount: the field and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub field: String,
    pub message: String,
}

fn bad(field: &str, message: String) -> Bad {
    Bad { field: field.to_string(), message }
}

/// `key:value|key:value` → pairs. Pieces are split on `|` (`\|` is a literal pipe) and each
/// piece on its first `:` (JSON values such as `tax_data` hold colons, never pipes).
pub fn pairs(entry: &str) -> Vec<(String, String)> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut chars = entry.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => pieces.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    pieces.push(cur);
    pieces
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once(':') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (p.trim().to_string(), String::new()),
        })
        .collect()
}

/// The entries of a packed cell joined with `sep` (`;` for taxes, coupons and refunds, `||`
/// for fees), each as its pairs.
pub fn entries(cell: &str, sep: &str) -> Vec<Vec<(String, String)>> {
    cell.split(sep).map(pairs).filter(|e| !e.is_empty()).collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn amount(pairs: &[(String, String)], key: &str, field: &str) -> Result<Option<Decimal>, Bad> {
    match get(pairs, key) {
        None => Ok(None),
        Some(v) => parse_amount(v, false).map(Some).ok_or_else(|| bad(field, format!("{key} '{v}' is not a number"))),
    }
}

/// An amount the entry cannot do without: missing is an error, not zero.
fn required(pairs: &[(String, String)], key: &str, field: &str) -> Result<Decimal, Bad> {
    amount(pairs, key, field)?.ok_or_else(|| bad(field, format!("an entry has no {key}")))
}

/// `tax_data`/`taxes` JSON (`{"total":{"1":"4.00"},"subtotal":{"1":"4.00"}}`): the rate ids
/// of its `total` and the sum of its `subtotal`. PHP writes an empty array as `[]`.
fn tax_json(text: &str) -> Option<(Vec<String>, Option<Decimal>)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    // Capped like every shop amount (sums of them must not overflow); a value that is not such
    // an amount makes the whole cell unreadable (reported by the caller), never a silent zero.
    let num = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) if s.trim().is_empty() => Some(None),
        serde_json::Value::String(s) => parse_plain(s).map(Some),
        serde_json::Value::Number(n) => parse_plain(&n.to_string()).map(Some),
        _ => Some(None),
    };
    let entries = |m: &serde_json::Map<String, serde_json::Value>| -> Option<Vec<(String, Option<Decimal>)>> {
        m.iter().map(|(k, x)| num(x).map(|d| (k.clone(), d))).collect()
    };
    let map = |key: &str| match v.get(key) {
        Some(serde_json::Value::Object(m)) => entries(m),
        _ => Some(Vec::new()),
    };
    let total = map("total")?;
    // Shipping items write the taxes without the "total" level: {"1":"0.98"}.
    let total = if total.is_empty() && v.get("subtotal").is_none() {
        match &v {
            serde_json::Value::Object(m) => entries(m)?,
            _ => Vec::new(),
        }
    } else {
        total
    };
    let ids = total.iter().filter(|(_, x)| x.is_some_and(|d| !d.is_zero())).map(|(k, _)| k.clone()).collect();
    let sub = map("subtotal")?;
    let sub_sum = if sub.is_empty() { None } else { Some(sub.iter().filter_map(|(_, x)| *x).sum()) };
    Some((ids, sub_sum))
}

/// A WebToffee line (`line_item_N`): `None` for an empty cell (an order with fewer lines than
/// the widest one of the file). Notes are things to report (a `tax_data` that is not JSON,
/// HTML removed from the name).
pub struct PackedLine {
    pub name: String,
    pub sku: String,
    pub quantity: Decimal,
    pub amounts: LineAmounts,
    pub notes: Vec<String>,
}

pub fn packed_line(cell: &str, column: &str) -> Result<Option<PackedLine>, Bad> {
    if cell.trim().is_empty() {
        return Ok(None);
    }
    let p = pairs(cell);
    let mut notes = Vec::new();
    let (name, tags) = decode_html(get(&p, "name").unwrap_or(""));
    if tags {
        notes.push(format!("{column}: HTML tags removed from the name: '{name}'"));
    }
    let qty_text = get(&p, "quantity").unwrap_or("");
    let quantity = parse_amount(qty_text, false).ok_or_else(|| {
        bad(column, format!("quantity '{qty_text}' is not a number (the cell reads '{}')", short(cell)))
    })?;
    let mut a = LineAmounts {
        subtotal: amount(&p, "sub_total", column)?,
        total: amount(&p, "total", column)?,
        tax: amount(&p, "tax", column)?,
        refunded: amount(&p, "refunded", column)?.map(|r| r.abs()).filter(|r| !r.is_zero()),
        refunded_qty: amount(&p, "refunded_qty", column)?.map(|r| r.abs()).filter(|r| !r.is_zero()),
        ..Default::default()
    };
    if let Some(json) = get(&p, "tax_data") {
        match tax_json(json) {
            Some((ids, sub)) => {
                a.rate_ids = ids;
                a.subtotal_tax = sub;
            }
            None => notes.push(format!("{column}: tax_data is not JSON of amounts ('{}'): ignored", short(json))),
        }
    }
    // The plugin leaves `tax` out of untaxed lines.
    if a.tax.is_none() && a.total.is_some() {
        a.tax = Some(Decimal::ZERO);
        if a.subtotal_tax.is_none() {
            a.subtotal_tax = Some(Decimal::ZERO);
        }
    }
    Ok(Some(PackedLine {
        name: name.trim().to_string(),
        sku: get(&p, "sku").unwrap_or("").to_string(),
        quantity,
        amounts: a,
        notes,
    }))
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        t.push('…');
    }
    t
}

/// `tax_items`: `rate_id:1|code:FR-TVA-1|total:4.00|label:TVA|tax_rate_compound:0|rate_percent:20`
/// joined with `;` (older builds have no `rate_percent`: the rate is read from the label).
pub fn tax_items(cell: &str) -> Result<Vec<TaxItem>, Bad> {
    let mut out = Vec::new();
    for e in entries(cell, ";") {
        let label = get(&e, "label").or(get(&e, "code")).unwrap_or("").to_string();
        let rate = match amount(&e, "rate_percent", "tax_items")? {
            Some(r) => Some(r),
            None => rate_in_label(&label).or_else(|| get(&e, "code").and_then(rate_in_label)),
        };
        out.push(TaxItem {
            rate_id: get(&e, "rate_id").unwrap_or("").to_string(),
            rate,
            amount: required(&e, "total", "tax_items")?,
            label,
        });
    }
    Ok(out)
}

/// `fee_items`: `name:Gift wrap|total:1.00|tax:0.18|tax_data:{…}` joined with `||`.
pub fn fee_items(cell: &str) -> Result<Vec<Fee>, Bad> {
    let mut out = Vec::new();
    for e in entries(cell, "||") {
        let (name, _) = decode_html(get(&e, "name").unwrap_or(""));
        let rate_ids = get(&e, "tax_data").and_then(tax_json).map(|(ids, _)| ids).unwrap_or_default();
        out.push(Fee {
            name: name.trim().to_string(),
            total: required(&e, "total", "fee_items")?,
            tax: amount(&e, "tax", "fee_items")?,
            rate_ids,
        });
    }
    Ok(out)
}

/// `coupon_items`: `code:SPRING10|amount:10.00` joined with `;`: the codes.
pub fn coupon_codes(cell: &str) -> Vec<String> {
    entries(cell, ";").iter().filter_map(|e| get(e, "code")).map(str::to_string).collect()
}

/// `refund_items`: `amount:…|reason:…|date:…` joined with `;`: the sum of the amounts.
pub fn refunds(cell: &str) -> Result<Option<Decimal>, Bad> {
    let mut sum = None;
    for e in entries(cell, ";") {
        if let Some(a) = amount(&e, "amount", "refund_items")? {
            *sum.get_or_insert(Decimal::ZERO) += a.abs();
        }
    }
    Ok(sum)
}

/// `shipping_items`: the tax rate ids of `taxes:{"total":{"1":"0.98"}}` (newer builds).
pub fn shipping_rate_ids(cell: &str) -> Vec<String> {
    entries(cell, ";").iter().filter_map(|e| get(e, "taxes")).filter_map(tax_json).flat_map(|(ids, _)| ids).collect()
}

/// How '/' dates of this dialect read.
pub fn slash_dates(d: &Dialect) -> SlashDates {
    match d.slash_dates.as_deref() {
        Some("mdy") => SlashDates::MonthFirst,
        _ => SlashDates::DayFirst,
    }
}

/// Why a WooCommerce order cannot be read: the line (0 = the order) and the problem.
pub struct Failed {
    pub line: u64,
    pub bad: Bad,
}

/// Turns the amounts read from the export into the canonical prices of a WooCommerce order:
/// HT prices and discounts per line, TTC where the tax amounts give it, rates, shipping, fees,
/// status. Every guess is reported.
pub fn finish(o: &mut Order, amounts: &[LineAmounts], x: &Extras, d: &Dialect, w: &mut Warnings) -> Result<(), Failed> {
    let subject = crate::model::order_subject(&o.number, o.origin.line);
    o.prices = Some(PriceBasis::Excl);
    o.basis_inferred = false;
    status(o, x, d);

    // Rates named by the order: its tax items, by id.
    let by_id: BTreeMap<&str, Decimal> =
        x.taxes.iter().filter_map(|t| t.rate.map(|r| (t.rate_id.as_str(), r))).collect();
    let mut candidates: Vec<Decimal> = x.taxes.iter().filter_map(|t| t.rate).collect();
    candidates.extend(amounts.iter().filter_map(|a| a.rate));
    let from_ids = |ids: &[String]| -> Option<Decimal> {
        let rates: Vec<Decimal> = ids.iter().filter_map(|i| by_id.get(i.as_str()).copied()).collect();
        (rates.len() == ids.len() && rates.len() == 1).then(|| rates[0])
    };

    let mut lines_discounted = true;
    let mut after_coupon: Vec<String> = Vec::new();
    let mut line_discounts = Decimal::ZERO;
    // Some line is priced from its total alone.
    let mut from_total = false;
    let mut kept = Vec::with_capacity(o.lines.len());
    for (n, (mut l, a)) in std::mem::take(&mut o.lines).into_iter().zip(amounts.iter()).enumerate() {
        let n = n + 1;
        let fail = |message: String| Failed { line: l.origin.line, bad: bad("line_price", message) };
        let qty = l.quantity;
        if qty.is_zero() {
            w.push(
                WarningKind::Skipped,
                &subject,
                "line_quantity",
                format!("line {n} ('{}') has quantity 0: not written", l.name),
            );
            continue;
        }
        let before = a.subtotal.or(a.price_before.and_then(|p| p.checked_mul(qty)));
        let unit = a.subtotal.and_then(|s| s.checked_div(qty)).or(a.price_before).or(a.price_after);
        // Older WebToffee builds (the plugin's own sample) pack only the line's total, after
        // the coupon: the unit price is total ÷ quantity, the coupon stays inside it.
        let only_total = unit.is_none() && a.total.is_some();
        let unit = unit.or_else(|| a.total.and_then(|t| t.checked_div(qty)));
        let Some(unit) = unit else {
            return Err(fail(format!("line {n} ('{}') has no price", l.name)));
        };
        from_total |= only_total;
        let after_price = before.is_none();
        let discount = match (before, a.total, a.discount) {
            (Some(b), Some(t), _) => Some(b - t),
            (_, _, Some(disc)) => Some(disc),
            _ => None,
        };
        if discount.is_none() && !after_price {
            lines_discounted = false;
        }
        if after_price && a.price_after.is_some() {
            after_coupon.push(n.to_string());
        }
        let rate = line_rate(a, &candidates, &from_ids, n, &subject, w);
        l.unit_price_ht = Some(unit);
        l.discount_ht = discount.unwrap_or_default();
        line_discounts += l.discount_ht;
        if let (Some(s), Some(st)) = (a.subtotal, a.subtotal_tax) {
            l.unit_price_ttc = (s + st).checked_div(qty);
            if let (Some(t), Some(tx)) = (a.total, a.tax) {
                l.discount_ttc = s + st - (t + tx);
            }
        } else if only_total && let (Some(t), Some(tx)) = (a.total, a.tax) {
            l.unit_price_ttc = (t + tx).checked_div(qty);
        }
        l.tax_rate = rate;
        l.taxable = rate != Some(Decimal::ZERO);
        l.kind = LineKind::Product;
        if a.refunded.is_some() || a.refunded_qty.is_some() {
            l.refunded = Some(LineRefund { quantity: a.refunded_qty, ht: a.refunded, ttc: None });
        }
        kept.push(l);
    }
    o.lines = kept;
    if !after_coupon.is_empty() {
        w.push(
            WarningKind::Guessed,
            &subject,
            "line_price",
            format!(
                "line(s) {}: only the price after the coupon is exported (\"Item Cost\", rounded to the cent by the plugin): written as the unit price, without discount. Export \"Item Cost Before Discount\" or \"Order Line Subtotal\" to keep the coupon visible",
                after_coupon.join(", ")
            ),
        );
    }

    if from_total {
        // The same words for every order: one warning for the export, counted.
        w.push(
            WarningKind::Guessed,
            &subject,
            "line_price",
            "the line items give no sub_total, only their total after any coupon: unit prices are total ÷ quantity (VAT from the line's tax), and a coupon stays inside them, with no discount shown",
        );
    }
    shipping(o, x, &candidates, &from_ids, &subject, w);
    fees(o, x, &candidates, &from_ids, &subject, w);
    infer_missing_rates(o, &subject, w);

    // Coupons: on the lines when they say so, else on the order (see the module comment).
    let coupon = o.discount_ttc.take();
    if lines_discounted {
        o.discount_ht = None;
        if let Some(c) = coupon.filter(|c| !c.is_zero())
            // Prices after the coupon hold it already: there is nothing to compare with.
            && !from_total
            && after_coupon.is_empty()
            && (c - line_discounts).abs() > Decimal::new(1, 2)
        {
            w.push(
                    WarningKind::Totals,
                    &subject,
                    "discount",
                    format!("the coupon total {c} differs from the discounts of the lines ({line_discounts}): the lines' are written"),
                );
        }
    } else {
        o.discount_ht = coupon;
        o.discount_ttc = match (coupon, x.discount_tax) {
            (Some(c), Some(t)) => Some(c + t),
            _ => None,
        };
    }
    o.taxes = Vec::with_capacity(x.taxes.len());
    for t in &x.taxes {
        match t.rate {
            Some(rate) => o.taxes.push(TaxLine { rate, amount: t.amount, label: t.label.clone() }),
            None => w.push(
                WarningKind::TaxRateUnknown,
                &subject,
                "tax_items",
                format!(
                    "tax '{}' ({}) states no rate (no rate_percent, none in its label): left out of the VAT check",
                    t.label, t.amount
                ),
            ),
        }
    }
    Ok(())
}

fn status(o: &mut Order, x: &Extras, d: &Dialect) {
    let st = o.status.financial.trim();
    let st = st.strip_prefix("wc-").unwrap_or(st).to_string();
    o.status.cancelled |= d.is_cancelled(&st);
    o.status.refunded |= d.is_refunded(&st);
    o.status.financial = st;
    // A partial refund is the converter's to credit (resolve/credit.rs).
    if let Some(r) = x.refunds.filter(|r| !r.is_zero()) {
        o.refund.amount = Some(r);
        if o.total_ttc.is_some_and(|t| r >= t) {
            o.status.refunded = true;
        }
    }
}

fn line_rate(
    a: &LineAmounts,
    candidates: &[Decimal],
    from_ids: &dyn Fn(&[String]) -> Option<Decimal>,
    n: usize,
    subject: &str,
    w: &mut Warnings,
) -> Option<Decimal> {
    if let Some(r) = a.rate {
        // "Item Tax Rate" is rounded to 2 decimals: 5.5 stays, 19.6 is a rate of its own.
        return Some(r.normalize());
    }
    if !a.rate_ids.is_empty()
        && let Some(r) = from_ids(&a.rate_ids)
    {
        return Some(r);
    }
    let pair = match (a.total, a.tax, a.subtotal, a.subtotal_tax) {
        (Some(t), Some(tx), _, _) if !t.is_zero() => Some((t, tx)),
        (_, _, Some(s), Some(st)) => Some((s, st)),
        _ => None,
    };
    let (base, tax) = pair?;
    match snap_rate(base, tax, candidates) {
        Ok(r) => r,
        Err(raw) => {
            w.push(
                WarningKind::Guessed,
                subject,
                "tax_rate",
                format!("line {n}: tax {tax} on {base} is {raw}%, not a known VAT rate: written as is"),
            );
            Some(raw)
        }
    }
}

fn shipping(
    o: &mut Order,
    x: &Extras,
    candidates: &[Decimal],
    from_ids: &dyn Fn(&[String]) -> Option<Decimal>,
    subject: &str,
    w: &mut Warnings,
) {
    // `start` reads the shop's shipping amount onto the TTC side; WooCommerce's is HT.
    let ship = o.shipping_ttc.take();
    o.shipping_ht = ship;
    let Some(s) = ship.filter(|s| !s.is_zero()) else { return };
    let Some(tax) = x.shipping_tax else { return };
    o.shipping_ttc = Some(s + tax);
    o.shipping_tax_rate = from_ids(&x.shipping_rate_ids).or_else(|| match snap_rate(s, tax, candidates) {
        Ok(r) => r,
        Err(raw) => {
            w.push(
                WarningKind::Guessed,
                subject,
                "shipping_tax",
                format!("shipping tax {tax} on {s} is {raw}%, not a known VAT rate: written as is"),
            );
            Some(raw)
        }
    });
}

fn fees(
    o: &mut Order,
    x: &Extras,
    candidates: &[Decimal],
    from_ids: &dyn Fn(&[String]) -> Option<Decimal>,
    subject: &str,
    w: &mut Warnings,
) {
    let mut list = x.fees.clone();
    if list.is_empty()
        && let Some(t) = x.fee_total.filter(|t| !t.is_zero())
    {
        w.push(
            WarningKind::Guessed,
            subject,
            "fee_total",
            format!("fees of {t} without their names: written as one line 'Frais'"),
        );
        list.push(Fee { name: "Frais".into(), total: t, tax: x.fee_tax, rate_ids: Vec::new() });
    }
    for f in list {
        let rate = from_ids(&f.rate_ids).or_else(|| match f.tax {
            Some(tax) => match snap_rate(f.total, tax, candidates) {
                Ok(r) => r,
                Err(raw) => {
                    w.push(
                        WarningKind::Guessed,
                        subject,
                        "fee_items",
                        format!("fee '{}': tax {tax} on {} is {raw}%: written as is", f.name, f.total),
                    );
                    Some(raw)
                }
            },
            None => None,
        });
        o.lines.push(Line {
            sku: String::new(),
            name: if f.name.is_empty() { "Frais".into() } else { f.name.clone() },
            quantity: Decimal::ONE,
            unit_price_ht: Some(f.total),
            unit_price_ttc: f.tax.map(|t| f.total + t),
            tax_rate: rate,
            taxable: rate != Some(Decimal::ZERO),
            kind: LineKind::Fee,
            origin: o.origin,
            ..Default::default()
        });
    }
}

/// Exports without any per-line tax (AlgolPlus default columns): when one known rate turns
/// the order's HT total into its tax total, it is every line's; otherwise lines stay without
/// a rate and Sage applies each article's own.
fn infer_missing_rates(o: &mut Order, subject: &str, w: &mut Warnings) {
    let missing = o.lines.iter().any(|l| l.tax_rate.is_none())
        || (o.shipping_tax_rate.is_none() && o.shipping_ht.is_some_and(|s| !s.is_zero()));
    if !missing {
        return;
    }
    let (Some(total), Some(tax)) = (o.total_ttc, o.total_tax) else {
        w.push(
            WarningKind::TaxRateUnknown,
            subject,
            "tax_rate",
            "the export gives no VAT rate for some lines and no tax total: Sage applies each article's own",
        );
        return;
    };
    match snap_rate(total - tax, tax, &[]) {
        Ok(Some(r)) => {
            w.push(
                WarningKind::Guessed,
                subject,
                "tax_rate",
                format!("no VAT rate per line in the export: {r}% (the one rate that gives the order's tax total {tax}) is written on lines and shipping without one"),
            );
            for l in o.lines.iter_mut().filter(|l| l.tax_rate.is_none()) {
                l.tax_rate = Some(r);
                l.taxable = !r.is_zero();
            }
            if o.shipping_tax_rate.is_none() && o.shipping_ht.is_some_and(|s| !s.is_zero()) {
                o.shipping_tax_rate = Some(r);
            }
        }
        _ => w.push(
            WarningKind::TaxRateUnknown,
            subject,
            "tax_rate",
            "no VAT rate per line in the export and no single rate fits the order's tax total: lines get no rate and Sage applies each article's own (export \"Item Tax Rate\" or \"Order Line Tax\")",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn an_entry_without_its_total_is_an_error_and_huge_taxes_do_not_overflow() {
        let e = tax_items("rate_id:1|label:TVA 20 %|rate_percent:20").unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("tax_items", "an entry has no total"));
        assert!(fee_items("name:Emballage cadeau|tax:0.50").is_err());
        let huge = r#"{"total":{"1":"70000000000000000000000000000"},"subtotal":{"1":"70000000000000000000000000000","2":"70000000000000000000000000000"}}"#;
        assert_eq!(tax_json(huge), None, "out of range: unreadable, reported by the caller, no panic");
        assert_eq!(
            tax_json(r#"{"total":{"1":"4.00"},"subtotal":{"1":"4.00","2":""}}"#),
            Some((vec!["1".into()], Some(d("4"))))
        );
    }

    #[test]
    fn packed_pairs_split_on_the_first_colon() {
        let p = pairs(r#"name:Thé: vert|sku:THE-01|quantity:2|tax_data:{"total":{"1":"0.79"}}|note:a\|b"#);
        assert_eq!(p[0], ("name".into(), "Thé: vert".into()));
        assert_eq!(p[3], ("tax_data".into(), r#"{"total":{"1":"0.79"}}"#.into()));
        assert_eq!(p[4], ("note".into(), "a|b".into()));
    }

    #[test]
    fn a_packed_line() {
        let l = packed_line(
            r#"name:Th&eacute; vert|product_id:12|sku:THE-01|quantity:4|total:25.92|sub_total:28.80|tax:1.43|tax_data:{"total":{"2":"1.4256"},"subtotal":{"2":"1.584"}}|meta:_reduced_stock:4"#,
            "line_item_1",
        )
        .unwrap()
        .unwrap();
        assert_eq!(l.name, "Thé vert");
        assert_eq!(l.quantity, d("4"));
        assert_eq!(l.amounts.subtotal, Some(d("28.80")));
        assert_eq!(l.amounts.rate_ids, vec!["2".to_string()]);
        assert_eq!(l.amounts.subtotal_tax, Some(d("1.584")));
        assert!(packed_line("", "line_item_2").unwrap().is_none());
        let e = packed_line("name:X|quantity:deux|total:1", "line_item_3").err().unwrap();
        assert_eq!(e.field, "line_item_3");
        assert!(e.message.contains("deux"), "{}", e.message);
    }

    #[test]
    fn packed_order_cells() {
        let t = tax_items("rate_id:1|code:FR-TVA-1|total:9.18|label:TVA 20 %|tax_rate_compound:|rate_percent:20;rate_id:2|code:FR-TVA REDUITE-2|total:1.43|label:TVA 5,5 %|tax_rate_compound:").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].rate, Some(d("20")));
        assert_eq!(t[1].rate, Some(d("5.5")));
        let f = fee_items(
            "name:Emballage cadeau|total:2.50|tax:0.50|tax_data:{\"total\":{\"1\":\"0.5\"}}||name:Frais|total:1|tax:0",
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].rate_ids, vec!["1".to_string()]);
        assert_eq!(coupon_codes("code:BIENVENUE10|amount:7.58;code:NOEL|amount:1"), vec!["BIENVENUE10", "NOEL"]);
        assert_eq!(
            refunds("amount:10.00|reason:casse|date:2026-11-25 10:00:00;amount:2|reason:|date:").unwrap(),
            Some(d("12"))
        );
        assert_eq!(
            shipping_rate_ids("items:Savon &times; 3|method_id:flat_rate:1|taxes:{\"total\":{\"1\":\"0.98\"}}"),
            vec!["1"]
        );
    }
}
