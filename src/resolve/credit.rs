//! Refunds and cancellations → credit notes (factures d'avoir): `#CHEN` Domaine 1, Type 7,
//! Provenance 3, for what an order has refunded beyond what earlier credit notes credited
//! (the ledger keeps that amount). No I/O.
//!
//! What a credit note holds:
//! - a whole refund or a cancellation, nothing credited yet: the invoice's lines, as the
//!   export gives the order now;
//! - a partial refund whose export says which lines (WooCommerce `refunded:`, PrestaShop order
//!   slips, Magento `qty_refunded`): those lines, and the shipping refunded; what the lines do
//!   not explain goes on the refund article;
//! - otherwise (Shopify's `Refunded Amount`, WooCommerce's `refunded_total`, a larger refund
//!   after an earlier credit note): the amount on `[orders] refund_article`, at the order's VAT
//!   rate, or spread over its rates in proportion to the invoice (with a warning).
//!
//! Signs and the fields naming the invoice are settled here, once (docs/format-sage.md: both
//! are unverified on a real dossier).

use crate::text::QuickTrim;
use jiff::civil::DateTime;
use rust_decimal::Decimal;

use super::expr::Ctx;
use super::order::{
    DocClient, Document, DocumentBuilder, Head, Prepared, PreparedLine, likely_total, piece_number, round2, round4,
};
use crate::model::{LineKind, Order};
use crate::profile::orders::{PriceMode, rate_key};
use crate::report::Diag;
use crate::sage::value::fmt_dec;
use crate::sage::{Chli, FieldId};
use crate::warning_kind::WarningKind;

/// THE sign decision for credit notes: the quantity written on a credit-note line, from the
/// quantity credited. Positive: Provenance 3 already says the document is an avoir, and prices
/// and totals then read as on the invoice. Whether Sage wants them so is unverified (a peer
/// writes negative quantities): to write them negative, return `-quantity` here; prices stay
/// positive, so every amount follows the quantity.
pub fn credit_quantity(quantity: Decimal) -> Decimal {
    quantity
}

/// Below a cent, two amounts are the same.
fn cent() -> Decimal {
    Decimal::new(1, 2)
}

/// What an order shows of refunds, as far as credit notes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refunded {
    /// Nothing refunded.
    No,
    /// Cancelled or voided: the whole order is credited.
    Cancelled,
    /// Refunded whole.
    Whole,
    /// Refunded in part: this much so far, tax included.
    Part(Decimal),
    /// Said partially refunded, without an amount.
    Unstated,
}

impl Refunded {
    /// Does the order call for a credit note (when it was converted)?
    pub fn credits(self) -> bool {
        matches!(self, Refunded::Cancelled | Refunded::Whole | Refunded::Part(_))
    }
}

/// Financial statuses that mean cancelled (never paid, or given back whole).
pub fn cancelled_status(financial: &str) -> bool {
    status_is(financial, &CANCELLED)
}

/// Financial statuses that mean refunded whole.
pub fn refunded_status(financial: &str) -> bool {
    status_is(financial, &REFUNDED)
}

/// `cancelled_status || refunded_status` (each list its own pass: one pass over both measured
/// 7 million instructions more at 250,000 rows, its iterator chained).
pub fn cancelled_or_refunded_status(financial: &str) -> bool {
    status_is(financial, &CANCELLED) || status_is(financial, &REFUNDED)
}

const CANCELLED: [&str; 3] = ["voided", "annulé", "cancelled"];
const REFUNDED: [&str; 2] = ["refunded", "remboursé"];

/// Is `financial`, trimmed and in lower case, one of `words`? (`to_lowercase()` compared,
/// without a String: asked several times for every order.)
fn status_is(financial: &str, words: &[&str]) -> bool {
    let text = financial.quick_trim();
    // An ASCII text lowercases to ASCII: compared in place (most statuses), the length first.
    if text.is_ascii() {
        return words.iter().any(|w| text.eq_ignore_ascii_case(w));
    }
    words.iter().any(|w| text.chars().flat_map(char::to_lowercase).eq(w.chars()))
}

pub fn refunded(o: &Order) -> Refunded {
    if o.status.cancelled || cancelled_status(&o.status.financial) {
        return Refunded::Cancelled;
    }
    if o.status.refunded || refunded_status(&o.status.financial) {
        return Refunded::Whole;
    }
    match o.refund.amount.filter(|a| *a >= cent()) {
        Some(a) if o.total_ttc.is_some_and(|t| a >= t) => Refunded::Whole,
        Some(a) => Refunded::Part(a),
        None if o.status.financial.quick_trim().eq_ignore_ascii_case("partially_refunded") => Refunded::Unstated,
        None => Refunded::No,
    }
}

/// A credit note ready to build: its lines and date, what it credits, and the amount the
/// order will have credited with it (for the ledger).
pub struct CreditPlan {
    pub prepared: Prepared,
    /// This note's amount, tax included.
    pub amount: Decimal,
    /// Credited for the order so far, this note included.
    pub credited: Decimal,
    /// How the lines were made, for the report.
    pub how: String,
}

/// Why no credit note is written although the order shows a refund.
pub enum NoCredit {
    /// Everything refunded is credited already.
    Credited { credited: Decimal, refunded: Decimal },
    /// The shop says less is refunded than was credited.
    Less { credited: Decimal, refunded: Decimal },
}

impl DocumentBuilder<'_> {
    /// The lines of the credit note for what `o` has refunded beyond `before` (credited by
    /// earlier notes), from `invoice`, the order's lines as an invoice prepares them.
    pub fn prepare_credit(
        &mut self,
        o: &Order,
        invoice: &Prepared,
        refunded: Refunded,
        before: Decimal,
        d: &mut Diag,
    ) -> Result<CreditPlan, NoCredit> {
        let total = o.total_ttc.or_else(|| likely_total(&invoice.lines)).unwrap_or_default();
        let (target, whole) = match refunded {
            Refunded::Cancelled | Refunded::Whole => (total, true),
            Refunded::Part(a) if a >= total => {
                d.push(
                    WarningKind::Refund,
                    "refunded_amount",
                    format!(
                        "{} refunded for an order of {}: the order's total is credited",
                        fmt_dec(a, 2),
                        fmt_dec(total, 2)
                    ),
                );
                (total, true)
            }
            Refunded::Part(a) => (a, false),
            Refunded::No | Refunded::Unstated => {
                return Err(NoCredit::Credited { credited: before, refunded: Decimal::ZERO });
            }
        };
        // Money, to the cent (PrestaShop gives 6 decimals): what the ledger keeps.
        let target = round2(target);
        let amount = target - before;
        if amount <= -cent() {
            return Err(NoCredit::Less { credited: before, refunded: target });
        }
        if amount < cent() {
            return Err(NoCredit::Credited { credited: before, refunded: target });
        }
        let date = self.today.to_datetime(jiff::civil::Time::midnight());
        let (lines, how) = if whole && before.is_zero() {
            (invoice.lines.clone(), "the invoice's lines".to_string())
        } else if !before.is_zero() {
            let lines = self.amount_lines(o, invoice, amount, d);
            (lines, format!("the refund beyond the {} credited before", fmt_dec(before, 2)))
        } else if o.lines.iter().any(|l| l.refunded.is_some()) || o.refund.shipping.is_some() {
            self.refunded_lines(o, invoice, amount, d)
        } else {
            (self.amount_lines(o, invoice, amount, d), "the refunded amount".to_string())
        };
        let sum = likely_total(&lines);
        if let Some(sum) = sum
            && (sum - amount).abs() >= cent()
        {
            d.push(
                WarningKind::Totals,
                "total",
                format!(
                    "the credit note's lines add up to {} while {} is credited: a difference of {}",
                    fmt_dec(sum, 2),
                    fmt_dec(amount, 2),
                    fmt_dec(sum - amount, 2)
                ),
            );
        }
        let lines = lines.into_iter().map(|l| PreparedLine { quantity: credit_quantity(l.quantity), ..l }).collect();
        Ok(CreditPlan { prepared: Prepared { lines, date }, amount, credited: target, how })
    }

    /// The lines the export says were refunded, the shipping refunded, and what they leave of
    /// `amount` on the refund article. Lines that add up to more than `amount` are not
    /// trusted: the amount is credited alone.
    fn refunded_lines(
        &mut self,
        o: &Order,
        invoice: &Prepared,
        amount: Decimal,
        d: &mut Diag,
    ) -> (Vec<PreparedLine>, String) {
        let mut lines = Vec::new();
        for (i, l) in o.lines.iter().enumerate() {
            let (Some(r), Some(pl)) = (&l.refunded, invoice.lines.get(i)) else { continue };
            let f = pl.rate.map(|x| Decimal::ONE + x / Decimal::ONE_HUNDRED);
            // The refunded amount on the side the invoice line is written on.
            let side = match (pl.ttc, r.ttc, r.ht, f) {
                (true, Some(t), _, _) => Some(t),
                (true, None, Some(h), Some(f)) => Some(round2(h * f)),
                (false, _, Some(h), _) => Some(h),
                (false, Some(t), None, Some(f)) => Some(round2(t / f)),
                _ => None,
            };
            let net = pl.unit * pl.quantity - pl.discount;
            let side = side.or_else(|| {
                let q = r.quantity?;
                (!pl.quantity.is_zero()).then(|| round2(net * q / pl.quantity))
            });
            let Some(side) = side.filter(|a| !a.is_zero()) else { continue };
            let quantity = match r.quantity.filter(|q| !q.is_zero()) {
                Some(q) => q,
                None if !net.is_zero() => {
                    let q = pl.quantity * side / net;
                    let whole_units = q.round();
                    if whole_units >= Decimal::ONE && (q - whole_units).abs() < Decimal::new(5, 3) {
                        whole_units
                    } else {
                        Decimal::ONE
                    }
                }
                None => Decimal::ONE,
            };
            lines.push(PreparedLine { quantity, unit: round4(side / quantity), discount: Decimal::ZERO, ..pl.clone() });
        }
        if let Some(s) = o.refund.shipping.filter(|s| !s.is_zero())
            && let Some(pl) = invoice.lines.iter().find(|l| l.kind == LineKind::Shipping)
        {
            let f = pl.rate.map(|x| Decimal::ONE + x / Decimal::ONE_HUNDRED);
            let side = match (pl.ttc, f) {
                (true, _) => Some(s),
                (false, Some(f)) => Some(round2(s / f)),
                (false, None) => None,
            };
            if let Some(side) = side {
                lines.push(PreparedLine {
                    quantity: Decimal::ONE,
                    unit: round4(side),
                    discount: Decimal::ZERO,
                    ..pl.clone()
                });
            }
        }
        let explained = likely_total(&lines);
        match explained {
            Some(sum) if amount - sum < cent() && sum - amount < cent() => (lines, "the refunded lines".to_string()),
            Some(sum) if sum < amount => {
                let rest = self.amount_lines(o, invoice, amount - sum, d);
                lines.extend(rest);
                (lines, format!("the refunded lines, and {} on the refund article", fmt_dec(amount - sum, 2)))
            }
            _ => {
                d.push(WarningKind::Refund, "refunded_amount",
                    format!(
                        "the lines said refunded {} more than the {} refunded: the amount is credited on the refund article",
                        match explained {
                            Some(sum) => format!("add up to {},", fmt_dec(sum, 2)),
                            None => "have no VAT rate to total them, and may add up to".to_string(),
                        },
                        fmt_dec(amount, 2)
                    ),
                );
                (self.amount_lines(o, invoice, amount, d), "the refunded amount".to_string())
            }
        }
    }

    /// `amount` (tax included) on the refund article: one line at the order's VAT rate, or,
    /// when the invoice has several rates, one per rate in proportion to the invoice's
    /// amounts (the last takes the cents rounding leaves).
    fn amount_lines(&mut self, o: &Order, invoice: &Prepared, amount: Decimal, d: &mut Diag) -> Vec<PreparedLine> {
        // Tax-included amounts of the invoice by rate, in the order the rates first appear.
        let mut groups: Vec<(Option<Decimal>, Decimal)> = Vec::new();
        let mut unknown = false;
        for l in &invoice.lines {
            let Some(t) = super::order::line_total(l) else {
                unknown = true;
                continue;
            };
            let key = l.rate.map(|r| rate_key(&r));
            match groups.iter_mut().find(|(r, _)| r.map(|r| rate_key(&r)) == key) {
                Some(g) => g.1 += t,
                None => groups.push((l.rate, t)),
            }
        }
        groups.retain(|(_, t)| *t > Decimal::ZERO);
        if unknown || groups.is_empty() {
            // A line without a known rate: the rates cannot be weighed.
            d.push(WarningKind::Refund, "tax_rate",
                format!(
                    "the invoice's lines do not all have a VAT rate: the refund of {} goes on {} without one (Sage applies the article's)",
                    fmt_dec(amount, 2),
                    self.profile.orders.refund_article
                ),
            );
            groups = vec![(None, amount)];
        }
        let all: Decimal = groups.iter().map(|(_, t)| t).sum();
        if groups.len() > 1 {
            let rates: Vec<String> = groups
                .iter()
                .map(|(r, t)| {
                    format!("{} % on {}", r.map(|r| rate_key(&r)).unwrap_or_else(|| "?".into()), fmt_dec(*t, 2))
                })
                .collect();
            d.push(WarningKind::RefundProrated, "refunded_amount",
                format!(
                    "the export does not say what the refund of {} was for: it is spread over the invoice's VAT rates in proportion to their amounts ({})",
                    fmt_dec(amount, 2),
                    rates.join(", ")
                ),
            );
        }
        let cfg = &self.profile.orders;
        let article = cfg.refund_article.clone();
        // An invoice written excluding tax gets its refund excluding tax too.
        let ht_invoice = cfg.prices == PriceMode::AsShop && invoice.lines.iter().all(|l| !l.ttc);
        let several = groups.len() > 1;
        let mut left = amount;
        let mut lines = Vec::with_capacity(groups.len());
        for (i, (rate, part)) in groups.iter().enumerate() {
            let share = if i + 1 == groups.len() { left } else { round2(amount * part / all) };
            left -= share;
            let (unit, ttc) = match (ht_invoice, rate) {
                (true, Some(r)) => (round4(share / (Decimal::ONE + r / Decimal::ONE_HUNDRED)), false),
                _ => {
                    let (u, t, _) = self.pricing.convert_price(share, true, Decimal::ZERO, *rate, 0, d);
                    (u, t)
                }
            };
            let mut design = format!("Remboursement commande {}", o.clean_number());
            if several && let Some(r) = rate {
                design.push_str(&format!(" (TVA {} %)", rate_key(r).replace('.', ",")));
            }
            lines.push(PreparedLine {
                article: article.clone(),
                design,
                quantity: Decimal::ONE,
                unit,
                ttc,
                rate: *rate,
                tax_code: self.tax_code(*rate, d),
                discount: Decimal::ZERO,
                kind: LineKind::Fee,
            });
        }
        lines
    }

    /// The credit note's records: dated today, numbered by `credit_note_piece`, naming the
    /// invoice (`invoice_piece`, empty when Sage numbered it) in its Référence and, unless
    /// `credit_note_origin = false`, in N° FA origine.
    pub fn build_credit(
        &mut self,
        o: &Order,
        plan: &CreditPlan,
        client: &DocClient,
        invoice_piece: &str,
        d: &mut Diag,
    ) -> Document {
        self.warn_once(
            "credit:sign".into(), d, WarningKind::CreditNoteSign,
            Chli::Qte.name(),
            format!(
                "credit notes (factures d'avoir, Provenance 3) are written with {} quantities and amounts; which sign Sage expects is unverified: import one into a copy of the dossier first",
                if credit_quantity(Decimal::ONE).is_sign_positive() { "positive" } else { "negative" }
            ),
        );
        let ctx = Ctx { customer: &o.customer, code: &client.code, today: self.today, order: Some(o) };
        let piece = match &self.credit_piece {
            Some(e) => piece_number(&e.eval(&ctx), d),
            None => {
                self.warn_piece_sage(d);
                String::new()
            }
        };
        let reference = if invoice_piece.is_empty() { self.reference.eval(&ctx) } else { invoice_piece.to_string() };
        let date: DateTime = plan.prepared.date;
        self.warn_currency(o, d);
        let lines = plan.prepared.lines.iter().map(|l| self.line(l.clone(), date.date(), client)).collect();
        let due = self.due(o, date, d);
        let head = Head { date, reference, credits: Some(invoice_piece.to_string()) };
        Document { head, lines, due, piece }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Line, LineRefund, PriceBasis, Refund};
    use crate::profile::Profile;
    use crate::report::Warnings;
    use crate::sage::{Chen, Layout};

    proptest::proptest! {
        /// Compared without a String as `to_lowercase` compares.
        #[test]
        fn a_status_reads_as_lowercased(s in "[ a-zA-ZéÉèÈ]{0,12}") {
            let low = s.quick_trim().to_lowercase();
            proptest::prop_assert_eq!(cancelled_status(&s), matches!(low.as_str(), "voided" | "annulé" | "cancelled"));
            proptest::prop_assert_eq!(refunded_status(&s), matches!(low.as_str(), "refunded" | "remboursé"));
        }
    }

    #[test]
    fn statuses_in_any_case() {
        assert!(cancelled_status(" ANNULÉ ") && cancelled_status("Voided") && !cancelled_status("annule"));
        assert!(refunded_status("Remboursé") && refunded_status("REFUNDED") && !refunded_status("refunded_partially"));
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn profile(extra: &str) -> Profile {
        crate::setup::parse_profile(
            &format!("[orders]\n{extra}\n[orders.tax_codes]\n\"20\" = \"C20\"\n\"5.5\" = \"C05\"\n"),
            "test",
        )
        .unwrap()
    }

    fn line(sku: &str, qty: &str, ttc: &str, rate: &str) -> Line {
        Line {
            sku: sku.into(),
            name: format!("Article {sku}"),
            quantity: d(qty),
            unit_price_ttc: Some(d(ttc)),
            tax_rate: Some(d(rate)),
            taxable: true,
            kind: LineKind::Product,
            ..Default::default()
        }
    }

    /// #1001: 2 × 24.00 + 1 × 12.50 (20 %) + 5.90 shipping, tax included: 66.40.
    fn order() -> Order {
        Order {
            number: "#1001".into(),
            total_ttc: Some(d("66.40")),
            shipping_ttc: Some(d("5.90")),
            shipping_tax_rate: Some(d("20")),
            carrier: "Colissimo".into(),
            prices: Some(PriceBasis::Incl),
            lines: vec![line("TSHIRT", "2", "24.00", "20"), line("TOTE", "1", "12.50", "20")],
            ..Default::default()
        }
    }

    fn plan(p: &Profile, o: &Order, before: &str) -> (Result<CreditPlan, NoCredit>, Warnings) {
        let mut b =
            DocumentBuilder::new(p, Layout::builtin(33).unwrap(), None, jiff::civil::date(2026, 11, 28)).unwrap();
        let mut w = Warnings::new("test");
        let invoice = b.prepare(o, &mut Diag::new("order #1001", &mut w)).unwrap();
        (b.prepare_credit(o, &invoice, refunded(o), d(before), &mut Diag::new("order #1001", &mut w)), w)
    }

    fn summary(p: &CreditPlan) -> Vec<(String, String, String, Option<String>)> {
        p.prepared
            .lines
            .iter()
            .map(|l| (l.article.clone(), l.quantity.to_string(), l.unit.to_string(), l.rate.map(|r| r.to_string())))
            .collect()
    }

    fn total(p: &CreditPlan) -> Decimal {
        likely_total(&p.prepared.lines).unwrap()
    }

    #[test]
    fn what_an_order_shows_of_refunds() {
        let mut o = order();
        assert_eq!(refunded(&o), Refunded::No);
        o.refund.amount = Some(d("16"));
        assert_eq!(refunded(&o), Refunded::Part(d("16")));
        o.refund.amount = Some(d("66.40"));
        assert_eq!(refunded(&o), Refunded::Whole, "all of it");
        o.status.financial = "voided".into();
        assert_eq!(refunded(&o), Refunded::Cancelled);
        let mut o = order();
        o.status.financial = "partially_refunded".into();
        assert_eq!(refunded(&o), Refunded::Unstated);
        o.status.refunded = true;
        assert_eq!(refunded(&o), Refunded::Whole);
        assert!(!Refunded::Unstated.credits() && Refunded::Part(d("1")).credits());
    }

    #[test]
    fn a_whole_refund_credits_the_invoices_lines() {
        let mut o = order();
        o.status.refunded = true;
        let (p, w) = plan(&profile(""), &o, "0");
        let p = p.ok().unwrap();
        assert_eq!(
            summary(&p),
            [
                ("TSHIRT".into(), "2".into(), "24.00".into(), Some("20".into())),
                ("TOTE".into(), "1".into(), "12.50".into(), Some("20".into())),
                ("PORT".into(), "1".into(), "5.90".into(), Some("20".into())),
            ]
        );
        assert_eq!((p.amount, p.credited, total(&p)), (d("66.40"), d("66.40"), d("66.40")));
        assert!(w.list.iter().all(|x| x.kind != "totals"), "{:#?}", w.list);
    }

    #[test]
    fn a_partial_refund_without_lines_goes_on_the_refund_article() {
        let mut o = order();
        o.refund.amount = Some(d("16"));
        let (p, _) = plan(&profile("refund_article = \"AVOIR\""), &o, "0");
        let p = p.ok().unwrap();
        assert_eq!(summary(&p), [("AVOIR".into(), "1".into(), "16".into(), Some("20".into()))]);
        assert_eq!(p.credited, d("16.00"));
        // Later, 32.00 refunded in all: only the difference.
        o.refund.amount = Some(d("32"));
        let (p, _) = plan(&profile(""), &o, "16.00");
        let p = p.ok().unwrap();
        assert_eq!((p.amount, p.credited, total(&p)), (d("16.00"), d("32.00"), d("16.00")));
        // The same export again, or one saying less: nothing.
        assert!(matches!(plan(&profile(""), &o, "32.00").0, Err(NoCredit::Credited { .. })));
        assert!(matches!(plan(&profile(""), &o, "40.00").0, Err(NoCredit::Less { .. })));
        // Cancelled after a partial credit note: the rest of the order.
        o.status.cancelled = true;
        let p = plan(&profile(""), &o, "32.00").0.ok().unwrap();
        assert_eq!((p.amount, p.credited), (d("34.40"), d("66.40")));
        assert_eq!(p.prepared.lines.len(), 1, "on the refund article: the lines credited before are not known");
    }

    #[test]
    fn refunded_lines_are_credited_and_the_rest_goes_on_the_refund_article() {
        let mut o = order();
        o.lines[0].refunded = Some(LineRefund { quantity: Some(d("1")), ..Default::default() });
        o.refund = Refund { amount: Some(d("30.00")), shipping: Some(d("5.90")) };
        let (p, w) = plan(&profile(""), &o, "0");
        let p = p.ok().unwrap();
        assert_eq!(
            summary(&p),
            [
                ("TSHIRT".into(), "1".into(), "24.00".into(), Some("20".into())),
                ("PORT".into(), "1".into(), "5.90".into(), Some("20".into())),
                ("REMBOURSEMENT".into(), "1".into(), "0.10".into(), Some("20".into())),
            ]
        );
        assert_eq!(total(&p), d("30.00"));
        assert!(w.list.iter().all(|x| x.kind != "refund" && x.kind != "totals"), "{:#?}", w.list);
        // Lines said refunded for more than the refund: the amount alone, with a warning.
        o.refund = Refund { amount: Some(d("20.00")), shipping: None };
        let (p, w) = plan(&profile(""), &o, "0");
        assert_eq!(
            summary(&p.ok().unwrap()),
            [("REMBOURSEMENT".into(), "1".into(), "20.00".into(), Some("20".into()))]
        );
        assert!(w.list.iter().any(|x| x.kind == "refund"), "{:#?}", w.list);
    }

    #[test]
    fn a_refund_of_an_order_with_two_rates_is_spread_in_proportion() {
        let mut o = order();
        // 30.38 at 5.5 % (4 × 7.595 rounded per line as Sage does) and 42.00 at 20 %.
        o.lines = vec![line("THE", "4", "7.595", "5.5"), line("THEIERE", "1", "42.00", "20")];
        o.shipping_ttc = None;
        o.total_ttc = Some(d("72.38"));
        o.refund.amount = Some(d("10.00"));
        let (p, w) = plan(&profile(""), &o, "0");
        let p = p.ok().unwrap();
        let rates: Vec<_> = p.prepared.lines.iter().map(|l| (l.rate, l.unit, l.tax_code.clone())).collect();
        assert_eq!(
            rates,
            [(Some(d("5.5")), d("4.20"), "C05".to_string()), (Some(d("20")), d("5.80"), "C20".to_string())]
        );
        assert_eq!(total(&p), d("10.00"));
        assert!(w.list.iter().any(|x| x.kind == "refund_prorated"), "{:#?}", w.list);
        assert!(p.prepared.lines[0].design.ends_with("(TVA 5,5 %)"), "{}", p.prepared.lines[0].design);
    }

    #[test]
    fn a_credit_note_names_its_invoice() {
        let mut o = order();
        o.refund.amount = Some(d("16"));
        for (origin, field70) in [("", "WEB1001"), ("credit_note_origin = false", "")] {
            let p = profile(origin);
            let mut b =
                DocumentBuilder::new(&p, Layout::builtin(33).unwrap(), None, jiff::civil::date(2026, 11, 28)).unwrap();
            let mut w = Warnings::new("test");
            let invoice = b.prepare(&o, &mut Diag::new("s", &mut w)).unwrap();
            let plan =
                b.prepare_credit(&o, &invoice, refunded(&o), Decimal::ZERO, &mut Diag::new("s", &mut w)).ok().unwrap();
            let client = DocClient { code: "SHO000001".into(), ..Default::default() };
            let doc = b.build_credit(&o, &plan, &client, "WEB1001", &mut Diag::new("s", &mut w));
            let h = b.header(&o, &client, &doc.head, &doc.piece).into_record();
            assert_eq!(
                [
                    &*h.get(Chen::Domaine),
                    &*h.get(Chen::Type),
                    &*h.get(Chen::Provenance),
                    &*h.get(Chen::Piece),
                    &*h.get(Chen::Ref)
                ],
                ["1", "7", "3", "AV1001", "WEB1001"]
            );
            assert_eq!(
                (&*h.get(Chen::PieceOrig), &*h.get(Chen::Date), &*h.get(Chen::NoWeb)),
                (field70, "281126", "1001")
            );
            assert_eq!(doc.lines[0].get(Chli::Qte), "1,00", "positive (credit_quantity)");
            assert_eq!(w.list.iter().filter(|x| x.kind == "credit_note_sign").count(), 1);
        }
    }
}
