//! Orders → Gestion Commerciale sales documents: #CHEN (header), #CHLI (lines: products,
//! shipping, discounts), #CHRE (due date). Two steps, so that a bad line (unknown article,
//! missing SKU) stops the order before its customer is created: `prepare` checks and prices
//! the lines, `build` makes the lines' and due date's records once the client is known, and
//! `header` the header's fields, their texts borrowed, where the document is checked and
//! written. No I/O.

use crate::text::QuickTrim;
use std::collections::HashSet;

use jiff::civil::{Date, DateTime};
use rust_decimal::{Decimal, RoundingStrategy};

use super::expr::{Ctx, Expr};
use crate::gescom::articles::Articles;
use crate::i18n::{Lang, Msg};
use crate::model::{Customer, LineKind, Order, PriceBasis};
use crate::profile::OrdersSection;
use crate::profile::Profile;
use crate::profile::orders::{DateSource, DiscountMode, DocumentType, PriceMode, TaxBasis, UnknownArticle, rate_key};
use crate::report::{Diag, Said};
use crate::sage::value::{ValueRef, fmt_dec};
use crate::sage::{Chen, Chli, Chre, FieldId, Fields, Layout, Record, RecordKind};
use crate::warning_kind::WarningKind;

/// Why an order cannot become a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocProblem {
    pub line: u64,
    pub field: String,
    pub message: Said,
}

/// A line checked and priced, waiting for its document.
#[derive(Debug, Clone)]
pub struct PreparedLine {
    pub article: String,
    pub design: String,
    pub quantity: Decimal,
    pub unit: Decimal,
    /// `unit` includes tax (#CHLI 11 = 1).
    pub ttc: bool,
    pub rate: Option<Decimal>,
    pub tax_code: String,
    /// Discount on the line, as an amount (#CHLI 19 `…F`).
    pub discount: Decimal,
    /// What the line is for (a product, the shipping, the order's discount...).
    pub kind: LineKind,
}

#[derive(Debug, Clone)]
pub struct Prepared {
    pub lines: Vec<PreparedLine>,
    pub date: DateTime,
}

/// A document's HT and TTC amounts (`Prepared::amounts`).
pub type Amounts = (Option<Decimal>, Option<Decimal>);

impl Prepared {
    /// `each` given the #CHLI fields of every line in turn (`line_fields`, in one `Fields`
    /// emptied after each), the lines taken out: the lines encoded on the reading thread
    /// (`prepare_ahead`).
    pub fn each_line_fields(
        &mut self,
        layout: &'static Layout,
        cfg: &OrdersSection,
        mut each: impl FnMut(&mut Fields<LINE_FIELDS, ValueRef<'_>>),
    ) {
        let day = self.date.date();
        let mut remise = String::new();
        // The fields borrow the lines' texts (none copied), freed here after.
        for l in &std::mem::take(&mut self.lines) {
            remise_into(&mut remise, l.discount);
            let mut fields = Fields::new(layout.of(RecordKind::Chli));
            line_fields(&mut fields, cfg, l, day, &remise);
            each(&mut fields);
        }
    }

    /// The document's HT and TTC amounts as its lines are written (quantity × unit price −
    /// discount, rounded per line; the other side at the line's VAT rate): what the report
    /// shows. A side needing a line's rate that is unknown is None.
    pub fn amounts(&self) -> Amounts {
        let (mut ht, mut ttc) = (Some(Decimal::ZERO), Some(Decimal::ZERO));
        for l in &self.lines {
            let amount = round2(l.unit * l.quantity - l.discount);
            let factor = l.rate.map(|r| Decimal::ONE + r / Decimal::ONE_HUNDRED).filter(|f| !f.is_zero());
            let (h, t) = match (l.ttc, factor) {
                (true, f) => (f.map(|f| round2(amount / f)), Some(amount)),
                (false, f) => (Some(amount), f.map(|f| round2(amount * f))),
            };
            ht = ht.zip(h).map(|(a, b)| a + b);
            ttc = ttc.zip(t).map(|(a, b)| a + b);
        }
        (ht, ttc)
    }
}

/// `[orders.tax_codes]` as `Pricing` looks it up: (rate, code), one entry a rate; of two
/// spellings of one rate ("20", "20.0") the later key, as a map would keep it. A key that is
/// not a number is left out.
fn tax_code_list(table: &std::collections::BTreeMap<String, String>) -> Vec<(Decimal, String)> {
    let mut codes: Vec<(Decimal, String)> = Vec::new();
    for (k, v) in table {
        let Ok(rate) = k.replace(',', ".").trim_end_matches('%').quick_trim().parse::<Decimal>() else { continue };
        match codes.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, code)) => code.clone_from(v),
            None => codes.push((rate, v.clone())),
        }
    }
    codes
}

/// Most characters of a piece number (#CHEN 5).
pub const PIECE_MAX: usize = 13;

/// `[A-Z0-9]`, at most 13 characters: what Sage accepts in a piece number. Accents are
/// removed, letters uppercased, anything else dropped; what changed beyond a `#` is said,
/// once per input with examples (every order of a shop has the same shape of number).
pub fn piece_number(raw: &str, d: &mut Diag) -> String {
    // Most pieces (`WEB1001`) are already clean: no copy to compare, nothing to report.
    if raw.len() <= PIECE_MAX && raw.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
        return raw.to_string();
    }
    piece_number_cleaned(raw, d)
}

/// `piece_number` for a number that may need cleaning or cutting.
fn piece_number_cleaned(raw: &str, d: &mut Diag) -> String {
    let clean: String = crate::text::remove_accents(raw)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let cut: String = clean.chars().take(PIECE_MAX).collect();
    if clean != raw.replace('#', "") {
        d.w.push_keyed(0x5049_4543_4531, WarningKind::Piece, &d.subject, &Chen::Piece.name(), || {
            format!(
                "piece numbers hold only A-Z and 0-9: other characters are removed and letters uppercased ('{raw}' gives '{clean}')"
            )
        });
    }
    if cut != clean {
        d.w.push_keyed(0x5049_4543_4532, WarningKind::Truncated, &d.subject, &Chen::Piece.name(), || {
            format!(
                "a piece number holds at most {PIECE_MAX} characters: '{clean}' is cut to '{cut}' (the order number stays whole in N° commande site marchand); shorten the prefix of [orders] piece"
            )
        });
    }
    cut
}

/// `base` if `taken` says it is free, else `base` with a suffix A, B, ... Z, AA, AB...
/// (the end of `base` gives way to keep 13 characters). Letters, so that the suffix cannot
/// read as another order's number (`WEB1001` then `WEB1001A`, never `WEB10012`).
pub fn unique_piece(base: &str, taken: impl Fn(&str) -> bool) -> Option<String> {
    if !taken(base) {
        return Some(base.to_string());
    }
    let letters: Vec<char> = ('A'..='Z').collect();
    let suffixes = letters
        .iter()
        .map(|a| a.to_string())
        .chain(letters.iter().flat_map(|a| letters.iter().map(move |b| format!("{a}{b}"))));
    for suffix in suffixes {
        let keep = PIECE_MAX.saturating_sub(suffix.len()).min(base.len());
        let candidate = format!("{}{suffix}", &base[..keep]);
        if !taken(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// The client side of a document, decided by the caller (which may read the client list).
#[derive(Debug, Clone, Default)]
pub struct DocClient {
    pub code: String,
    /// Intitulé of the #CCDL the goods go to (#CHEN 13); empty = the client's principal one.
    pub delivery: String,
    pub cat_compta: String,
    pub collective: String,
    pub representative: (String, String),
    /// Texts for the document ("adresse de livraison différente: ...").
    pub notices: Vec<String>,
}

impl DocClient {
    /// The notices, as the first line's `DL_TexteComplementaire` says them.
    pub fn notice(&self) -> String {
        self.notices.join("\\n")
    }
}

pub struct Document {
    /// What its #CHEN holds besides its order's and client's texts (`DocumentBuilder::header`).
    pub head: Head,
    pub lines: Vec<Record>,
    /// Its #CHRE, a record without texts kept as its fields (`Due`).
    pub due: Due,
    pub piece: String,
}

/// A document's #CHEN but for its order's and client's texts, which `DocumentBuilder::header`
/// borrows when the header is checked or written: none is copied into a record.
#[derive(Debug)]
pub struct Head {
    /// The document's date and time.
    pub date: DateTime,
    pub reference: String,
    /// A credit note: the piece of the invoice it credits (empty when Sage numbered it).
    pub credits: Option<String>,
}

/// How many fields a #CHEN sets at most (`DocumentBuilder::header`).
pub const HEADER_FIELDS: usize = 18;

/// A document's #CHEN, its texts borrowed (`DocumentBuilder::header`).
pub type Header<'v> = Fields<HEADER_FIELDS, ValueRef<'v>>;

/// A document's #CHRE: its date and mode de règlement, on the stack.
pub type Due = Fields<2>;

/// #CHEN `DO_Provenance` of a credit note (facture d'avoir).
pub(super) const PROVENANCE_AVOIR: i64 = 3;

pub struct DocumentBuilder<'a> {
    pub(super) profile: &'a Profile,
    layout: &'static Layout,
    pub(super) today: Date,
    pub(super) reference: Expr,
    /// `None`: `piece = "sage"`, Sage numbers the documents.
    piece: Option<Expr>,
    /// `None`: `credit_note_piece = "sage"`.
    pub(super) credit_piece: Option<Expr>,
    /// Rates and payment labels already reported as unmapped (once per run each).
    warned: HashSet<String>,
    /// The last payment method looked up and its mode: a shop's orders are paid a few ways,
    /// most often as the order before (the look-up trims, splits and compares every name).
    last_payment: Option<(String, u32)>,
    /// What prices the lines; shared with the reading thread (`prepare_ahead`).
    pub pricing: std::sync::Arc<Pricing<'a>>,
}

/// Checks and prices an order's lines (`prepare`): everything it needs is fixed for the
/// run, so it can run on the thread that reads the orders, ahead of the conversion.
pub struct Pricing<'a> {
    profile: &'a Profile,
    articles: Option<&'a Articles>,
    today: Date,
    /// `[orders.tax_codes]` by rate, built once: looked up for every line without making its
    /// key's text. A few entries: compared by value (any scale) one after the other, which
    /// costs less than normalising and hashing the rate.
    tax_codes: Vec<(Decimal, String)>,
}

/// Where a warning given once per run goes (an unmapped VAT rate): the run's set decides
/// now, or (`Later`, on the reading thread, whose warnings are noted) the note carries its
/// key and the run decides when the note is replayed (`Warnings::replay_once`), so that an
/// order prepared ahead but skipped never uses up the warning.
pub enum Once<'s> {
    Run(&'s mut HashSet<String>),
    Later,
}

impl Once<'_> {
    fn warn(&mut self, key: String, d: &mut Diag, kind: WarningKind, field: &str, message: String) {
        match self {
            Once::Run(warned) => {
                if warned.insert(key) {
                    d.push(kind, field, message);
                }
            }
            Once::Later => d.w.push_once(key, kind, d.subject, field, message),
        }
    }
}

/// An order prepared on the reading thread: the prepared lines (or why not) with their
/// amounts when asked, and the warnings preparing gave, to be replayed when the order is
/// converted.
pub struct PreparedAhead {
    pub prepared: Result<(Prepared, Option<Amounts>), DocProblem>,
    pub notes: Vec<crate::report::Deferred>,
    /// The #CHLI of the prepared lines, made there too (`Prepared::lines` is then empty).
    pub lines: Option<LinesAhead>,
}

/// A document's #CHLI made on the reading thread from its prepared lines: all but the
/// client's code (and the notice of the first line), which only the converting thread knows.
/// They go back to the reading thread once written, to be freed by the thread that made them.
pub struct LinesAhead {
    pub records: Vec<Record>,
    /// `likely_total` of the prepared lines, for `check_totals`.
    pub total: Option<Decimal>,
}

/// `Pricing::prepare` for `o` (named `subject`, `model::order_subject`) on a thread of its
/// own: the warnings noted, not given; the `amounts` when asked (only a report's entries show
/// them). With a `layout`, the document's lines are made there as well (the caller gives none
/// where it needs the prepared lines: an order refunded in part, whose credit note is made
/// from them); to be `encode`d, they are left to the caller (`Prepared::each_line_fields`),
/// `lines` getting their total alone.
pub fn prepare_ahead(
    pricing: &Pricing,
    layout: Option<&'static Layout>,
    o: &Order,
    subject: &str,
    amounts: bool,
    encode: bool,
) -> PreparedAhead {
    let mut w = crate::report::Warnings::deferred("");
    let mut prepared = pricing.prepare(o, &mut Diag::new(subject, &mut w), &mut Once::Later).map(|p| {
        let amounts = amounts.then(|| p.amounts());
        (p, amounts)
    });
    let mut lines = None;
    if let (Some(layout), Ok((p, _))) = (layout, &mut prepared) {
        let total = likely_total(&p.lines);
        let day = p.date.date();
        let cfg = &pricing.profile.orders;
        let records = if encode {
            Vec::new()
        } else {
            std::mem::take(&mut p.lines).into_iter().map(|l| line_record(layout, cfg, l, day)).collect()
        };
        lines = Some(LinesAhead { records, total });
    }
    PreparedAhead { prepared, notes: w.take_deferred(), lines }
}

/// The amount on the wanted basis side, and whether it includes tax. An export that does
/// not say its basis (`unknown`) holds its one amount on the TTC side: it is taken on the
/// wanted basis. Otherwise the other side is used when the wanted one is missing.
fn side(ttc: Option<Decimal>, ht: Option<Decimal>, basis: PriceBasis, unknown: bool) -> (Option<Decimal>, bool) {
    let want_ttc = basis == PriceBasis::Incl;
    if unknown {
        return (ttc.or(ht), want_ttc);
    }
    match (want_ttc, ttc, ht) {
        (true, Some(v), _) => (Some(v), true),
        (false, _, Some(v)) => (Some(v), false),
        (_, Some(v), None) => (Some(v), true),
        (_, None, Some(v)) => (Some(v), false),
        (_, None, None) => (None, want_ttc),
    }
}

pub(super) fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub(super) fn round4(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
}

impl Pricing<'_> {
    /// The order's price basis: from the export, else the profile.
    fn basis(&self, o: &Order, d: &mut Diag) -> PriceBasis {
        match (o.prices, self.profile.orders.prices_include_tax) {
            (Some(b), TaxBasis::Auto) => b,
            (Some(b), forced) => {
                let want = if forced == TaxBasis::Ttc { PriceBasis::Incl } else { PriceBasis::Excl };
                if o.basis_inferred && b != want {
                    d.push(
                        WarningKind::Prices,
                        "prices",
                        "the totals suggest the other tax basis than prices_include_tax says; the profile is followed",
                    );
                }
                want
            }
            (None, TaxBasis::Ht) => PriceBasis::Excl,
            (None, _) => PriceBasis::Incl,
        }
    }

    /// Checks and prices every line. A missing SKU or an unknown article stops the order when
    /// `unknown_article = "error"`.
    pub fn prepare(&self, o: &Order, d: &mut Diag, once: &mut Once) -> Result<Prepared, DocProblem> {
        let cfg = &self.profile.orders;
        let basis = self.basis(o, d);
        let mut lines = Vec::with_capacity(o.lines.len() + 2);
        for (i, l) in o.lines.iter().enumerate() {
            let n = i + 1;
            let article = match l.kind {
                LineKind::Product => self.article(&l.sku, n, l.origin.line, d)?,
                LineKind::Shipping => self.shipping_article(&o.carrier),
                LineKind::Discount => cfg.discount_article.clone(),
                LineKind::Fee | LineKind::Wrapping => cfg.divers_article.clone(),
            };
            let rate = l.tax_rate.or_else(|| self.articles.and_then(|a| a.get(&l.sku)).and_then(|a| a.tax_rate));
            let (shop_unit, shop_ttc) = side(l.unit_price_ttc, l.unit_price_ht, basis, o.prices.is_none());
            let Some(shop_unit) = shop_unit else {
                return Err(DocProblem {
                    line: l.origin.line,
                    field: "line_price".into(),
                    message: crate::said!(Msg::ErrLineNoPrice, n = n),
                });
            };
            let discount = if shop_ttc { l.discount_ttc } else { l.discount_ht };
            let (unit, ttc, discount) = self.convert_price(shop_unit, shop_ttc, discount, rate, n, d);
            lines.push(PreparedLine {
                article,
                design: l.name.clone(),
                quantity: l.quantity,
                unit,
                ttc,
                rate,
                tax_code: self.tax_code(rate, d, once),
                discount,
                kind: l.kind,
            });
        }
        let unknown = o.prices.is_none();
        let (ship, ship_ttc) = side(o.shipping_ttc, o.shipping_ht, basis, unknown);
        // Free shipping (0) gets no line.
        if let Some(ship) = ship.filter(|s| !s.is_zero()) {
            let rate = o.shipping_tax_rate;
            let (unit, ttc, _) = self.convert_price(ship, ship_ttc, Decimal::ZERO, rate, 0, d);
            let design = if o.carrier.is_empty() { "Frais de port".to_string() } else { o.carrier.clone() };
            lines.push(PreparedLine {
                article: self.shipping_article(&o.carrier),
                design,
                quantity: Decimal::ONE,
                unit,
                ttc,
                rate,
                tax_code: self.tax_code(rate, d, once),
                discount: Decimal::ZERO,
                kind: LineKind::Shipping,
            });
        }
        let date = self.document_date(o, d);
        self.finish_prepare(lines, o, basis, unknown, date, d, once)
    }

    /// The order-level discount, then the prepared document.
    #[allow(clippy::too_many_arguments)]
    fn finish_prepare(
        &self,
        mut lines: Vec<PreparedLine>,
        o: &Order,
        basis: PriceBasis,
        unknown: bool,
        date: DateTime,
        d: &mut Diag,
        once: &mut Once,
    ) -> Result<Prepared, DocProblem> {
        if let (Some(disc), disc_ttc) = side(o.discount_ttc, o.discount_ht, basis, unknown)
            && !disc.is_zero()
        {
            self.discount(&mut lines, disc.abs(), disc_ttc, o, d, once);
        }
        Ok(Prepared { lines, date })
    }

    fn article(&self, sku: &str, n: usize, line: u64, d: &mut Diag) -> Result<String, DocProblem> {
        let cfg = &self.profile.orders;
        // The same words for every order with the same cause, so that the report counts them
        // as one (a SKU-less export fails every order alike).
        let (found, why) = if sku.quick_trim().is_empty() {
            (None, crate::said!(Msg::WhyNoSku))
        } else if let Some(a) = self.articles {
            (a.get(sku).map(|x| x.reference.clone()), crate::said!(Msg::WhyNotMapped, sku = sku, path = a.path))
        } else {
            let r = crate::text::upper(sku.quick_trim());
            // No more characters than bytes: most references are counted by their length.
            if r.len() > 18 && r.chars().count() > 18 {
                (None, crate::said!(Msg::WhySkuTooLong, sku = sku, n = n))
            } else {
                (Some(r), Said::from(""))
            }
        };
        // Each language's text with that language's reason.
        let both = |msg: Msg| {
            let (en, fr) = (why.en.as_str(), why.fr.as_deref().unwrap_or(&why.en));
            let fill = |lang, why: &str| msg.fill(lang, &[("why", &why), ("divers", &cfg.divers_article)]);
            Said { en: fill(Lang::En, en), fr: Some(fill(Lang::Fr, fr)) }
        };
        match (found, cfg.unknown_article) {
            (Some(r), _) => Ok(r),
            (None, UnknownArticle::Error) => {
                Err(DocProblem { line, field: "line_sku".into(), message: both(Msg::ErrNoArticle) })
            }
            (None, UnknownArticle::Divers) => {
                d.push(WarningKind::DiversArticle, "line_sku", both(Msg::WarnOnDivers));
                Ok(cfg.divers_article.clone())
            }
        }
    }

    fn shipping_article(&self, carrier: &str) -> String {
        let cfg = &self.profile.orders;
        cfg.carriers
            .iter()
            .find(|(k, _)| k.quick_trim().eq_ignore_ascii_case(carrier.quick_trim()))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| cfg.shipping_article.clone())
    }

    /// The price as the profile wants it written; conversions need the line's VAT rate.
    pub(super) fn convert_price(
        &self,
        unit: Decimal,
        ttc: bool,
        discount: Decimal,
        rate: Option<Decimal>,
        n: usize,
        d: &mut Diag,
    ) -> (Decimal, bool, Decimal) {
        let want_ttc = match self.profile.orders.prices {
            PriceMode::AsShop => ttc,
            PriceMode::Ttc => true,
            PriceMode::Ht => false,
        };
        if want_ttc == ttc {
            return (unit, ttc, discount);
        }
        let Some(r) = rate else {
            let what = if n == 0 { "shipping".to_string() } else { format!("line {n}") };
            d.push(
                WarningKind::PriceNotConverted,
                "prices",
                format!("{what}: VAT rate unknown, the price stays as the shop gives it"),
            );
            return (unit, ttc, discount);
        };
        let f = Decimal::ONE + r / Decimal::ONE_HUNDRED;
        if want_ttc {
            (round4(unit * f), true, round2(discount * f))
        } else {
            (round4(unit / f), false, round2(discount / f))
        }
    }

    pub(super) fn tax_code(&self, rate: Option<Decimal>, d: &mut Diag, once: &mut Once) -> String {
        let Some(r) = rate else { return String::new() };
        match self.tax_codes.iter().find(|(k, _)| *k == r) {
            Some((_, code)) => code.clone(),
            None => {
                let key = rate_key(&r);
                once.warn(
                    format!("rate:{key}"), d, WarningKind::TaxCodeMissing,
                    "tax_code",
                    // No code is suggested: codes differ from one dossier to another, and one
                    // copied blindly would file the VAT under another rate.
                    format!("VAT rate {key}% has no code taxe in [orders.tax_codes]: the rate is written, the code left empty. Add \"{key}\" = \"<code>\" to [orders.tax_codes] with the code taxe your dossier has for {key}% (each dossier has its own codes)"),
                );
                String::new()
            }
        }
    }

    fn discount(
        &self,
        lines: &mut Vec<PreparedLine>,
        amount: Decimal,
        ttc: bool,
        o: &Order,
        d: &mut Diag,
        once: &mut Once,
    ) {
        let cfg = &self.profile.orders;
        let label = if o.discount_codes.is_empty() {
            "Remise".to_string()
        } else {
            format!("Remise {}", o.discount_codes.join(", "))
        };
        let products = o.lines.iter().filter(|l| l.kind == LineKind::Product).count().min(lines.len());
        match cfg.discount {
            DiscountMode::Article => {
                let rates: HashSet<String> =
                    lines[..products].iter().filter_map(|l| l.rate).map(|r| rate_key(&r)).collect();
                let rate = if rates.len() == 1 { lines[0].rate } else { None };
                let (unit, line_ttc, _) = self.convert_price(-amount, ttc, Decimal::ZERO, rate, 0, d);
                let tax_code = self.tax_code(rate, d, once);
                lines.push(PreparedLine {
                    article: cfg.discount_article.clone(),
                    design: label,
                    quantity: Decimal::ONE,
                    unit,
                    ttc: line_ttc,
                    rate,
                    tax_code,
                    discount: Decimal::ZERO,
                    kind: LineKind::Discount,
                });
            }
            DiscountMode::Line => {
                // Spread in proportion to each product line's amount; the last line takes the
                // cents left by rounding, so the sum is exact.
                let amounts: Vec<Decimal> =
                    lines[..products].iter().map(|l| l.unit * l.quantity - l.discount).collect();
                let total: Decimal = amounts.iter().sum();
                if total.is_zero() || products == 0 {
                    d.push(
                        WarningKind::Discount,
                        "discount",
                        format!("a discount of {amount} has no line to go on: not written"),
                    );
                    return;
                }
                let mut left = amount;
                for (i, a) in amounts.iter().enumerate() {
                    let share = if i + 1 == products { left } else { round2(amount * a / total) };
                    left -= share;
                    // The discount is on the shop's basis; the line may have been converted.
                    let line = &mut lines[i];
                    let share =
                        match (line.ttc == ttc, line.rate) {
                            (true, _) => share,
                            (false, Some(r)) => {
                                let f = Decimal::ONE + r / Decimal::ONE_HUNDRED;
                                if line.ttc { round2(share * f) } else { round2(share / f) }
                            }
                            (false, None) => {
                                d.push(WarningKind::Discount, "discount",
                                format!(
                                    "line {}: VAT rate unknown, its share of the discount stays as the shop gives it",
                                    i + 1
                                ),
                            );
                                share
                            }
                        };
                    line.discount += share;
                }
            }
        }
    }

    fn document_date(&self, o: &Order, d: &mut Diag) -> DateTime {
        let today = self.today.to_datetime(jiff::civil::Time::midnight());
        match self.profile.orders.date {
            DateSource::Today => today,
            DateSource::Order => o.date.unwrap_or_else(|| {
                d.push(WarningKind::Guessed, "date", "the order has no date: today's is used");
                today
            }),
            DateSource::Invoice => match (o.invoice_date, o.date) {
                (Some(dt), _) => dt,
                (None, Some(dt)) => {
                    d.push(WarningKind::Guessed, "date", "the order has no invoice date: the order's date is used");
                    dt
                }
                (None, None) => {
                    d.push(
                        WarningKind::Guessed,
                        "date",
                        "the order has neither invoice nor order date: today's is used",
                    );
                    today
                }
            },
        }
    }
}

impl<'a> DocumentBuilder<'a> {
    pub fn new(
        profile: &'a Profile,
        layout: &'static Layout,
        articles: Option<&'a Articles>,
        today: Date,
    ) -> Result<Self, String> {
        let o = &profile.orders;
        Ok(DocumentBuilder {
            profile,
            layout,
            today,
            reference: Expr::parse(&o.reference).map_err(|e| format!("orders.reference: {e}"))?,
            piece: if o.piece_by_sage() {
                None
            } else {
                Some(Expr::parse(&o.piece).map_err(|e| format!("orders.piece: {e}"))?)
            },
            credit_piece: if o.credit_piece_by_sage() {
                None
            } else {
                Some(Expr::parse(&o.credit_note_piece).map_err(|e| format!("orders.credit_note_piece: {e}"))?)
            },
            warned: HashSet::new(),
            last_payment: None,
            pricing: std::sync::Arc::new(Pricing { profile, articles, today, tax_codes: tax_code_list(&o.tax_codes) }),
        })
    }

    /// The Format Sage layout the documents are made for.
    pub fn layout(&self) -> &'static Layout {
        self.layout
    }

    /// Checks and prices every line (`Pricing::prepare`), on this thread.
    pub fn prepare(&mut self, o: &Order, d: &mut Diag) -> Result<Prepared, DocProblem> {
        self.pricing.prepare(o, d, &mut Once::Run(&mut self.warned))
    }

    /// The warnings `prepare_ahead` noted for an order, given now: those given once per run
    /// only if the run has not given them yet.
    pub fn replay_prepared(&mut self, notes: Vec<crate::report::Deferred>, w: &mut crate::report::Warnings) {
        w.replay_once(notes, &mut self.warned);
    }

    pub(super) fn tax_code(&mut self, rate: Option<Decimal>, d: &mut Diag) -> String {
        self.pricing.tax_code(rate, d, &mut Once::Run(&mut self.warned))
    }

    pub(super) fn warn_once(&mut self, key: String, d: &mut Diag, kind: WarningKind, field: &str, message: String) {
        if self.warned.insert(key) {
            d.push(kind, field, message);
        }
    }

    /// The document's records, once the client is known; its lines made from `p`, or
    /// completed from `ahead` (`prepare_ahead`).
    pub fn build(
        &mut self,
        o: &Order,
        p: Prepared,
        ahead: Option<LinesAhead>,
        client: &DocClient,
        d: &mut Diag,
    ) -> Document {
        let customer: &Customer = &o.customer;
        let ctx = Ctx { customer, code: &client.code, today: self.today, order: Some(o) };
        let piece = match &self.piece {
            Some(e) => piece_number(&e.eval(&ctx), d),
            None => {
                self.warn_piece_sage(d);
                String::new()
            }
        };
        let reference = self.reference.eval(&ctx);
        self.warn_currency(o, d);
        let due = self.due(o, p.date, d);
        let (total, mut lines) = match ahead {
            Some(LinesAhead { mut records, total }) => {
                for r in &mut records {
                    r.set(Chli::CtNum, client.code.clone());
                }
                (total, records)
            }
            // The prepared lines are used up: their texts move into the records.
            None => {
                let (total, day) = (likely_total(&p.lines), p.date.date());
                (total, p.lines.into_iter().map(|l| self.line(l, day, client)).collect())
            }
        };
        self.check_totals(o, total, d);
        let notice = client.notice();
        if let Some(first) = lines.first_mut().filter(|_| !notice.is_empty()) {
            first.set(Chli::TexteComplementaire, notice);
        }
        Document { head: Head { date: p.date, reference, credits: None }, lines, due, piece }
    }

    /// Said once per run when Sage numbers the documents.
    pub(super) fn warn_piece_sage(&mut self, d: &mut Diag) {
        self.warn_once(
            "piece:sage".into(), d, WarningKind::PieceSage,
            Chen::Piece.name(),
            "[orders] piece is \"sage\" (or empty): documents are written without a N° de pièce, for Sage to number them from the souche. Whether Sage's import accepts an empty piece number is unverified: import into a copy of the dossier first, or set a piece expression such as \"WEB{order.number}\"".into(),
        );
    }

    /// The #CHEN of a document of `o` for `client` (its `head` and `piece`), its texts
    /// borrowed from them: made once, where it is checked and written, and a record
    /// (`Fields::into_record`) only for what needs one (a paramétrable file of lines).
    pub fn header<'v>(&self, o: &'v Order, client: &'v DocClient, head: &'v Head, piece: &'v str) -> Header<'v>
    where
        'a: 'v,
    {
        let profile: &'a Profile = self.profile;
        let cfg = &profile.orders;
        let (day, credits) = (head.date.date(), head.credits.as_deref());
        let mut h = Header::new(self.layout.of(RecordKind::Chen));
        let kind = if credits.is_some() { DocumentType::Facture } else { cfg.document_type };
        h.set(Chen::Type, kind.code());
        if cfg.souche > 0 {
            h.set(Chen::Souche, cfg.souche);
        }
        h.set(Chen::Piece, piece);
        h.set(Chen::Date, day);
        h.set(Chen::Ref, head.reference.as_str());
        h.set(Chen::DateLivr, day);
        h.set(Chen::Tiers, client.code.as_str());
        h.set(Chen::DeNo, cfg.depot.as_str());
        h.set(Chen::LiNo, client.delivery.as_str());
        h.set(Chen::CtNumPayeur, client.code.as_str());
        h.set(Chen::CoNom, client.representative.0.as_str());
        h.set(Chen::CoPrenom, client.representative.1.as_str());
        if !client.cat_compta.is_empty() {
            h.set(Chen::NCatCompta, client.cat_compta.as_str());
        }
        h.set(Chen::CgNum, client.collective.as_str());
        h.set(Chen::Heure, head.date.time());
        h.set(Chen::NoWeb, o.clean_number());
        if let Some(invoice) = credits {
            h.set(Chen::Provenance, PROVENANCE_AVOIR);
            if cfg.credit_note_origin && !invoice.is_empty() {
                h.set(Chen::PieceOrig, invoice);
            }
        }
        h
    }

    /// Said once per currency: amounts are written as the shop gives them.
    pub(super) fn warn_currency(&mut self, o: &Order, d: &mut Diag) {
        if !o.currency.is_empty() && !o.currency.eq_ignore_ascii_case("EUR") {
            let c = o.currency.clone();
            self.warn_once(
                format!("currency:{c}"),
                d,
                WarningKind::Currency,
                "currency",
                format!("orders in {c}: amounts are written as the shop gives them, without a Sage devise"),
            );
        }
    }

    /// The #CHLI of a prepared line; `date` is the document's.
    pub(super) fn line(&self, l: PreparedLine, date: Date, client: &DocClient) -> Record {
        let mut r = line_record(self.layout, &self.profile.orders, l, date);
        r.set(Chli::CtNum, client.code.clone());
        r
    }

    /// The #CHRE due date of a document dated `date`, in the mode de règlement of the order's
    /// payment method.
    pub(super) fn due(&mut self, o: &Order, date: DateTime, d: &mut Diag) -> Due {
        let cfg = &self.profile.orders;
        let mut due = Due::new(self.layout.of(RecordKind::Chre));
        let due_date = date.date().checked_add(jiff::Span::new().days(cfg.due_days as i64)).unwrap_or(date.date());
        due.set(Chre::Date, due_date);
        due.set(Chre::ModeReglement, self.payment_mode(&o.payment_method, d));
        due
    }

    fn payment_mode(&mut self, method: &str, d: &mut Diag) -> u32 {
        // The same answer, and no warning: an unmapped method is said once per run anyway
        // (`warned` keeps its key for the run, as this keeps the method).
        if let Some((last, mode)) = &self.last_payment
            && last == method
        {
            return *mode;
        }
        let mode = self.look_up_payment_mode(method, d);
        let last = self.last_payment.get_or_insert_with(Default::default);
        last.0.clear();
        last.0.push_str(method);
        last.1 = mode;
        mode
    }

    /// `payment_mode`, looked up in `[orders.payment_methods]`.
    fn look_up_payment_mode(&mut self, method: &str, d: &mut Diag) -> u32 {
        let cfg = &self.profile.orders;
        // "Shopify Payments + Gift card": the first gateway decides.
        // (Found byte by byte: a `str` pattern sets a searcher up, for every order.)
        let at = method.as_bytes().windows(3).position(|w| w == b" + ").unwrap_or(method.len());
        let first = method[..at].quick_trim();
        if first.is_empty() {
            return cfg.default_payment_method;
        }
        let exact = cfg.payment_methods.iter().find(|(k, _)| k.quick_trim().eq_ignore_ascii_case(first));
        let partial = || {
            cfg.payment_methods.iter().find(|(k, _)| {
                first.to_lowercase().contains(&k.quick_trim().to_lowercase()) && !k.quick_trim().is_empty()
            })
        };
        match exact.or_else(partial) {
            Some((_, v)) => *v,
            None => {
                let mode = cfg.default_payment_method;
                self.warn_once(
                    format!("pay:{}", first.to_lowercase()), d, WarningKind::PaymentMethod,
                    "payment_method",
                    format!(
                        "payment method '{first}' is not in [orders.payment_methods]: mode de règlement {mode} is written"
                    ),
                );
                mode
            }
        }
    }

    /// What Sage will likely total (price × quantity − discount, tax added to HT lines,
    /// rounded per line) against the shop's total.
    /// `total`: `likely_total` of the document's prepared lines.
    fn check_totals(&self, o: &Order, total: Option<Decimal>, d: &mut Diag) {
        let Some(shop) = o.total_ttc else { return };
        let Some(sum) = total else {
            d.push(WarningKind::Totals, "total", "totals not checked: a line excluding tax has no known VAT rate");
            return;
        };
        let diff = sum - shop;
        if diff.abs() >= Decimal::new(1, 2) {
            d.push(
                WarningKind::Totals,
                "total",
                format!(
                    "the document's lines add up to {} while the shop's total is {}: a difference of {}",
                    fmt_dec(sum, 2),
                    fmt_dec(shop, 2),
                    fmt_dec(diff, 2)
                ),
            );
        }
    }
}

/// The #CHLI of a prepared line dated `date`, all but its client's code (#CHLI `CT_Num`).
pub fn line_record(layout: &'static Layout, cfg: &OrdersSection, l: PreparedLine, date: Date) -> Record {
    let mut remise = String::new();
    remise_into(&mut remise, l.discount);
    let mut r = Fields::new(layout.of(RecordKind::Chli));
    line_fields(&mut r, cfg, &l, date, &remise);
    r.into_record()
}

/// How many fields `line_fields` sets at most.
pub const LINE_FIELDS: usize = 12;

/// The fields of `line_record`, set in `r` (a #CHLI's, none set yet), borrowing the line's
/// texts, the profile's depot and `remise` (`remise_into`): for the lines encoded on the
/// reading thread without their records (`Prepared::each_line_fields`).
pub fn line_fields<'a>(
    r: &mut Fields<LINE_FIELDS, ValueRef<'a>>,
    cfg: &'a OrdersSection,
    l: &'a PreparedLine,
    date: Date,
    remise: &'a str,
) {
    r.set(Chli::ArRef, l.article.as_str());
    r.set(Chli::Design, l.design.as_str());
    r.set(Chli::Ttc, l.ttc);
    r.set(Chli::PrixUnitaire, l.unit);
    r.set(Chli::Qte, l.quantity);
    r.set(Chli::EuQte, l.quantity);
    if !remise.is_empty() {
        r.set(Chli::Remise, remise);
    }
    r.set(Chli::DoDateLivr, date);
    r.set(Chli::DeNo, cfg.depot.as_str());
    r.set(Chli::Taxe1, l.rate.map_or(ValueRef::Text(""), ValueRef::Dec));
    r.set(Chli::DoDate, date);
    r.set(Chli::CodeTaxe1, l.tax_code.as_str());
}

/// A line's discount as #CHLI 19 writes it, in `out` (emptied first; nothing without one): a
/// text field, so an amount is written with `F` after it (a rate would have `%`).
fn remise_into(out: &mut String, discount: Decimal) {
    out.clear();
    if !discount.is_zero() {
        crate::sage::value::push_dec(out, discount, 2);
        out.push('F');
    }
}

/// What Sage will likely total for these lines, tax included (price × quantity − discount,
/// tax added to HT lines, rounded per line); `None` when an HT line has no known rate.
pub fn likely_total(lines: &[PreparedLine]) -> Option<Decimal> {
    let mut sum = Decimal::ZERO;
    for l in lines {
        sum += line_total(l)?;
    }
    Some(sum)
}

/// One line's likely total, tax included (see `likely_total`).
pub fn line_total(l: &PreparedLine) -> Option<Decimal> {
    let amount = round2(l.unit * l.quantity - l.discount);
    if l.ttc {
        return Some(amount);
    }
    l.rate.map(|r| round2(amount * (Decimal::ONE + r / Decimal::ONE_HUNDRED)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Warnings;
    use crate::warning_kind::WarningKind;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for a clean piece answers as the whole cleaning does, and reports nothing.
        #[test]
        fn a_clean_piece_is_kept_as_the_cleaning_keeps_it(raw in "[A-Z0-9]{0,13}") {
            let mut w = Warnings::default();
            let fast = piece_number(&raw, &mut Diag::new("order 1", &mut w));
            let slow = piece_number_cleaned(&raw, &mut Diag::new("order 1", &mut w));
            prop_assert_eq!(&fast, &slow);
            prop_assert_eq!(fast, raw);
            prop_assert!(w.is_empty());
        }
    }

    /// An order of one line at `rate` % (no code taxe for 7 %), without a SKU (a warning
    /// given per order: the divers article).
    fn order(number: &str, rate: &str) -> Order {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        Order {
            number: number.into(),
            prices: Some(PriceBasis::Incl),
            lines: vec![crate::model::Line {
                name: "Savon".into(),
                quantity: d("1"),
                unit_price_ttc: Some(d("10")),
                tax_rate: Some(d(rate)),
                taxable: true,
                kind: LineKind::Product,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn test_profile(toml: &str) -> Profile {
        crate::setup::parse_profile(toml, "test").unwrap()
    }

    /// A builder of the built-in #VER 33 layout, without articles, on a fixed day.
    fn test_builder(p: &Profile) -> DocumentBuilder<'_> {
        DocumentBuilder::new(p, Layout::builtin(33).unwrap(), None, jiff::civil::date(2026, 11, 28)).unwrap()
    }

    fn subject_of(o: &Order) -> String {
        crate::model::order_subject(&o.number, o.origin.line)
    }

    fn entries(w: &Warnings) -> Vec<(WarningKind, String, String, u64)> {
        w.list.iter().map(|x| (x.kind, x.record.clone(), x.message.clone(), x.count)).collect()
    }

    /// Preparing on the reading thread then replaying its notes gives the warnings preparing
    /// here gives, the once-per-run ones included; an order prepared ahead but skipped (its
    /// notes dropped) does not use up a once-per-run warning.
    #[test]
    fn prepared_ahead_warns_as_prepared_here() {
        let p = test_profile("[orders]\nunknown_article = \"divers\"\n[orders.tax_codes]\n\"20\" = \"C20\"\n");
        let builder = || test_builder(&p);
        let orders = [order("#1", "20"), order("#2", "7"), order("#3", "7"), order("#4", "20")];

        let (mut here, mut w_here) = (builder(), Warnings::new("x.csv"));
        let mut prepared_here = Vec::new();
        for o in &orders[1..] {
            let subject = crate::model::order_subject(&o.number, o.origin.line);
            prepared_here.push(here.prepare(o, &mut Diag::new(&subject, &mut w_here)).unwrap().lines.len());
        }

        let (mut run, mut w_ahead) = (builder(), Warnings::new("x.csv"));
        let mut prepared_ahead = Vec::new();
        for (i, o) in orders.iter().enumerate() {
            let a = prepare_ahead(&run.pricing, None, o, &subject_of(o), true, false);
            assert!(!a.notes.is_empty(), "a warning at least: the divers article");
            if i == 0 {
                continue; // skipped by the run (converted earlier): its notes are dropped
            }
            run.replay_prepared(a.notes, &mut w_ahead);
            prepared_ahead.push(a.prepared.unwrap().0.lines.len());
        }
        assert_eq!(prepared_here, prepared_ahead);
        assert_eq!(entries(&w_here), entries(&w_ahead));
        let missing = w_ahead.list.iter().filter(|x| x.kind == WarningKind::TaxCodeMissing).count();
        assert_eq!(missing, 1, "7 % without a code: said once per run, for order #2");

        // A dropped note does not use up the once key: an order at 7 % skipped, then one
        // converted, which gets the warning.
        let mut run = builder();
        let mut w = Warnings::new("x.csv");
        let _dropped = prepare_ahead(&run.pricing, None, &orders[1], &subject_of(&orders[1]), true, false);
        let kept = prepare_ahead(&run.pricing, None, &orders[2], &subject_of(&orders[2]), true, false);
        run.replay_prepared(kept.notes, &mut w);
        assert_eq!(w.list.iter().filter(|x| x.kind == WarningKind::TaxCodeMissing).count(), 1);
    }

    /// Lines made on the reading thread and completed here are the lines made here: the
    /// same records (the client's code, a discount, the first line's notice), the same
    /// header and warnings (the totals check among them).
    #[test]
    fn lines_made_ahead_are_the_lines_made_here() {
        let p = test_profile("[orders]\nunknown_article = \"divers\"\n[orders.tax_codes]\n\"20\" = \"C20\"\n");
        let layout = Layout::builtin(33).unwrap();
        let mut b = test_builder(&p);
        let mut o = order("#7", "20");
        let second = crate::model::Line {
            name: "Bougie parfumée œillet".into(),
            discount_ttc: Decimal::ONE,
            discount_ht: Decimal::ONE,
            ..o.lines[0].clone()
        };
        o.lines.push(second);
        o.total_ttc = Some(Decimal::new(2500, 2));
        let client = DocClient {
            code: "WEB000530".into(),
            notices: vec!["Adresse de livraison différente : 3 rue des Lilas, 69003 Lyon".into()],
            ..Default::default()
        };
        let (mut w_here, mut w_ahead) = (Warnings::new("x.csv"), Warnings::new("x.csv"));
        let subject = crate::model::order_subject(&o.number, o.origin.line);
        let d_here = &mut Diag::new(&subject, &mut w_here);
        let prepared = b.prepare(&o, d_here).unwrap();
        let here = b.build(&o, prepared, None, &client, d_here);

        let a = prepare_ahead(&b.pricing, Some(layout), &o, &subject_of(&o), false, false);
        b.replay_prepared(a.notes, &mut w_ahead);
        let (prepared, _) = a.prepared.unwrap();
        assert!(prepared.lines.is_empty(), "the prepared lines went into the records");
        let ahead = b.build(&o, prepared, a.lines, &client, &mut Diag::new(&subject, &mut w_ahead));

        assert_eq!(here.lines.len(), 2);
        assert_eq!(ahead.lines.len(), 2);
        let header = |doc: &Document| b.header(&o, &client, &doc.head, &doc.piece).into_record();
        let headers = (header(&here), header(&ahead));
        for (x, y) in here.lines.iter().zip(&ahead.lines).chain([(&headers.0, &headers.1)]) {
            assert!(x.diff(y).is_empty(), "{:?} differ", x.diff(y));
        }
        assert_eq!(ahead.lines[0].get(Chli::CtNum), "WEB000530");
        assert!(ahead.lines[0].get(Chli::TexteComplementaire).starts_with("Adresse de livraison"));
        assert!(ahead.lines[1].get(Chli::TexteComplementaire).is_empty());
        assert_eq!(entries(&w_here), entries(&w_ahead));
        assert!(w_here.list.iter().any(|x| x.kind == WarningKind::Totals), "the totals differ: said in both");
    }

    /// A rate finds its code whatever its scale or the profile's spelling ("5,50 %"); the
    /// warning of a rate without one names it as `rate_key` writes it.
    #[test]
    fn a_rate_finds_its_code_at_any_scale() {
        let p = test_profile("[orders.tax_codes]\n\"20\" = \"C20\"\n\"5,50 %\" = \"C05\"\n\"0\" = \"C00\"\n");
        let mut run = test_builder(&p);
        let mut w = Warnings::default();
        let mut code = |r: &str| run.tax_code(Some(r.parse().unwrap()), &mut Diag::new("order 1", &mut w));
        let got = ["20", "20.000", "5.5", "5.50", "0.00", "-0", "7.00"].map(&mut code);
        assert_eq!(got, ["C20", "C20", "C05", "C05", "C00", "C00", ""].map(String::from));
        assert!(w.list.iter().any(|x| x.kind == WarningKind::TaxCodeMissing && x.message.contains("VAT rate 7%")));
        // Two spellings of one rate: the one the profile's table gives last ("20.0" after
        // "20"), whatever the order of the lines in the file.
        let p = test_profile("[orders.tax_codes]\n\"20.0\" = \"T20\"\n\"20\" = \"C20\"\n\"10\" = \"C10\"\n");
        let mut run = test_builder(&p);
        let got = ["20", "10.0"].map(|r| run.tax_code(Some(r.parse().unwrap()), &mut Diag::new("order 1", &mut w)));
        assert_eq!(got, ["T20", "C10"].map(String::from));
    }

    /// The first of several gateways decides ("Shopify Payments + Gift card"), found exactly,
    /// then within the method's name; none found: the default mode, said once.
    #[test]
    fn the_first_gateway_decides_the_mode_de_reglement() {
        let p = test_profile(
            "[orders]\ndefault_payment_method = 9\n[orders.payment_methods]\n\"Shopify Payments\" = 2\n\"PayPal\" = 5\n",
        );
        let mut run = test_builder(&p);
        let mut w = Warnings::default();
        let mut mode = |m: &str| run.payment_mode(m, &mut Diag::new("order 1", &mut w));
        let got = [
            "Shopify Payments + Gift card",
            "Gift card + Shopify Payments",
            " shopify payments ",
            "PayPal Express Checkout + Shopify Payments",
            "Shopify Payments+Gift card",
            "",
            " + PayPal",
            // Met again, one after the other or not: the answer of that method, not the last's.
            " + PayPal",
            "PayPal",
            "PayPal",
            "Gift card",
            "Gift card",
            "Shopify Payments + Gift card",
            "Gift card + Shopify Payments",
        ]
        .map(&mut mode);
        assert_eq!(got, [2, 9, 2, 5, 2, 9, 9, 9, 5, 5, 9, 9, 2, 9]);
        assert_eq!(w.list.iter().filter(|x| x.kind == WarningKind::PaymentMethod).count(), 1, "gift card, said once");
    }

    #[test]
    fn a_piece_with_other_characters_is_cleaned_and_reported() {
        let mut w = Warnings::default();
        assert_eq!(piece_number("web-1001", &mut Diag::new("order 1", &mut w)), "WEB1001");
        assert_eq!(piece_number("WEB10000000001234", &mut Diag::new("order 2", &mut w)), "WEB1000000000");
        assert_eq!(w.len(), 2, "cleaned, then cut");
    }
}
