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
use super::rest_record::{Rec, address};
use super::values::{decode_html, parse_datetime, rate_in_label};
use super::woocommerce::{self, Extras, Fee, LineAmounts, TaxItem};
use crate::model::{Customer, Line, LineKind, Order, Origin};
use crate::report::Warnings;
use crate::warning_kind::WarningKind;

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
            w.push(WarningKind::Html, &subject, field, format!("HTML tags removed from '{clean}'"));
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
        w.push(WarningKind::InvalidValue, &subject, &r.path_of("paid_at"), format!("'{paid}' is not a date: ignored"));
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
    Ok(Box::new(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn order_of(json: &str, overrides: &[(&str, &str)]) -> (OrderResult, Warnings) {
        let v: Value = serde_json::from_str(json).unwrap();
        let d = crate::shop::dialect::json_all().iter().find(|d| d.name == "woocommerce_rest").unwrap();
        let overrides = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let r = Rec { v: &v, d, overrides: &overrides };
        let mut w = Warnings::new("orders.json");
        let o = order(&r, Origin { record: 2, line: 1 }, &mut w);
        (o, w)
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const ORDER: &str = r#"{"id":88,"number":"88","order_key":"wc_order_x","status":"wc-processing","currency":"EUR",
        "date_created":"2026-11-20T23:30:00","date_created_gmt":"2026-11-20T22:30:00","customer_id":0,
        "discount_total":"2.00","discount_tax":"0.40","shipping_total":"5.00","shipping_tax":"1.00",
        "total":"TOTAL","total_tax":"5.61","payment_method_title":"Virement",
        "billing":{"first_name":"Ana","last_name":"Roy","company":"","address_1":"1 rue A","address_2":"","city":"Paris","postcode":"75001","country":"FR","email":"ana@exemple.fr","phone":""},
        "shipping":{"first_name":"","last_name":"","company":"","address_1":"","address_2":"","city":"","postcode":"","country":""},
        "meta_data":[{"id":1,"key":"_tva_intra","value":"FR 40 123456824"}],
        "line_items":[
          {"id":1,"name":"Th&eacute; <b>vert</b>","sku":"THE","quantity":2,"subtotal":"10.00","subtotal_tax":"0.55","total":"8.00","total_tax":"0.44","taxes":[{"id":2,"total":"0.44","subtotal":"0.55"}],"price":5},
          {"id":2,"name":"Bol","sku":"BOL","quantity":1,"subtotal":"15.00","subtotal_tax":"3.00","total":"15.00","total_tax":"3.00","taxes":[{"id":1,"total":"3","subtotal":"3"}],"price":15}],
        "tax_lines":[{"id":9,"rate_code":"FR-TVA-1","rate_id":1,"label":"TVA 20 %","tax_total":"3.00","shipping_tax_total":"1.00"},
                     {"id":10,"rate_code":"FR-TVA REDUITE-2","rate_id":2,"label":"TVA 5,5 %","tax_total":"0.44","shipping_tax_total":"0.00"}],
        "shipping_lines":[{"id":11,"method_title":"Colissimo","method_id":"flat_rate","total":"5.00","total_tax":"1.00","taxes":[{"id":1,"total":"1","subtotal":""}]}],
        "fee_lines":[{"id":12,"name":"Emballage","total":"1.00","total_tax":"0.20","taxes":[{"id":1,"total":"0.2","subtotal":""}]}],
        "coupon_lines":[{"id":13,"code":"moins2","discount":"2.00","discount_tax":"0.40"}],
        "refunds":[{"id":14,"reason":"casse","total":"-3.00"}]}"#;

    #[test]
    fn an_order_of_the_rest_api() {
        let (o, w) = order_of(&ORDER.replace("TOTAL", "35.61"), &[("vat_number", "meta:_tva_intra")]);
        let o = o.unwrap();
        assert_eq!((o.number.as_str(), o.id.as_str()), ("88", "88"));
        assert_eq!(o.date.unwrap().to_string(), "2026-11-20T23:30:00", "the shop's local time");
        assert_eq!(o.status.financial, "processing");
        // Rates from the tax lines (rate_percent absent: read in the labels), by the lines' ids.
        type View<'a> = (&'a str, &'a str, Option<Decimal>, Option<Decimal>, Decimal);
        let lines: Vec<View> = o
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.name.as_str(), l.unit_price_ht, l.tax_rate, l.discount_ht))
            .collect();
        assert_eq!(
            lines,
            [
                ("THE", "Thé vert", Some(d("5")), Some(d("5.5")), d("2")),
                ("BOL", "Bol", Some(d("15")), Some(d("20")), d("0")),
                ("", "Emballage", Some(d("1")), Some(d("20")), d("0")),
            ]
        );
        assert_eq!((o.shipping_ht, o.shipping_ttc, o.shipping_tax_rate), (Some(d("5")), Some(d("6")), Some(d("20"))));
        assert_eq!(o.discount_ht, None, "the coupon is on the lines");
        assert_eq!(o.discount_codes, ["moins2"]);
        assert_eq!(o.carrier, "Colissimo");
        assert_eq!(o.customer.shop_id, "", "customer_id 0 is a guest");
        assert_eq!(o.customer.vat_number, "FR40123456824", "the profile's meta key");
        assert!(o.customer.delivery.is_none());
        let kinds: Vec<&str> = w.list.iter().map(|x| x.kind.as_str()).collect();
        assert!(kinds.contains(&"html"), "{:#?}", w.list);
        assert_eq!(o.refund.amount, Some(d("3")), "refunds[].total, for a credit note");
        assert!(!o.status.refunded);
    }

    #[test]
    fn a_value_that_is_not_an_amount_names_its_json_path() {
        let (o, _) =
            order_of(&ORDER.replace("TOTAL", "35.61").replace(r#""total":"15.00""#, r#""total":"15,OO""#), &[]);
        let p = o.unwrap_err();
        assert_eq!((p.order.as_str(), p.field.as_str()), ("88", "line_items[1].total"));
        assert!(p.message.contains("'15,OO' is not a number"), "{}", p.message);
        let (o, _) = order_of(&ORDER.replace(r#""TOTAL""#, "[1]"), &[]);
        assert_eq!(o.unwrap_err().field, "total");
        let (o, _) = order_of(&ORDER.replace("TOTAL", "35.61").replace("2026-11-20T23:30:00", "hier"), &[]);
        assert_eq!(o.unwrap_err().field, "date_created");
    }
}
