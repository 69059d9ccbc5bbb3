//! What an order needs decided before its document is written, as values the caller applies:
//! whether it is imported at all (`skip_reason`), and its client (`Resolver::order_client`):
//! found, created or updated, the delivery address its document names, the notices for an
//! address that differs from the card, and the accounts of the document. No I/O: a client's
//! records as last written are read by the caller, through the `read` function it passes.

use crate::gescom::export::BlockRecord;
use crate::gescom::index::ClientRef;
use crate::i18n::Msg;
use crate::ledger::InvoiceRef;
use crate::model::{Address, Customer, Order, Platform};
use crate::profile::orders::{DocumentType, OrdersSection, Refunds};
use crate::report::{CustomerAction, Diag, Issued, MatchKey, Said};
use crate::sage::{Ccdl, Ccli, Chen, FieldId, Record, RecordKind};
use crate::state::State;
use crate::text::QuickTrim;
use crate::warning_kind::WarningKind;

use super::credit;
use super::customer::{AddressKeys, Listed, Outcome, Resolver};
use super::order::{DocClient, DocumentBuilder, Header, unique_piece};
use super::update::{Addresses, Update};

/// Why an order is not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Cancelled,
    /// Refunded or cancelled by its financial status: the status as the shop wrote it,
    /// lowercased (empty when only a refund flag says so).
    Refunded(String),
    /// A status `[orders] statuses` does not list.
    NotInStatuses(String),
}

impl Skip {
    /// As the report's document entry says it (English, like every JSON value).
    pub fn detail(&self) -> String {
        match self {
            Skip::Cancelled => "cancelled order".into(),
            Skip::Refunded(fin) if fin.is_empty() => "refunded order".into(),
            Skip::Refunded(fin) => format!("{fin} order"),
            Skip::NotInStatuses(s) => format!("status '{s}' is not in [orders] statuses"),
        }
    }

    /// The warning, in both languages.
    pub fn said(&self) -> Said {
        match self {
            Skip::Cancelled => crate::said!(Msg::SkipCancelled),
            Skip::Refunded(fin) if fin.is_empty() => crate::said!(Msg::SkipRefunded),
            Skip::Refunded(fin) => crate::said!(Msg::SkipStatusOrder, status = fin),
            Skip::NotInStatuses(s) => crate::said!(Msg::SkipNotInStatuses, status = s),
        }
    }
}

/// Cancelled, refunded, or a status the profile does not import (`[orders] statuses`, empty:
/// every status): why the order is not imported.
pub fn skip_reason(o: &Order, statuses: &[String]) -> Option<Skip> {
    if o.status.cancelled {
        return Some(Skip::Cancelled);
    }
    let fin = o.status.financial.quick_trim();
    if o.status.refunded || credit::cancelled_or_refunded_status(fin) {
        return Some(Skip::Refunded(fin.to_lowercase()));
    }
    if !statuses.is_empty()
        && !statuses.iter().any(|s| s.quick_trim().eq_ignore_ascii_case(o.status.financial.quick_trim()))
    {
        return Some(Skip::NotInStatuses(o.status.financial.clone()));
    }
    None
}

/// What identifies an order for the ledger, after its platform (`shopify:1001`): the number
/// shown to the customer, except on PrestaShop, whose references are shared by split orders
/// (the id is unique there). Pieces pushed, not formatted: made for every order.
pub fn ledger_key(platform: Platform, o: &Order) -> String {
    if platform == Platform::Prestashop && !o.id.is_empty() {
        [platform.as_str(), ":id:", &o.id].concat()
    } else {
        [platform.as_str(), ":", o.clean_number()].concat()
    }
}

/// Why no credit note is written for an order converted earlier and refunded or cancelled
/// since, when the profile says none: refunds skipped, or documents that are not invoices.
pub fn credit_refusal(cfg: &OrdersSection) -> Option<String> {
    match (cfg.refunds, cfg.document_type) {
        (Refunds::Skip, _) => Some("[orders] refunds = \"skip\"".to_string()),
        (_, DocumentType::Facture) => None,
        (_, t) => Some(format!(
            "[orders] document_type = \"{}\": credit notes answer invoices only",
            serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
        )),
    }
}

/// Does an order refunded in part before its first conversion get its credit note right
/// after its invoice (else a warning says to record the refund in Sage)?
pub fn credit_follows(cfg: &OrdersSection) -> bool {
    cfg.refunds == Refunds::CreditNote && cfg.document_type == DocumentType::Facture
}

/// A customer's records to write before the document that uses it.
pub enum ClientWrite {
    /// A new client: its #CCLI and #CCDL records.
    New(Vec<Record>),
    /// An existing client (or one created earlier in the run) rewritten whole, updated.
    Block(Vec<BlockRecord>),
}

/// Where the records of a client, as last written, are read from by the caller.
pub enum BlockSource<'c> {
    /// A client created earlier in this run, by its created id: from the run's outputs.
    Created(u32),
    /// A client of the list: its block in the Format Sage export.
    List(ClientRef<'c>),
}

/// Reads a client's records as last written (`None`: written nowhere they can be read back
/// from); an error is said as a message.
pub type ReadBlock<'r> = dyn FnMut(BlockSource) -> Result<Option<Vec<BlockRecord>>, String> + 'r;

/// Why an order has no client: its customer cannot be resolved (the customer's report entry
/// says so), or a client's records could not be read back (an error of the order only).
pub enum NoClient {
    Unresolved(String),
    Unreadable(String),
}

/// The client of an order, decided: what its document needs, what to write before it, and
/// what the report says of the customer.
pub struct ClientPlan {
    pub client: DocClient,
    pub writes: Option<ClientWrite>,
    pub action: CustomerAction,
    pub matched_by: Option<MatchKey>,
    pub detail: PlanDetail,
    pub issued: Option<Issued>,
}

/// Why the client is the order's, for the report's entry: its parts, joined only when an
/// entry takes them (most orders are of clients met before, whose entry is not made again).
#[derive(Debug, Default)]
pub struct PlanDetail {
    /// What the resolver said (a new code's parts, the key that matched).
    pub outcome: Option<String>,
    /// What the update of the client's card changed.
    pub update: Option<String>,
}

impl PlanDetail {
    /// "<outcome>; order <number>; <update>", each part when there is one.
    pub fn text(self, number: &str) -> String {
        let mut t = String::new();
        if let Some(o) = &self.outcome {
            t.push_str(o);
            t.push_str("; ");
        }
        t.push_str("order ");
        t.push_str(number);
        if let Some(u) = &self.update {
            t.push_str("; ");
            t.push_str(u);
        }
        t
    }
}

impl Resolver<'_> {
    /// The client of a credit note answering `invoice` (as the ledger recorded it): its client
    /// and accounts as the invoice was written. A ledger of an earlier version recorded no
    /// client: the one this customer is found as (nothing created, no code issued), with the
    /// accounts of a new document, said in a warning. `Err`: no client can be told.
    pub fn credit_client(
        &self,
        o: &Order,
        platform: Platform,
        state: &State,
        invoice: &InvoiceRef,
        d: &mut Diag,
    ) -> Result<DocClient, String> {
        if !invoice.client.is_empty() {
            return Ok(DocClient {
                code: invoice.client.clone(),
                delivery: String::new(),
                cat_compta: invoice.cat_compta.clone(),
                collective: invoice.collective.clone(),
                representative: invoice.representative.clone(),
                notices: Vec::new(),
            });
        }
        let Some(code) = self.find_code(&o.customer, platform, state, d) else {
            return Err(format!(
                "the ledger does not record the client of invoice {} (converted by an earlier version) and the customer is not found in the client list nor among the codes issued: write this credit note in Sage",
                invoice.piece
            ));
        };
        d.push(
            WarningKind::Guessed,
            Ccli::Num.name(),
            format!(
                "the ledger does not record the client of invoice {} (converted by an earlier version): the credit note goes to {code}, the client this customer is found as",
                invoice.piece
            ),
        );
        let delivery = o.customer.delivery.as_ref().filter(|d| !d.is_empty()).unwrap_or(&o.customer.billing);
        let (cat_compta, collective, representative) = self.document_accounts(&code, &o.customer, delivery, d);
        Ok(DocClient { code, delivery: String::new(), cat_compta, collective, representative, notices: Vec::new() })
    }

    /// The update an existing client `code` of the list needs (a customers file), if the
    /// profile asks for one and it can be done safely; otherwise a warning says why it is not
    /// done. `read` gives the client's block from the list.
    pub fn customer_update(
        &mut self,
        code: &str,
        c: &Customer,
        read: &mut dyn FnMut(ClientRef) -> Result<Vec<BlockRecord>, String>,
        d: &mut Diag,
    ) -> Result<Option<Update>, String> {
        let Some(client) = self.index.by_code(code) else { return Ok(None) };
        let wanted = self.wanted_update(client, c, c.delivery.as_ref());
        if !wanted.any() {
            return Ok(None);
        }
        if let Some(why) = self.index.update_refusal() {
            d.push(
                WarningKind::UpdateRefused,
                "",
                format!("client {code} is not updated although {}: {why}", wanted.describe()),
            );
            return Ok(None);
        }
        let block = match self.block_in_run(code) {
            Some(b) => b,
            None => read(client)?,
        };
        Ok(self.apply_update(block, c, &Addresses::of(c, c.delivery.as_ref()), &wanted, d))
    }

    /// The client of order `o`, from the resolution `outcome` of its customer: created,
    /// found, or updated (a new delivery address, a changed billing address, as the profile
    /// asks and the client list allows). `read` gives a client's records as last written
    /// (`None`: not written anywhere they can be read back from). `keys`: the customer's
    /// address keys, when the reading thread made them (`search_ahead`).
    pub fn order_client(
        &mut self,
        o: &Order,
        outcome: Outcome,
        keys: Option<AddressKeys>,
        read: &mut ReadBlock,
        d: &mut Diag,
    ) -> Result<ClientPlan, NoClient> {
        let c = &o.customer;
        let addresses = Addresses::of_order(c, keys);
        let delivery = addresses.delivery;
        let (mut matched_by, mut issued) = (None, None);
        let mut detail = PlanDetail::default();
        let mut listed = Listed::Unknown;
        let (code, mut writes, mut action) = match outcome {
            Outcome::Failed { message, .. } => return Err(NoClient::Unresolved(message)),
            Outcome::New { code, detail: d, records, issued: i } => {
                listed = Listed::No;
                detail.outcome = Some(d);
                issued = Some(i);
                (code, Some(ClientWrite::New(records)), CustomerAction::Created)
            }
            Outcome::Existing { code, by, detail: d, listed: l } => {
                listed = l;
                matched_by = Some(by);
                detail.outcome = Some(d);
                (code, None, CustomerAction::Matched)
            }
            Outcome::Single { code } => (code, None, CustomerAction::SingleAccount),
        };
        // The client's card in the list, for the update, the known delivery, the notices and
        // the accounts: looked up once, and not at all when the resolution knows it (`Listed`).
        // A client made for this order has none (`Listed::No` above): its code was found free
        // of the list when it was made, and the list does not change during a run (a new
        // client every other order at 1,000,000 rows; a cache miss or two each lookup spared).
        let client = match listed {
            Listed::Unknown => self.index.by_code(&code),
            Listed::At(id) => Some(self.index.get(id)),
            Listed::No => None,
        };
        debug_assert_eq!(
            client.map(|c| c.id()),
            self.index.by_code(&code).map(|c| c.id()),
            "client {code}: what the resolution learnt of the list ({listed:?})"
        );
        let mut intitule = None;
        if let Some(ClientWrite::New(records)) = &writes {
            intitule = records
                .iter()
                .find(|r| r.layout.kind() == Some(RecordKind::Ccdl))
                .map(|r| r.get(Ccdl::Intitule).into_owned());
        } else {
            // An existing client (or one created earlier in this run): update it if asked and
            // possible, else refer to a delivery address it already has.
            let wanted = self.wanted_for(&code, client, &addresses);
            if wanted.any() {
                let block = if let Some(id) = self.created_id(&code) {
                    match read(BlockSource::Created(id)).map_err(NoClient::Unreadable)? {
                        Some(b) => Some(b),
                        None => {
                            // Nothing written to read back (no Format Sage output).
                            intitule = self.note_created_delivery(&code, c, &addresses);
                            None
                        }
                    }
                } else {
                    match self.block_in_run(&code) {
                        Some(b) => Some(b),
                        None => match (client, self.index.update_refusal()) {
                            (Some(cl), None) => read(BlockSource::List(cl)).map_err(NoClient::Unreadable)?,
                            (_, Some(why)) => {
                                d.push(
                                    WarningKind::UpdateRefused,
                                    "",
                                    format!("client {code} is not updated although {}: {why}", wanted.describe()),
                                );
                                None
                            }
                            (None, None) => None,
                        },
                    }
                };
                if let Some(block) = block
                    && let Some(u) = self.apply_update(block, c, &addresses, &wanted, d)
                {
                    if action == CustomerAction::Matched {
                        action = CustomerAction::Updated;
                    }
                    detail.update = Some(u.detail);
                    intitule = u.delivery_intitule.clone();
                    writes = Some(ClientWrite::Block(u.records));
                }
            }
            if intitule.is_none() {
                intitule = self.known_delivery(client, &code, &addresses);
            }
        }
        let notices = self.address_notices(client, &code, c, &addresses, &writes, intitule.is_none(), d);
        let (cat_compta, collective, representative) = self.document_accounts_listed(&code, || client, c, delivery, d);
        let client =
            DocClient { code, delivery: intitule.unwrap_or_default(), cat_compta, collective, representative, notices };
        Ok(ClientPlan { client, writes, action, matched_by, detail, issued })
    }

    /// The notices of a document whose billing or delivery address differs from the client's
    /// (said in a warning; written on the document when the profile asks). None for a new
    /// client, nor for a billing address the update just wrote on the card; a delivery address
    /// only when the document names none of the client's (`no_intitule`).
    #[allow(clippy::too_many_arguments)]
    fn address_notices(
        &self,
        client: Option<ClientRef>,
        code: &str,
        c: &Customer,
        a: &Addresses,
        writes: &Option<ClientWrite>,
        no_intitule: bool,
        d: &mut Diag,
    ) -> Vec<String> {
        let cs = &self.profile.customers;
        let mut notices = Vec::new();
        let updated_billing = matches!(writes, Some(ClientWrite::Block(_))) && cs.update_billing_address;
        if !updated_billing && !matches!(writes, Some(ClientWrite::New(_))) && self.billing_differs(client, code, a) {
            let line = one_line(&c.billing);
            let text = || format!("Adresse de facturation différente : {line}");
            if cs.notify_billing_address_differs {
                notices.push(text());
            }
            d.push_keyed(differs_key("billing", code, &line), WarningKind::AddressDiffers, "billing", || {
                crate::said!(Msg::WarnBillingDiffers, code = code, text = text())
            });
        }
        if no_intitule && self.delivery_differs(client, code, a) {
            let line = one_line(a.delivery);
            let text = || format!("Adresse de livraison différente : {line}");
            if cs.notify_delivery_address_differs {
                notices.push(text());
            }
            d.push_keyed(differs_key("delivery", code, &line), WarningKind::AddressDiffers, "delivery", || {
                crate::said!(Msg::WarnDeliveryDiffers, code = code, text = text())
            });
        }
        notices
    }

    /// Catégorie comptable, compte collectif and representative of a document for client
    /// `code`: the client's (or the territory's, with `use_document_accounting_category`);
    /// what is unknown is said and given a default.
    pub fn document_accounts(
        &self,
        code: &str,
        c: &Customer,
        delivery: &Address,
        d: &mut Diag,
    ) -> (String, String, (String, String)) {
        self.document_accounts_listed(code, || self.index.by_code(code), c, delivery, d)
    }

    /// `document_accounts`, the client list's card of `code` given by `listed` (the order's
    /// plan has looked it up already).
    fn document_accounts_listed<'i>(
        &'i self,
        code: &str,
        listed: impl FnOnce() -> Option<ClientRef<'i>>,
        c: &Customer,
        delivery: &Address,
        d: &mut Diag,
    ) -> (String, String, (String, String)) {
        let cs = &self.profile.customers;
        let (cat, collective, representative) = self.client_info(code, listed);
        let cat_compta = if cs.use_document_accounting_category {
            self.document_category(c, delivery, d).to_string()
        } else {
            cat.unwrap_or_else(|| {
                // One message for all such clients: counted, with a few examples.
                d.push(WarningKind::Guessed, Chen::NCatCompta.name(),
                    "the client's catégorie comptable is unknown (the client list does not carry it): the layout's default 1 is written",
                );
                String::new()
            })
        };
        let collective = collective.unwrap_or_else(|| {
            d.push(
                WarningKind::Guessed,
                Chen::CgNum.name(),
                format!(
                    "the client's compte collectif is unknown (the client list does not carry it): {} is written",
                    cs.collective_account
                ),
            );
            cs.collective_account.clone()
        });
        (cat_compta, collective, representative)
    }

    /// Catégorie comptable from the territory of delivery (`use_document_accounting_category`).
    fn document_category(&self, c: &Customer, delivery: &Address, d: &mut Diag) -> u32 {
        let cats = &self.profile.orders.accounting_categories;
        let iso = if delivery.country.is_empty() {
            d.push(
                WarningKind::Guessed,
                Chen::NCatCompta.name(),
                "the delivery address has no country: France's catégorie comptable is written",
            );
            "FR"
        } else {
            delivery.country.as_str()
        };
        // The outermost regions are in the EU but outside its VAT area: export.
        match iso {
            "FR" | "MC" => cats.france,
            "GP" | "MQ" | "GF" | "RE" | "YT" | "MF" => cats.export,
            other => match crate::countries::by_iso(other) {
                Some(country) if country.eu => {
                    if c.vat_number.quick_trim().is_empty() {
                        cats.eu_b2c
                    } else {
                        cats.eu
                    }
                }
                _ => cats.export,
            },
        }
    }
}

/// The key of an "address differs" warning: what its message says (the field tells which
/// message, the client's code and the address line the rest). A client who orders again
/// from the same address repeats the entry; past the kind's cap no message is made at all.
fn differs_key(field: &str, code: &str, line: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (field, code, line).hash(&mut h);
    h.finish()
}

/// "9 rue des Forges, 21000 Dijon, France": the address's non-empty parts, the postcode and
/// city as one (trimmed), the country by its French name when known.
fn one_line(a: &Address) -> String {
    let country = crate::countries::name_fr(&a.country).unwrap_or(&a.country);
    let mut line =
        String::with_capacity(a.address1.len() + a.address2.len() + a.zip.len() + a.city.len() + country.len() + 7);
    let part = |line: &mut String, p: &str| {
        if !p.is_empty() {
            if !line.is_empty() {
                line.push_str(", ");
            }
            line.push_str(p);
        }
    };
    part(&mut line, &a.address1);
    part(&mut line, &a.address2);
    // "zip city" trimmed as a whole: one side may be empty.
    let (zip, city) = (a.zip.trim_start(), a.city.trim_end());
    match (zip.is_empty(), city.is_empty()) {
        (true, _) => part(&mut line, city.trim_start()),
        (false, true) => part(&mut line, zip.trim_end()),
        (false, false) => {
            part(&mut line, zip);
            line.push(' ');
            line.push_str(city);
        }
    }
    part(&mut line, country);
    line
}

impl DocumentBuilder<'_> {
    /// The piece number `piece` of a credit note, settled (`Settled`): one no document has
    /// (`used`: in this file or an earlier run), else suffixed, with a warning that says
    /// whether it was this order's earlier credit note's (`earlier_credit`). Its required
    /// fields are checked before (`Header::missing_required`).
    pub fn settle_credit_piece(
        &self,
        piece: &str,
        used: impl Fn(&str) -> bool,
        earlier_credit: impl Fn(&str) -> bool,
        d: &mut Diag,
    ) -> Settled {
        let orders = &self.profile.orders;
        let no_piece = || {
            format!(
                "[orders] credit_note_piece = \"{}\" gives no piece number for this credit note: set an expression that does, such as \"AV{{order.number}}\"",
                orders.credit_note_piece
            )
        };
        let collided = |piece: &str, p: &str| {
            let whose = if earlier_credit(piece) {
                "this order's earlier credit note"
            } else {
                "another document's (in this file or an earlier run)"
            };
            format!("piece number {piece} is {whose}: this credit note is {p}")
        };
        let all_taken = |piece: &str| format!("piece number {piece} and every suffixed form of it are taken");
        settle(piece, orders.credit_piece_by_sage(), used, no_piece, collided, all_taken, d)
    }

    /// The piece number `piece` of an invoice, settled (`Settled`): a document without one
    /// is not written; one another order already has (in this file or an earlier run, kept
    /// in the ledger: `taken`) gets a suffix, with a warning. Its required fields are checked
    /// before (`Header::missing_required`).
    pub fn settle_piece(&self, piece: &str, taken: impl Fn(&str) -> bool, d: &mut Diag) -> Settled {
        let orders = &self.profile.orders;
        let no_piece = || {
            format!(
                "[orders] piece = \"{}\" gives no piece number for this order: set an expression that does, such as \"WEB{{order.number}}\"",
                orders.piece
            )
        };
        let collided = |piece: &str, p: &str| {
            format!(
                "piece number {piece} is already another order's (in this file or an earlier run): this document is {p}"
            )
        };
        let all_taken =
            |piece: &str| format!("piece number {piece} and every suffixed form of it are taken by other orders");
        settle(piece, orders.piece_by_sage(), taken, no_piece, collided, all_taken, d)
    }
}

/// What every document goes through before it is written: a required field empty in its
/// header, then in its lines (`lines_missing`), fails it; else its piece is settled
/// (`settle`: `settle_piece`, `settle_credit_piece`), and a piece settled anew goes into the
/// header, kept in `renamed` (the header borrows its texts).
pub fn check_and_settle<'a>(
    header: &mut Header<'a>,
    lines_missing: impl FnOnce() -> Option<String>,
    settle: impl FnOnce() -> Settled,
    renamed: &'a mut Option<String>,
) -> Result<(), (&'static str, String)> {
    if let Some(m) = header.missing_required().or_else(lines_missing) {
        return Err(("", m));
    }
    if let Some(p) = settle()? {
        header.set(Chen::Piece, renamed.insert(p).as_str());
    }
    Ok(())
}

/// A document's piece number once settled: `Ok(None)` it stays, `Ok(Some(p))` it becomes `p`,
/// `Err((field, why))` the document is not written. The piece is not changed in place: the
/// header made before settling borrows it (`DocumentBuilder::header`).
pub type Settled = Result<Option<String>, (&'static str, String)>;

/// What settling an invoice's and a credit note's piece share: with Sage's own numbering
/// nothing is checked; an empty number fails the document (`no_piece`); a number `taken`
/// gets a suffix, with a `piece_collision` warning (`collided(old, new)`), or fails it when
/// every suffixed form is taken (`all_taken`).
fn settle(
    piece: &str,
    by_sage: bool,
    taken: impl Fn(&str) -> bool,
    no_piece: impl FnOnce() -> String,
    collided: impl FnOnce(&str, &str) -> String,
    all_taken: impl FnOnce(&str) -> String,
    d: &mut Diag,
) -> Settled {
    if by_sage {
        return Ok(None);
    }
    if piece.is_empty() {
        return Err((Chen::Piece.name(), no_piece()));
    }
    match unique_piece(piece, taken) {
        Some(p) if p == piece => Ok(None),
        Some(p) => {
            d.push(WarningKind::PieceCollision, Chen::Piece.name(), collided(piece, &p));
            Ok(Some(p))
        }
        None => Err((Chen::Piece.name(), all_taken(piece))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `one_line` as it was first written: the parts joined, the postcode and city trimmed
    /// as one.
    fn one_line_joined(a: &Address) -> String {
        let city = format!("{} {}", a.zip, a.city);
        let country = crate::countries::name_fr(&a.country).unwrap_or(&a.country);
        [a.address1.as_str(), a.address2.as_str(), city.quick_trim(), country]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[test]
    fn an_address_on_one_line() {
        let a = Address {
            address1: "9 rue des Forges".into(),
            zip: "21000".into(),
            city: "Dijon".into(),
            country: "FR".into(),
            ..Address::default()
        };
        assert_eq!(one_line(&a), "9 rue des Forges, 21000 Dijon, France");
        let b =
            Address { address2: "Bât. C".into(), zip: " ".into(), city: " Dijon ".into(), country: "ZZ".into(), ..a };
        assert_eq!(one_line(&b), "9 rue des Forges, Bât. C, Dijon, ZZ");
        assert_eq!(one_line(&Address::default()), "");
    }

    proptest! {
        #[test]
        fn one_line_is_the_joined_parts(
            address1 in "[ a-zé,]{0,6}",
            address2 in "[ b\\u{a0}]{0,4}",
            zip in "[ 0-9\\u{3000}]{0,4}",
            city in "[ \\tLyoné]{0,5}",
            country in prop::sample::select(vec!["", "FR", "BE", "ZZ", " "]),
        ) {
            let a = Address { address1, address2, zip, city, country: country.to_string(), ..Address::default() };
            prop_assert_eq!(one_line(&a), one_line_joined(&a));
        }
    }
}
