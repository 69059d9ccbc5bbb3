//! A WooCommerce order as the REST API v3 gives it (`/wp-json/wc/v3/orders`) → the amounts of
//! `woocommerce::finish`, which turns them into canonical prices the same way as for the
//! plugins' CSV exports (HT amounts, coupons kept on the lines, rates from the tax lines).
//!
//! The API's structures: `line_items[]` (`subtotal`, `subtotal_tax` before coupons, `total`,
//! `total_tax` after, `taxes[]` with the rate ids), `tax_lines[]` (`rate_id`, `rate_percent`
//! in current versions, else the rate in `label`, `tax_total`, `shipping_tax_total`),
//! `shipping_lines[]`, `fee_lines[]`, `coupon_lines[]`, `refunds[]`; money is a string, two
//! decimals, excluding tax.

use rust_decimal::Decimal;
use serde_json::Value;

use super::json::{self, list, str_at};
use super::orders::{OrderProblem, OrderResult};
use super::rest::{Rec, address};
use super::values::{decode_html, parse_datetime, rate_in_label};
use super::woocommerce::{self, Extras, Fee, LineAmounts, TaxItem};
use crate::model::{Customer, Line, LineKind, Order, Origin};
use crate::report::Warnings;

/// The rate ids of a `taxes` array whose amount is not zero (`[{"id":1,"total":"4.00"}]`).
fn rate_ids(item: &Value) -> Vec<String> {
    list(item, "taxes")
        .iter()
        .filter(|t| json::amount(t, "total").ok().flatten().is_some_and(|a| !a.is_zero()))
        .filter_map(|t| t.get("id").and_then(json::text))
        .collect()
}

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
        return Err(problem("number", "the order has no number (neither number nor id)".into()));
    }
    // An amount at `path` of `item`, named by its full path when it is not a number.
    let amt = |item: &Value, key: &str, path: &str| {
        json::amount(item, key).map_err(|bad| problem(path, format!("{path} '{bad}' is not a number")))
    };
    let html = |text: String, field: &str, w: &mut Warnings| -> String {
        if !r.d.html {
            return text;
        }
        let (clean, tags) = decode_html(&text);
        if tags {
            w.push("html", &subject, field, format!("HTML tags removed from '{clean}'"));
        }
        clean.trim().to_string()
    };

    let mut o = Order { number: number.clone(), id: r.field("order_id"), origin, ..Default::default() };
    let date = r.field("date");
    o.date = parse_datetime(&date);
    if o.date.is_none() && !date.is_empty() {
        return Err(problem(&r.path_of("date"), format!("'{date}' is not a date")));
    }
    let paid = r.field("paid_at");
    o.invoice_date = parse_datetime(&paid);
    if o.invoice_date.is_none() && !paid.is_empty() {
        w.push("invalid_value", &subject, &r.path_of("paid_at"), format!("'{paid}' is not a date: ignored"));
    }
    o.currency = r.field("currency");
    o.status.financial = r.field("financial_status");
    o.payment_method = r.field("payment_method");
    o.note = html(r.field("note"), "customer_note", w);

    o.total_ttc = amt(v, "total", "total")?;
    o.total_tax = amt(v, "total_tax", "total_tax")?;
    if let (Some(t), Some(x)) = (o.total_ttc, o.total_tax) {
        o.total_ht = Some(t - x);
    }
    // `woocommerce::finish` expects the shop's shipping and coupon amounts (HT) on the TTC
    // side, where the plugins' readers leave them until the basis is known.
    o.shipping_ttc = amt(v, "shipping_total", "shipping_total")?;
    o.discount_ttc = amt(v, "discount_total", "discount_total")?;
    let mut x = Extras {
        shipping_tax: amt(v, "shipping_tax", "shipping_tax")?,
        discount_tax: amt(v, "discount_tax", "discount_tax")?,
        ..Default::default()
    };

    for (k, t) in list(v, "tax_lines").iter().enumerate() {
        let p = |key: &str| format!("tax_lines[{k}].{key}");
        let label = str_at(t, "label");
        let code = str_at(t, "rate_code");
        let rate = match amt(t, "rate_percent", &p("rate_percent"))? {
            Some(r) => Some(r),
            None => rate_in_label(&label).or_else(|| rate_in_label(&code)),
        };
        let tax = amt(t, "tax_total", &p("tax_total"))?.unwrap_or_default();
        let shipping = amt(t, "shipping_tax_total", &p("shipping_tax_total"))?.unwrap_or_default();
        x.taxes.push(TaxItem {
            rate_id: str_at(t, "rate_id"),
            rate,
            amount: tax + shipping,
            label: if label.is_empty() { code } else { label },
        });
    }
    let mut carriers: Vec<String> = Vec::new();
    for (k, s) in list(v, "shipping_lines").iter().enumerate() {
        let title = html(str_at(s, "method_title"), "shipping_lines", w);
        if !title.is_empty() && !carriers.contains(&title) {
            carriers.push(title);
        }
        // The order's shipping_total is the sum of these; each line's taxes name its rate.
        amt(s, "total", &format!("shipping_lines[{k}].total"))?;
        x.shipping_rate_ids.extend(rate_ids(s));
    }
    o.carrier = carriers.join(", ");
    for (k, f) in list(v, "fee_lines").iter().enumerate() {
        let p = |key: &str| format!("fee_lines[{k}].{key}");
        x.fees.push(Fee {
            name: html(str_at(f, "name"), "fee_lines", w),
            total: amt(f, "total", &p("total"))?.ok_or_else(|| problem(&p("total"), "a fee without total".into()))?,
            tax: amt(f, "total_tax", &p("total_tax"))?,
            rate_ids: rate_ids(f),
        });
    }
    for c in list(v, "coupon_lines") {
        let code = str_at(c, "code");
        if !code.is_empty() && !o.discount_codes.contains(&code) {
            o.discount_codes.push(code);
        }
    }
    for (k, f) in list(v, "refunds").iter().enumerate() {
        if let Some(a) = amt(f, "total", &format!("refunds[{k}].total"))? {
            *x.refunds.get_or_insert(Decimal::ZERO) += a.abs();
        }
    }

    let mut amounts = Vec::new();
    for (k, item) in list(v, "line_items").iter().enumerate() {
        let p = |key: &str| format!("line_items[{k}].{key}");
        let name = html(str_at(item, "name"), "line_items", w);
        let quantity = amt(item, "quantity", &p("quantity"))?
            .ok_or_else(|| problem(&p("quantity"), format!("line {} ('{name}') has no quantity", k + 1)))?;
        amounts.push(LineAmounts {
            subtotal: amt(item, "subtotal", &p("subtotal"))?,
            subtotal_tax: amt(item, "subtotal_tax", &p("subtotal_tax"))?,
            total: amt(item, "total", &p("total"))?,
            tax: amt(item, "total_tax", &p("total_tax"))?,
            rate_ids: rate_ids(item),
            ..Default::default()
        });
        o.lines.push(Line {
            sku: str_at(item, "sku"),
            name,
            quantity,
            taxable: true,
            kind: LineKind::Product,
            origin,
            ..Default::default()
        });
    }
    if o.lines.is_empty() {
        return Err(problem("line_items", "the order has no line_items".into()));
    }

    let billing = address(r, "billing", &subject, w);
    let shipping = address(r, "shipping", &subject, w);
    o.customer = Customer {
        shop_id: r.field("customer_id"),
        email: r.field("email"),
        firstname: billing.firstname.clone(),
        lastname: billing.lastname.clone(),
        company: billing.company.clone(),
        siret: r.field("siret").split_whitespace().collect(),
        vat_number: r.field("vat_number").split_whitespace().collect(),
        phone: billing.phone.clone(),
        billing,
        delivery: (!shipping.is_empty()).then_some(shipping),
        origin,
        ..Default::default()
    };

    woocommerce::finish(&mut o, &amounts, &x, r.d, w).map_err(|f| OrderProblem {
        order: number.clone(),
        line: origin.line,
        field: f.bad.field,
        message: f.bad.message,
    })?;
    Ok(o)
}
