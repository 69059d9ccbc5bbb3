//! Customer resolution: which Sage client an incoming shop customer is. The options of the
//! seed, in the order the original connector applies them: single account, search first by
//! SIRET / e-mail / VAT number, then a new code by codification, never one that belongs to
//! someone else. A new client copies the template client and gets the profile's text options
//! and field expressions. No I/O here: the caller reads, writes and saves state.

use crate::text::QuickTrim;
use std::borrow::Cow;

use jiff::civil::Date;

use super::code::{self, CodeError};
use super::created::CreatedClients;
use super::expr::{Ctx, Expr};
use crate::codepage::{self, CodePage};
use crate::gescom::index::{self as ix, ClientIndex, ClientRef};
use crate::model::{Address, Customer, Platform};
use crate::profile::{CodeSource, Mode, PhoneSource, Profile};
use crate::report::{Diag, Issued, MatchKey, Warnings};
use crate::sage::{Ccdl, Ccli, FieldId, Layout, Record, RecordKind};
use crate::state::State;
use crate::text::{remove_accents, upper};
use crate::warning_kind::WarningKind;

/// What became of one shop customer.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// An existing client of the list (or one already created earlier in this run).
    Existing { code: String, by: MatchKey, detail: String, listed: Listed },
    /// `mode = "single"`: the one account.
    Single { code: String },
    /// A new client: its #CCLI and #CCDL records, to write before any document using it.
    /// `issued` tells a code issued now from one an earlier run issued (written again).
    New { code: String, detail: String, records: Vec<Record>, issued: Issued },
    /// No client could be chosen safely; nothing is written for this customer.
    Failed { field: String, message: String },
}

/// What the resolution learnt of an existing client's card in the client list, so that the
/// order's plan need not look its code up again (a cache miss or two a lookup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Not looked up: the plan asks the list.
    Unknown,
    /// The list's client at this place (`ClientIndex::get`).
    At(u32),
    /// Not in the list (a client made earlier in this run: its code was free of the list).
    No,
}

impl Outcome {
    pub fn code(&self) -> Option<&str> {
        match self {
            Outcome::Existing { code, .. } | Outcome::Single { code } | Outcome::New { code, .. } => Some(code),
            Outcome::Failed { .. } => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "customers.single_account = \"{0}\" is not in the client list {1}: every order would go to an account Sage does not have"
    )]
    SingleAccountMissing(String, String),
    #[error("customers.template = \"{0}\" is not in the client list {1}: new clients could not copy its settings")]
    TemplateMissing(String, String),
    #[error("customers.fields.{0}: {1}")]
    Field(String, String),
}

pub struct Resolver<'a> {
    pub(super) profile: &'a Profile,
    pub(super) index: &'a ClientIndex,
    pub layout: &'static Layout,
    pub(super) today: Date,
    /// `today` as the state records it (YYYY-MM-DD), made once.
    today_text: String,
    pub(super) template: Option<ClientRef<'a>>,
    /// `[customers.fields]`, each name resolved to its #CCLI field.
    pub(super) fields: Vec<ProfileField>,
    /// One of `fields` sets a field of a card's address: a new card's address is then read
    /// back from it, not taken from the texts `new_client` set.
    fields_set_address: bool,
    /// Template fields the list does not carry: reported once per run.
    template_gaps_reported: bool,
    /// Existing clients rewritten in this run: their block as last written, so a second
    /// update of the same client builds on the first.
    pub(super) updated: super::packed::UpdatedBlocks,
    /// Clients created in this run: what their documents and later orders need. Their
    /// records themselves are not kept (the caller can read them back from the file it wrote
    /// them to): a run creating 100,000 clients keeps a few dozen bytes for each.
    pub(super) created: CreatedClients,
    /// Updates of the current input, undone if it fails.
    journal: Vec<(String, super::packed::Before)>,
    /// `[customers.code]` as it applies to each platform met, made once
    /// (`CodeSection::for_platform` copies the section).
    codes: Vec<(Platform, std::sync::Arc<crate::profile::CodeSection>)>,
}

pub use super::created::Shared;

/// A `[customers.fields]` entry: the #CCLI field (index in its layout) and its expression.
pub(super) struct ProfileField {
    pub index: usize,
    /// The name as the profile writes it, for messages.
    pub name: String,
    pub expr: Expr,
}

/// What the run remembers of a client it creates: card address, settings, deliveries.
///
/// `known`: the card's address hash and, when it is the same address, the first delivery
/// address's, made by the caller from the texts it set (`None`: read from the records).
fn created_parts(records: &[Record], known: Option<(u64, Option<u64>)>) -> (u64, Shared, Vec<(Cow<'_, str>, u64)>) {
    let (mut card, mut card_fields) = (0, None);
    let mut shared: Shared = Default::default();
    let mut deliveries = Vec::new();
    for r in records {
        match r.layout.kind() {
            Some(RecordKind::Ccli) => {
                let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
                shared = (
                    opt(&r.get(Ccli::NCatCompta)),
                    opt(&r.get(Ccli::CgNumPrinc)),
                    (r.get(Ccli::CoNom).into_owned(), r.get(Ccli::CoPrenom).into_owned()),
                );
                match known {
                    Some((h, _)) => card = h,
                    None => {
                        let address = card_address(r);
                        card = address_hash(&address);
                        card_fields = Some(address);
                    }
                }
            }
            Some(RecordKind::Ccdl) => {
                // Most new clients are delivered where they are billed: the same key, made once.
                let h = match known.and_then(|k| k.1).filter(|_| deliveries.is_empty()) {
                    Some(h) => h,
                    None => {
                        let address = delivery_address(r);
                        match &card_fields {
                            Some(c) if *c == address => card,
                            _ => address_hash(&address),
                        }
                    }
                };
                deliveries.push((r.get(Ccdl::Intitule), h));
            }
            _ => {}
        }
    }
    (card, shared, deliveries)
}

/// The address fields of a #CCLI (the card), in the order of `address_key`.
pub(super) fn card_address(r: &Record) -> [Cow<'_, str>; 5] {
    [Ccli::Adresse, Ccli::Complement, Ccli::CodePostal, Ccli::Ville, Ccli::Pays].map(|f| r.get(f))
}

/// The address fields of a #CCDL, in the order of `address_key`.
pub(super) fn delivery_address(r: &Record) -> [Cow<'_, str>; 5] {
    [Ccdl::Adresse, Ccdl::Complement, Ccdl::CodePostal, Ccdl::Ville, Ccdl::Pays].map(|f| r.get(f))
}

/// `address_key` of a record's address fields (`card_address`, `delivery_address`).
pub(super) fn record_address_key(parts: &[Cow<'_, str>; 5]) -> String {
    ix::address_key(&parts.each_ref().map(|p| p.as_ref()))
}

fn address_hash(parts: &[Cow<'_, str>; 5]) -> u64 {
    texts_address_hash(parts.each_ref().map(|p| p.as_ref()))
}

/// `address_hash` of texts at hand.
fn texts_address_hash(parts: [&str; 5]) -> u64 {
    ix::key_hash(&ix::address_key(&parts))
}

/// `platform:id:<shop id>` (pieces pushed, not formatted: made for every order).
fn id_key(platform: Platform, c: &Customer) -> Option<String> {
    let id = c.shop_id.quick_trim();
    (!id.is_empty()).then(|| [platform.as_str(), ":id:", id].concat())
}

/// A shop's customers export carries ids, its orders export often only e-mails (Shopify): a
/// code is kept under both keys so the same person never gets a second code.
fn email_key(platform: Platform, c: &Customer) -> Option<String> {
    email_key_of(platform, &ix::norm_email(&c.email))
}

/// `email_key` of an e-mail already normalised (`gescom::keys::norm_email`).
fn email_key_of(platform: Platform, email: &str) -> Option<String> {
    (!email.is_empty()).then(|| [platform.as_str(), ":email:", email].concat())
}

impl<'a> Resolver<'a> {
    pub fn new(
        profile: &'a Profile,
        index: &'a ClientIndex,
        layout: &'static Layout,
        today: Date,
    ) -> Result<Resolver<'a>, SetupError> {
        let cs = &profile.customers;
        let src = index.source.path.clone();
        if cs.mode == Mode::Single && index.by_code(&cs.single_account).is_none() {
            return Err(SetupError::SingleAccountMissing(cs.single_account.clone(), src));
        }
        let template = if cs.template.quick_trim().is_empty() {
            None
        } else {
            Some(
                index
                    .by_code(&cs.template)
                    .ok_or_else(|| SetupError::TemplateMissing(cs.template.clone(), src.clone()))?,
            )
        };
        let mut fields = Vec::new();
        let ccli = layout.of(RecordKind::Ccli);
        for (name, text) in &cs.fields {
            // The profile check has refused an unknown name with its line; a profile built
            // otherwise still cannot drop one silently.
            let index = ccli.index_of(name).ok_or_else(|| {
                SetupError::Field(name.clone(), format!("#CCLI has no field {name} in #VER {}", layout.version))
            })?;
            let expr = Expr::parse(text).map_err(|e| SetupError::Field(name.clone(), e.to_string()))?;
            fields.push(ProfileField { index, name: name.clone(), expr });
        }
        let address =
            [Ccli::Adresse, Ccli::Complement, Ccli::CodePostal, Ccli::Ville, Ccli::Pays].map(|f| ccli.index(f));
        let fields_set_address = fields.iter().any(|f| address.contains(&f.index));
        Ok(Resolver {
            profile,
            index,
            layout,
            today,
            today_text: today.to_string(),
            template,
            fields,
            fields_set_address,
            template_gaps_reported: false,
            codes: Vec::new(),
            updated: Default::default(),
            created: CreatedClients::default(),
            journal: Vec::new(),
        })
    }

    /// Where the clients created go past the newest (see `created`): set before the first.
    pub fn spill_to(&mut self, to: crate::spill::SpillTo) {
        debug_assert!(self.created.is_empty());
        self.created = CreatedClients::new_in(to);
    }

    /// A read or write of the created clients' temporary files that failed: the input fails.
    pub fn created_error(&self) -> Option<std::io::Error> {
        self.created.error()
    }

    /// Marks the start of an input: if it fails, `rollback_input` forgets the customers it
    /// created, so a later input does not refer to a client that was never written.
    pub fn begin_input(&mut self) {
        self.journal.clear();
        self.created.begin();
    }

    pub fn rollback_input(&mut self) {
        self.created.rollback();
        while let Some((code, before)) = self.journal.pop() {
            self.updated.restore(code, before);
        }
    }

    /// Remembers a client created in this run.
    fn remember_created(&mut self, code: &str, records: &[Record], known: Option<(u64, Option<u64>)>) {
        let (card, shared, deliveries) = created_parts(records, known);
        let deliveries: Vec<(&str, u64)> = deliveries.iter().map(|(i, h)| (i.as_ref(), *h)).collect();
        self.created.insert(code, card, shared, &deliveries);
    }

    /// A delivery address added to a client created in this run.
    pub(super) fn created_delivery(&mut self, code: &str, intitule: &str, hash: u64) {
        if let Some(id) = self.created.id(code) {
            self.created.add_delivery(id, intitule, hash);
        }
    }

    /// An existing client's block as rewritten in this run.
    pub(super) fn remember_updated(&mut self, code: String, block: &[crate::gescom::export::BlockRecord]) {
        let before = self.updated.insert(code.clone(), block);
        self.journal.push((code, before));
    }

    /// Catégorie comptable, compte collectif and representative of a client, for its
    /// documents: from its records written in this run, else the client list's card of
    /// `code`, which `listed` gives (looked up by the caller, or then). `None` fields are
    /// unknown.
    pub(super) fn client_info<'i>(
        &'i self,
        code: &str,
        listed: impl FnOnce() -> Option<ClientRef<'i>>,
    ) -> (Option<String>, Option<String>, (String, String)) {
        if let Some(id) = self.created.id(code) {
            return self.created.shared(id).clone();
        }
        if let Some(crate::gescom::export::BlockRecord::Known(r)) =
            self.updated.get(code, self.layout).as_ref().and_then(|b| b.first())
        {
            let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
            return (
                opt(&r.get(Ccli::NCatCompta)),
                opt(&r.get(Ccli::CgNumPrinc)),
                (r.get(Ccli::CoNom).into_owned(), r.get(Ccli::CoPrenom).into_owned()),
            );
        }
        match listed() {
            Some(c) => {
                (c.cat_compta().map(str::to_string), c.collective().map(str::to_string), (String::new(), String::new()))
            }
            None => (None, None, (String::new(), String::new())),
        }
    }

    /// Was `code` created by this run?
    pub fn is_created(&self, code: &str) -> bool {
        self.created.contains(code)
    }

    /// The id of a client created in this run (dense, from 0, in creation order).
    pub fn created_id(&self, code: &str) -> Option<u32> {
        self.created.id(code)
    }

    /// The id client `code` is known by in this run, if it has one: created in the run, or
    /// in the list under exactly that code.
    pub fn client_id(&self, code: &str) -> Option<super::reported::ClientId> {
        use super::reported::ClientId;
        if let Some(id) = self.created.id(code) {
            return Some(ClientId::Created(id));
        }
        self.index.by_code(code).filter(|c| c.code() == code).map(|c| ClientId::List(c.id()))
    }

    /// Resolves one customer. `state` gives and receives the counter and issued codes.
    pub fn resolve(&mut self, c: &Customer, platform: Platform, state: &mut State, d: &mut Diag) -> Outcome {
        self.resolve_searched(c, None, platform, state, d)
    }

    /// `resolve`, with the search in the list done on the reading thread (`search_ahead`,
    /// for this customer): its warnings are given where the search would have been.
    pub fn resolve_searched(
        &mut self,
        c: &Customer,
        mut searched: Option<SearchAhead>,
        platform: Platform,
        state: &mut State,
        d: &mut Diag,
    ) -> Outcome {
        let cs = &self.profile.customers;
        if cs.mode == Mode::Single {
            return Outcome::Single { code: ix::norm_code(&cs.single_account) };
        }
        // Both keys made once (on the reading thread when searched there): every order asks
        // for them several times. The key that identifies a shop customer across runs is the
        // shop id's, else the e-mail's.
        let (id, email) = match searched.as_mut() {
            Some(s) => (s.id_key.take(), s.email_key.take()),
            None => (id_key(platform, c), email_key(platform, c)),
        };
        let key = id.as_deref().or(email.as_deref());
        let outcome = self.resolve_new_or_existing(c, searched, key, email.as_deref(), platform, state, d);
        // Keep the code under the customer's other key too (see `email_key`), unless that key
        // already names another code (two shop accounts sharing an e-mail stay apart).
        if let Outcome::New { code, .. } | Outcome::Existing { code, .. } = &outcome {
            // Each key looked up once, nothing copied (most orders find both keys kept): the
            // key the code was kept under first, and the keys without.
            let (mut kept, mut without) = (None, [None; 2]);
            for (k, free) in [id.as_deref(), email.as_deref()].into_iter().zip(&mut without) {
                let Some(k) = k else { continue };
                match state.issued_with(k, |i| i.map(|i| i.code == code.as_str())) {
                    Some(true) => kept = kept.or(Some(k)),
                    Some(false) => {}
                    None => *free = Some(k),
                }
            }
            // The date the code was kept with, copied only when it is kept under another key.
            if let Some(date) = kept.filter(|_| without.iter().any(Option::is_some)).and_then(|k| state.issued_to(k)) {
                for k in without.into_iter().flatten() {
                    state.record(k, code, &date.date);
                }
            }
        }
        outcome
    }

    /// The client a shop customer's earlier documents went to, without creating anything
    /// or issuing a code: the single account, the one client a search key finds, else the
    /// code an earlier run issued to this customer. For a credit note whose invoice's client
    /// the ledger does not record (ledgers written before credit notes).
    pub fn find_code(&self, c: &Customer, platform: Platform, state: &State, d: &mut Diag) -> Option<String> {
        let cs = &self.profile.customers;
        if cs.mode == Mode::Single {
            return Some(ix::norm_code(&cs.single_account));
        }
        if let Search::Found(code, ..) = self.search(c, d) {
            return Some(code);
        }
        [id_key(platform, c), email_key(platform, c)]
            .into_iter()
            .flatten()
            .find_map(|k| state.issued_to(&k).map(|i| i.code.to_string()))
    }

    /// `key`: the customer's key (shop id, else e-mail); `email`: its e-mail key (`email_key`).
    #[allow(clippy::too_many_arguments)]
    fn resolve_new_or_existing(
        &mut self,
        c: &Customer,
        searched: Option<SearchAhead>,
        key: Option<&str>,
        email: Option<&str>,
        platform: Platform,
        state: &mut State,
        d: &mut Diag,
    ) -> Outcome {
        let (found, card) = match searched {
            Some(SearchAhead { found, notes, card, .. }) => {
                d.w.replay(notes);
                (found, card)
            }
            None => (self.search(c, d), None),
        };
        match found {
            Search::Found(code, by, detail, id) => {
                return Outcome::Existing { code, by, detail, listed: Listed::At(id) };
            }
            Search::Ambiguous(message) => {
                return Outcome::Failed { field: String::new(), message };
            }
            Search::None => {}
        }
        // A code issued to this shop customer: by this run (the client is being created in
        // this file), or by an earlier one.
        // A customer with a shop id is also found by the e-mail a code was kept under (an
        // orders export without ids converted first), when e-mails may identify customers.
        let by_email =
            (c.shop_id.quick_trim().is_empty() || self.profile.customers.search_by_email).then_some(email).flatten();
        let found = key.and_then(|k| state.issued_to(k)).or_else(|| by_email.and_then(|k| state.issued_to(k)));
        if let Some(issued) = found {
            if self.created.contains(&issued.code) {
                return Outcome::Existing {
                    code: issued.code,
                    by: MatchKey::Code,
                    detail: "created earlier in this run".into(),
                    listed: Listed::No,
                };
            }
            if let Some(listed) = self.index.by_code(&issued.code) {
                return Outcome::Existing {
                    code: issued.code.clone(),
                    by: MatchKey::Code,
                    detail: format!("code issued by passerelle on {}", issued.date),
                    listed: Listed::At(listed.id()),
                };
            }
            d.push(WarningKind::Reissued, Ccli::Num.name(),
                format!(
                    "code {} was issued to this customer on {} but is not in the client list: the client is written again (refresh the client list export after each import)",
                    issued.code, issued.date
                ),
            );
            let mut outcome = self.new_client(
                c,
                issued.code.clone(),
                format!(
                    "code {} issued before, on {}, by an earlier run; not in the client list yet, so the client is written again",
                    issued.code, issued.date
                ),
                card,
                d,
            );
            if let Outcome::New { issued, .. } = &mut outcome {
                *issued = Issued::Earlier;
            }
            return outcome;
        }
        let generated = match self.generate_code(c, key, platform, state, d) {
            Ok(g) => g,
            Err(o) => return o,
        };
        let outcome = self.new_client(c, generated.code.clone(), generated.explain, card, d);
        // A customer whose record cannot be written keeps no code.
        if let (Some(k), Outcome::New { .. }) = (key, &outcome) {
            state.record(k, &generated.code, &self.today_text);
        }
        outcome
    }

    /// The codification of `platform`'s customers (see `codes`).
    fn code_section(&mut self, platform: Platform) -> std::sync::Arc<crate::profile::CodeSection> {
        if let Some((_, c)) = self.codes.iter().find(|(p, _)| *p == platform) {
            return std::sync::Arc::clone(c);
        }
        let c = std::sync::Arc::new(self.profile.customers.code.for_platform(platform.as_str()));
        self.codes.push((platform, std::sync::Arc::clone(&c)));
        c
    }

    /// A free code: from the shop id (collision = error), the counter (collision = next
    /// number), or `auto`: the shop id when it gives a free code, else the counter.
    fn generate_code(
        &mut self,
        c: &Customer,
        key: Option<&str>,
        platform: Platform,
        state: &mut State,
        d: &mut Diag,
    ) -> Result<code::Generated, Outcome> {
        let section = self.code_section(platform);
        let cfg = &*section;
        match cfg.source {
            CodeSource::ShopId => self.code_from_shop_id(cfg, c, key, state, false).map_err(ShopIdMiss::into_outcome),
            CodeSource::Counter => self.code_from_counter(cfg, c, state, d),
            CodeSource::Auto => match self.code_from_shop_id(cfg, c, key, state, true) {
                Ok(g) => Ok(g),
                Err(ShopIdMiss::Final(o)) => Err(o),
                Err(ShopIdMiss::Unusable { message, per_customer }) => {
                    // The same message for every customer of the input is one counted entry.
                    let field = if per_customer { Ccli::Num.name() } else { "customers.code.source" };
                    d.push(
                        WarningKind::CodeSource,
                        field,
                        format!("{message}: the number comes from the counter ([customers.code] source = \"auto\")"),
                    );
                    self.code_from_counter(cfg, c, state, d)
                }
            },
        }
    }

    /// The code made from the shop id. `auto`: a code passerelle gave another shop customer
    /// (a counter number) or another customer of this run is not an error but a reason to
    /// use the counter; a code of the client list held by someone else stays an error (it is
    /// most likely this very customer under an earlier e-mail: never guessed).
    fn code_from_shop_id(
        &self,
        cfg: &crate::profile::CodeSection,
        c: &Customer,
        key: Option<&str>,
        state: &State,
        auto: bool,
    ) -> Result<code::Generated, ShopIdMiss> {
        let unusable = |e: CodeError| {
            let message = match &e {
                CodeError::NoShopId => "the export gives no customer id".to_string(),
                CodeError::NotANumber(_) => "the shop's customer ids are not numbers".to_string(),
                CodeError::TooLong { needed, length, fixed, .. } => {
                    format!("customer ids of {needed} digits do not fit in a code of {length} characters after {fixed}")
                }
            };
            if auto {
                ShopIdMiss::Unusable { message, per_customer: false }
            } else {
                ShopIdMiss::Final(Outcome::Failed { field: Ccli::Num.name().into(), message: e.to_string() })
            }
        };
        let n = code::shop_number(&c.shop_id).map_err(unusable)?;
        let g = code::generate(cfg, c, n, &format!("shop id {}", c.shop_id.quick_trim())).map_err(unusable)?;
        let owner = self.index.by_code(&g.code);
        if let Some(owner) = &owner
            && same_person(owner, c)
        {
            return Err(ShopIdMiss::Final(Outcome::Existing {
                code: g.code.clone(),
                by: MatchKey::Code,
                detail: format!("generated code {} exists with the same e-mail", g.code),
                listed: Listed::At(owner.id()),
            }));
        }
        let issued_to_other = state.owner_of(&g.code).filter(|o| Some(o.as_str()) != key);
        if auto {
            if let Some(other) = issued_to_other {
                return Err(ShopIdMiss::Unusable {
                    message: format!(
                        "code {} (shop id {}) was issued to shop customer {other}",
                        g.code,
                        c.shop_id.quick_trim()
                    ),
                    per_customer: true,
                });
            }
            if self.created.contains(&g.code) {
                return Err(ShopIdMiss::Unusable {
                    message: format!(
                        "code {} (shop id {}) was given to another customer of this run",
                        g.code,
                        c.shop_id.quick_trim()
                    ),
                    per_customer: true,
                });
            }
        }
        if let Some(owner) = owner {
            let advice = if auto { "" } else { " or use source = \"counter\"" };
            return Err(ShopIdMiss::Final(Outcome::Failed {
                field: Ccli::Num.name().into(),
                message: format!(
                    "generated code {} already belongs to client '{}' (line {} of the client list), whose e-mail differs: not written, so that client is not overwritten. If it is this customer, correct the e-mail in Sage or the shop; otherwise change customers.code.prefix{advice}",
                    g.code,
                    owner.intitule(),
                    owner.line()
                ),
            }));
        }
        if let Some(other) = issued_to_other {
            return Err(ShopIdMiss::Final(Outcome::Failed {
                field: Ccli::Num.name().into(),
                message: format!(
                    "generated code {} was issued to shop customer {other} by an earlier run: not written",
                    g.code
                ),
            }));
        }
        if self.created.contains(&g.code) {
            return Err(ShopIdMiss::Final(Outcome::Failed {
                field: Ccli::Num.name().into(),
                message: format!("code {} was already given to another customer of this run", g.code),
            }));
        }
        Ok(g)
    }

    /// The next counter number whose code is free.
    fn code_from_counter(
        &mut self,
        cfg: &crate::profile::CodeSection,
        c: &Customer,
        state: &mut State,
        d: &mut Diag,
    ) -> Result<code::Generated, Outcome> {
        let fail = |e: CodeError| Outcome::Failed { field: Ccli::Num.name().into(), message: e.to_string() };
        let mut n = state.counter.max(cfg.counter_start.saturating_sub(1));
        loop {
            n += 1;
            let g = code::generate(cfg, c, n, "counter").map_err(fail)?;
            let taken = self.index.by_code(&g.code).map(|o| format!("client '{}' of the list", o.intitule()));
            let taken = taken.or_else(|| state.owner_of(&g.code).map(|o| format!("shop customer {o}")));
            let taken = taken.or_else(|| self.created.contains(&g.code).then(|| "a customer of this run".to_string()));
            match taken {
                Some(who) => d.push(
                    WarningKind::CounterSkipped,
                    Ccli::Num.name(),
                    format!("counter {n}: code {} already belongs to {who}; next number taken", g.code),
                ),
                None => {
                    state.counter = n;
                    return Ok(g);
                }
            }
        }
    }

    fn search(&self, c: &Customer, d: &mut Diag) -> Search {
        search(self.profile, self.index, c, d)
    }

    /// The #CCLI (and #CCDL) of a new client. `ahead`: its texts made on the reading thread
    /// (`search_ahead`), with the warnings making them gave, given here where they were made.
    fn new_client(
        &mut self,
        c: &Customer,
        code: String,
        detail: String,
        ahead: Option<CardAhead>,
        d: &mut Diag,
    ) -> Outcome {
        let ccli = self.layout.of(RecordKind::Ccli);
        let cs = &self.profile.customers;
        let mut r = Record::new(ccli);
        self.copy_template(&mut r, d.w);
        let t = match ahead {
            Some(CardAhead { texts, notes }) => {
                d.w.replay(notes);
                texts
            }
            None => card_texts(self.profile, c, &code, d).0,
        };
        r.set(Ccli::Num, code.clone());
        r.set(Ccli::Intitule, t.intitule);
        r.set(Ccli::Classement, t.classement);
        r.set(Ccli::Contact, t.contact);
        let billing = t.billing;
        // What `remember_created` would read back from the card, from the texts at hand.
        let card_hash = (!self.fields_set_address).then_some(t.card_hash);
        r.set(Ccli::Adresse, billing.address1.clone());
        r.set(Ccli::Complement, billing.address2.clone());
        r.set(Ccli::CodePostal, billing.zip.clone());
        r.set(Ccli::Ville, billing.city.clone());
        r.set(Ccli::CodeRegion, billing.region.clone());
        r.set(Ccli::Pays, billing.country.clone());
        r.set(Ccli::NumPayeur, code.clone());
        r.set(Ccli::Siret, t.siret);
        r.set(Ccli::Ape, c.ape.clone());
        r.set(Ccli::Identifiant, t.vat);
        r.set(Ccli::DateCreate, self.today);
        r.set(Ccli::Telephone, t.phone);
        r.set(Ccli::Telecopie, t.fax);
        r.set(Ccli::EMail, t.email);
        // Assujettissement (codes uncertain, see docs/format-sage.md open points): 0 for a business with a
        // SIRET or VAT number, 1 (particulier) otherwise.
        r.set(Ccli::Assujettissement, !t.business);
        if !cs.representative.quick_trim().is_empty() {
            let (nom, prenom) = crate::gescom::clients::split_representative(&cs.representative);
            r.set(Ccli::CoNom, nom);
            r.set(Ccli::CoPrenom, prenom);
        }
        if r.get(Ccli::CgNumPrinc).is_empty() {
            r.set(Ccli::CgNumPrinc, upper(&cs.collective_account));
        }
        r.tail = vec![r.get(Ccli::CgNumPrinc).into_owned()];
        let ctx = Ctx { customer: c, code: &code, today: self.today, order: None };
        for f in &self.fields {
            r.set_index(f.index, f.expr.eval(&ctx));
        }
        let mut records = Vec::with_capacity(2);
        records.push(r);
        let mut delivery_hash = None;
        if let Some(mut dt) = t.delivery {
            // Most often the delivery address is the billing one: its texts are made once.
            let place = match dt.place.take() {
                Some(p) => p,
                None => {
                    delivery_hash = card_hash;
                    billing
                }
            };
            records.push(self.delivery_record_from(c, dt, place, true));
        }
        // A record Sage would refuse is never written: the customer fails instead.
        if let Some(message) = records.iter().find_map(Record::missing_required) {
            return Outcome::Failed { field: String::new(), message };
        }
        self.remember_created(&code, &records, card_hash.map(|h| (h, delivery_hash)));
        Outcome::New { code, detail, records, issued: Issued::ThisRun }
    }

    /// A #CCDL for `addr`; its intitulé ("Marie Dupont - Lyon") is what documents refer to.
    pub fn delivery_record(&self, c: &Customer, code: &str, addr: &Address, principal: bool, d: &mut Diag) -> Record {
        let (dt, _) = delivery_texts(self.profile, c, code, addr);
        let place = self.place(addr, Ccdl::Adresse.name(), d);
        self.delivery_record_from(c, dt, place, principal)
    }

    /// A #CCDL from its texts (`delivery_texts`) and its place.
    fn delivery_record_from(&self, c: &Customer, dt: DeliveryTexts, place: Place, principal: bool) -> Record {
        let mut ccdl = Record::new(self.layout.of(RecordKind::Ccdl));
        ccdl.set(Ccdl::Intitule, dt.intitule);
        ccdl.set(Ccdl::Adresse, place.address1);
        ccdl.set(Ccdl::Complement, place.address2);
        ccdl.set(Ccdl::CodePostal, place.zip);
        ccdl.set(Ccdl::Ville, place.city);
        ccdl.set(Ccdl::CodeRegion, place.region);
        ccdl.set(Ccdl::Pays, place.country);
        ccdl.set(Ccdl::Contact, dt.contact);
        ccdl.set(Ccdl::Principal, principal);
        ccdl.set(Ccdl::Telephone, dt.telephone);
        ccdl.set(Ccdl::EMail, c.email.quick_trim().to_string());
        ccdl
    }

    /// "Marie Dupont - Lyon", at most 35 characters once written (#CHEN 13 refers to it).
    /// Never empty: without any name it is the client's code.
    pub fn delivery_intitule(&self, c: &Customer, code: &str, addr: &Address) -> String {
        delivery_intitule(self.profile, c, code, addr).0
    }

    /// The texts of an address as a client's card (new or updated) and a delivery address
    /// write them.
    pub(super) fn place(&self, a: &Address, field: &str, d: &mut Diag) -> Place {
        place(self.profile, a, field, d)
    }

    fn copy_template(&mut self, r: &mut Record, w: &mut Warnings) {
        let Some(t) = self.template else { return };
        let mut gaps = Vec::new();
        for f in r.layout.fields.iter().filter(|f| f.template) {
            let carried = self.index.carried.contains(&(f.pos as u16));
            match t.field(f.pos) {
                Some(v) if carried => {
                    if !v.is_empty() || f.default.is_none() {
                        r.set_index(f.pos - 1, v.to_string());
                    }
                }
                _ => gaps.push(f),
            }
        }
        if !gaps.is_empty() && !self.template_gaps_reported {
            self.template_gaps_reported = true;
            let subject = format!("template {}", t.code());
            for f in gaps {
                let fallback = match f.default.as_deref() {
                    Some(d) if !d.is_empty() => format!("the default {d} is written"),
                    _ => "left empty".to_string(),
                };
                w.push(WarningKind::TemplateFieldMissing, &subject, &f.describe(RecordKind::Ccli.tag()),
                    format!("the client list does not carry {} ({}): {fallback}. A Format Sage export of the client list carries every field", f.label, f.name),
                );
            }
        }
    }
}

/// Why the shop id gave no code.
enum ShopIdMiss {
    /// The answer for this customer: a match, or a failure.
    Final(Outcome),
    /// `auto`: the counter is used instead. `per_customer`: the reason is this customer's
    /// (a code already given), not the export's (no id, ids too long).
    Unusable { message: String, per_customer: bool },
}

impl ShopIdMiss {
    fn into_outcome(self) -> Outcome {
        match self {
            ShopIdMiss::Final(o) => o,
            ShopIdMiss::Unusable { message, .. } => Outcome::Failed { field: Ccli::Num.name().into(), message },
        }
    }
}

pub enum Search {
    /// The client's code, how and why it was found, its place in the list.
    Found(String, MatchKey, String, u32),
    Ambiguous(String),
    None,
}

/// The one client a search key (SIRET, e-mail, VAT number, as the profile enables them)
/// finds in the list; several clients for one key is ambiguous, never guessed.
fn search(profile: &Profile, index: &ClientIndex, c: &Customer, d: &mut Diag) -> Search {
    let email = if profile.customers.search_by_email { ix::norm_email(&c.email) } else { String::new() };
    search_with(profile, index, c, &email, d)
}

/// `search`, the customer's e-mail normalised already (`gescom::keys::norm_email`): the
/// reading thread makes the state's key of it too (`search_ahead`).
fn search_with(profile: &Profile, index: &ClientIndex, c: &Customer, email: &str, d: &mut Diag) -> Search {
    let cs = &profile.customers;
    let mut ambiguous = Vec::new();
    let keys = [
        (cs.search_by_siret, MatchKey::Siret, &c.siret),
        (cs.search_by_email, MatchKey::Email, &c.email),
        (cs.search_by_vat, MatchKey::Vat, &c.vat_number),
    ];
    for (enabled, kind, raw) in keys {
        // Normalised only when searched, and not at all when empty (most shop customers
        // have no SIRET nor VAT number).
        if !enabled || raw.quick_trim().is_empty() {
            continue;
        }
        let value = match kind {
            MatchKey::Siret => Cow::Owned(ix::norm_siret(raw)),
            MatchKey::Email => Cow::Borrowed(email),
            _ => Cow::Owned(ix::norm_vat(raw)),
        };
        if value.is_empty() {
            continue;
        }
        let problem = match kind {
            MatchKey::Siret => crate::gescom::keys::siret_problem(&c.siret),
            MatchKey::Vat => crate::gescom::keys::vat_problem(&c.vat_number),
            // The reader has reported an e-mail without '@' already.
            _ if !value.contains('@') => continue,
            _ => None,
        };
        if let Some(why) = problem {
            d.push(WarningKind::InvalidValue, kind.as_str(), format!("{why}: not used to search"));
            continue;
        }
        let hits = match kind {
            MatchKey::Siret => index.by_siret(&value),
            MatchKey::Email => index.by_norm_email(&value),
            _ => index.by_vat(&value),
        };
        match hits.len() {
            0 => {}
            1 => {
                let hit = hits[0];
                return Search::Found(hit.code().to_string(), kind, format!("{} {value}", kind.as_str()), hit.id());
            }
            _ => {
                let codes: Vec<&str> = hits.iter().map(|h| h.code()).collect();
                let msg = format!(
                    "{} {value} is held by {} clients ({}): no guess",
                    kind.as_str(),
                    hits.len(),
                    codes.join(", ")
                );
                d.push(WarningKind::AmbiguousMatch, kind.as_str(), msg.clone());
                ambiguous.push(msg);
            }
        }
    }
    if ambiguous.is_empty() {
        Search::None
    } else {
        Search::Ambiguous(format!(
            "{}; no other key found a single client, and creating one would add a duplicate. Remove the duplicates in Sage or disable that search",
            ambiguous.join("; ")
        ))
    }
}

/// A customer searched in the client list on the reading thread (`search_ahead`): the
/// answer and the warnings the search gave, to be given when the order is converted; and,
/// for a customer the list does not have, met for the first time, its card's texts.
pub struct SearchAhead {
    found: Search,
    notes: Vec<crate::report::Deferred>,
    card: Option<CardAhead>,
    /// The customer's keys in the state (`id_key`, `email_key`), made there too.
    id_key: Option<String>,
    email_key: Option<String>,
    /// The keys of its addresses, for the updates and notices of a client known already
    /// (`resolve::update::Addresses`); none for a customer met for the first time.
    address_keys: Option<AddressKeys>,
}

impl SearchAhead {
    /// The address keys made ahead, for `Resolver::order_client` (taken before the search
    /// goes to `resolve_searched`).
    pub fn take_address_keys(&mut self) -> Option<AddressKeys> {
        self.address_keys.take()
    }
}

/// A new client's texts made on the reading thread, and the warnings making them gave (given
/// by `new_client`, where it would have made them).
pub(super) struct CardAhead {
    texts: CardTexts,
    notes: Vec<crate::report::Deferred>,
}

/// The customers the reading thread has met in an input, as a filter of their keys (1 MiB,
/// whatever their number; a customer not met is seldom taken for one met, never the other
/// way round): a new client's texts are made ahead for a customer's first order only, the
/// later ones finding the client created by the first.
pub(crate) struct Met {
    /// Atomic only because the reading thread's closure must be shareable: it alone
    /// touches them.
    bits: Vec<std::sync::atomic::AtomicU64>,
}

impl Met {
    const BITS: u64 = 1 << 23;

    pub(crate) fn new() -> Met {
        Met { bits: (0..Self::BITS / 64).map(|_| std::sync::atomic::AtomicU64::new(0)).collect() }
    }

    /// Notes the customer's keys as met; whether none of them was met before. The keys are
    /// the shop id and the e-mail as `id_key` and `email_key` take them, hashed byte by byte
    /// (an e-mail two ways of writing the same only costs texts made for nothing).
    fn first(&self, c: &Customer) -> bool {
        use std::hash::Hasher;
        use std::sync::atomic::Ordering::Relaxed;
        let mut first = true;
        for (kind, text) in [(0u8, c.shop_id.quick_trim()), (1, c.email.quick_trim())] {
            if text.is_empty() {
                continue;
            }
            let mut h = rustc_hash::FxHasher::default();
            h.write_u8(kind);
            for b in text.bytes() {
                h.write_u8(b.to_ascii_lowercase());
            }
            let h = crate::spill::mix(h.finish());
            let mut all = true;
            for bit in [h % Self::BITS, (h >> 32) % Self::BITS] {
                let mask = 1u64 << (bit % 64);
                all &= self.bits[(bit / 64) as usize].fetch_or(mask, Relaxed) & mask != 0;
            }
            first &= !all;
        }
        first
    }
}

/// A customer's address keys made on the reading thread (`AddressKeys::of`, with the search
/// of an order's customer): the same keys `update::Addresses` would make on the converting
/// thread.
#[derive(Debug)]
pub struct AddressKeys {
    pub(super) billing: String,
    /// `None` when the order's delivery address is the billing one (none, or an empty one).
    pub(super) delivery: Option<String>,
}

impl AddressKeys {
    /// The keys of `c`'s billing address and order delivery address (`c.delivery`), with the
    /// profile's text options, as `Addresses::of(c, c.delivery.as_ref())` makes them.
    pub fn of(profile: &Profile, c: &Customer) -> AddressKeys {
        let delivery = c.delivery.as_ref().filter(|d| !d.is_empty());
        AddressKeys {
            billing: address_key_of(profile, &c.billing),
            delivery: delivery.map(|d| address_key_of(profile, d)),
        }
    }
}

/// `Resolver::key_of` with the profile alone (the reading thread makes keys ahead with it).
pub(super) fn address_key_of(profile: &Profile, a: &Address) -> String {
    let country = country_name(&a.country);
    let parts = [&a.address1, &a.address2, &a.zip, &a.city, &country];
    let mut key = String::with_capacity(64);
    for (n, p) in parts.into_iter().enumerate() {
        if p.is_ascii() {
            ix::push_key_part(&mut key, n, p);
        } else {
            ix::push_key_part(&mut key, n, &address_text(profile, p, true));
        }
    }
    key
}

/// `Resolver::search` for an order's customer, on a thread of its own (the list is read
/// only); `subject` names the order in warnings (`model::order_subject`, made once by the
/// caller): `None` when the profile resolves no customer (a single account). With `met`, a
/// customer the list does not have is noted as met and, the first time and when `spare`
/// (the reading thread is ahead of the converting one), gets its card's texts made too.
pub(crate) fn search_ahead(
    profile: &Profile,
    index: &ClientIndex,
    o: &crate::model::Order,
    subject: &str,
    platform: Platform,
    met: Option<&Met>,
    spare: bool,
) -> Option<SearchAhead> {
    if profile.customers.mode == Mode::Single {
        return None;
    }
    let mut w = crate::report::Warnings::deferred("");
    let email = ix::norm_email(&o.customer.email);
    let found = search_with(profile, index, &o.customer, &email, &mut Diag::new(subject, &mut w));
    let notes = w.take_deferred();
    let first = matches!(found, Search::None) && met.is_some_and(|m| m.first(&o.customer));
    let card = if first && spare {
        // The code is not known yet: texts that would be made of it are left to `new_client`.
        let (texts, of_code) = card_texts(profile, &o.customer, "", &mut Diag::new(subject, &mut w));
        (!of_code).then(|| CardAhead { texts, notes: w.take_deferred() })
    } else {
        None
    };
    let (id_key, email_key) = (id_key(platform, &o.customer), email_key_of(platform, &email));
    // A client met before (in the list, or created by an earlier order) is checked against
    // its addresses (updates, a new delivery address): their keys are made here. A first
    // order creates its client and asks for none; if it does not, they are made there.
    let address_keys = (!first).then(|| AddressKeys::of(profile, &o.customer));
    Some(SearchAhead { found, notes, card, id_key, email_key, address_keys })
}

/// The list's client with this code is the same person when their e-mails agree.
fn same_person(client: &ClientRef, c: &Customer) -> bool {
    let a = ix::norm_email(client.email());
    !a.is_empty() && a == ix::norm_email(&c.email)
}

fn phone(c: &Customer, src: PhoneSource) -> String {
    let v = match src {
        PhoneSource::Phone => {
            if c.phone.is_empty() {
                &c.billing.phone
            } else {
                &c.phone
            }
        }
        PhoneSource::Mobile => &c.mobile,
        PhoneSource::BillingPhone => &c.billing.phone,
        PhoneSource::ShippingPhone => c.delivery.as_ref().map(|d| &d.phone).unwrap_or(&c.billing.phone),
        PhoneSource::None => return String::new(),
    };
    v.quick_trim().to_string()
}

/// Abrégé: the intitulé in capitals, cut to 17 characters as Sage does itself (not reported:
/// the abrégé is by definition the start of the name).
fn abrege(intitule: &str) -> String {
    cut_encoded(&upper(intitule), 17)
}

/// Width of an address line (`CT_Adresse`, `LI_Adresse`...).
const ADDRESS_MAX: usize = 35;

/// An address's texts as written: lines 1 and 2 (`moved`: the end of a long line 1 went to
/// line 2), postcode, city, region, country.
pub(super) struct Place {
    pub(super) address1: String,
    pub(super) address2: String,
    pub(super) zip: String,
    pub(super) city: String,
    pub(super) region: String,
    pub(super) country: String,
    pub(super) moved: bool,
}

/// `s` trimmed, accents removed if the profile says so, uppercased if `uppercase`: one
/// String made, not three (most texts are plain ASCII, which removing accents leaves as it
/// is).
fn folded(profile: &Profile, s: &str, uppercase: bool) -> String {
    let t = crate::text::trim(s);
    let t = if profile.customers.remove_accents && !t.is_ascii() { remove_accents(t).into() } else { Cow::Borrowed(t) };
    if uppercase { upper(&t) } else { t.into_owned() }
}

fn name_text(profile: &Profile, s: &str) -> String {
    folded(profile, s, profile.customers.uppercase_name)
}

/// Address text with the options; `upper_ok` = the uppercase option applies.
pub(super) fn address_text(profile: &Profile, s: &str, upper_ok: bool) -> String {
    folded(profile, s, profile.customers.uppercase_addresses && upper_ok)
}

/// Address line 1 and 2; a line 1 too long for its field moves its end to line 2 when line 2
/// is empty, rather than being cut (`true` then, for the warning `place` gives).
fn split_address_quietly(profile: &Profile, a: &Address) -> (String, String, bool) {
    let a1 = address_text(profile, &a.address1, true);
    let a2 = address_text(profile, &a.address2, true);
    if a2.is_empty() && codepage::encoded_len(&a1, CodePage::Cp850) > ADDRESS_MAX {
        let fit = cut_encoded(&a1, ADDRESS_MAX);
        let cut = fit.rfind(' ').filter(|&p| p > 0).unwrap_or(fit.len());
        let (head, tail) = a1.split_at(cut);
        return (head.quick_trim().to_string(), tail.quick_trim().to_string(), true);
    }
    (a1, a2, false)
}

/// The texts of an address as a client's card (new or updated) and a delivery address write
/// them.
fn place(profile: &Profile, a: &Address, field: &str, d: &mut Diag) -> Place {
    let (address1, address2, moved) = split_address_quietly(profile, a);
    if moved {
        moved_to_complement(d, field, &address1, &address2);
    }
    Place {
        address1,
        address2,
        zip: address_text(profile, &a.zip, true),
        city: address_text(profile, &a.city, true),
        region: address_text(profile, region(a), true),
        country: address_text(profile, &country_name(&a.country), true),
        moved,
    }
}

/// Intitulé of a new client: the company, else the person's name, else (with a warning) the
/// e-mail, else `CLIENT <code>` (`true`: made of `code`). Sage needs one; some shop customers
/// have none.
fn intitule(c: &Customer, code: &str, d: &mut Diag) -> (String, bool) {
    let company = c.company.quick_trim();
    if !company.is_empty() {
        return (company.to_string(), false);
    }
    let name = crate::model::join_name(c.firstname.quick_trim(), c.lastname.quick_trim());
    if !name.is_empty() {
        return (name, false);
    }
    let email = c.email.quick_trim();
    if !email.is_empty() {
        d.push(
            WarningKind::IntituleFallback,
            Ccli::Intitule.name(),
            "the customer has neither name nor company: the intitulé is its e-mail",
        );
        return (email.to_string(), false);
    }
    d.push(
        WarningKind::IntituleFallback,
        Ccli::Intitule.name(),
        "the customer has neither name, company nor e-mail: the intitulé is 'CLIENT' and its code",
    );
    (format!("CLIENT {code}"), true)
}

/// "Marie Dupont - Lyon", at most 35 characters once written (#CHEN 13 refers to it). Never
/// empty: without any name it is the client's code (`true` then).
fn delivery_intitule(profile: &Profile, c: &Customer, code: &str, addr: &Address) -> (String, bool) {
    let person = addr.person();
    let (who, of_code) = if !addr.company.quick_trim().is_empty() {
        (addr.company.clone(), false)
    } else if !person.quick_trim().is_empty() {
        (person, false)
    } else if !c.display_name().quick_trim().is_empty() {
        (c.display_name(), false)
    } else {
        (format!("CLIENT {code}"), true)
    };
    let text = if addr.city.is_empty() { who } else { [&who, " - ", &addr.city].concat() };
    let text = address_text(profile, &name_text(profile, &text), false);
    (cut_encoded(&text, 35), of_code)
}

/// The texts of a new client's card and first delivery address that depend on the customer
/// and the profile alone: made by `new_client`, or on the reading thread ahead of the order
/// (`CardAhead`) for a customer the list does not have.
pub(super) struct CardTexts {
    intitule: String,
    classement: String,
    contact: String,
    billing: Place,
    /// The card's address hash as `remember_created` would read it back from the record.
    card_hash: u64,
    siret: String,
    vat: String,
    business: bool,
    phone: String,
    fax: String,
    email: String,
    /// `None`: no delivery address (not even the billing one).
    delivery: Option<DeliveryTexts>,
}

/// A #CCDL's texts; its place is apart (`None`: the card's, when the address is the same).
struct DeliveryTexts {
    intitule: String,
    contact: String,
    telephone: String,
    place: Option<Place>,
}

/// A new client's texts (`CardTexts`), in the order `new_client` made them (so are its
/// warnings); `true` when one of them is made of `code` (a customer without any name).
fn card_texts(profile: &Profile, c: &Customer, code: &str, d: &mut Diag) -> (CardTexts, bool) {
    let cs = &profile.customers;
    let (intitule, mut of_code) = intitule(c, code, d);
    let intitule = name_text(profile, &intitule);
    let classement = abrege(&intitule);
    let contact = address_text(profile, &crate::model::join_name(&c.firstname, &c.lastname), false);
    let billing = place(profile, &c.billing, Ccli::Adresse.name(), d);
    let card_hash =
        texts_address_hash([&billing.address1, &billing.address2, &billing.zip, &billing.city, &billing.country]);
    let siret = ix::norm_siret(&c.siret);
    if !c.siret.is_empty() && siret.len() != 14 {
        d.push(
            WarningKind::InvalidValue,
            Ccli::Siret.name(),
            format!("'{}' is not a 14-digit SIRET: written as given", c.siret),
        );
    }
    let vat = ix::norm_vat(&c.vat_number);
    let business = !siret.is_empty() || !vat.is_empty();
    let addr = c.delivery.as_ref().filter(|d| !d.is_empty()).unwrap_or(&c.billing);
    let delivery = (!addr.is_empty()).then(|| {
        let (mut dt, code_used) = delivery_texts(profile, c, code, addr);
        of_code |= code_used;
        dt.place = if same_place(addr, &c.billing) {
            // Reported again, for this record.
            if billing.moved {
                moved_to_complement(d, Ccdl::Adresse.name(), &billing.address1, &billing.address2);
            }
            None
        } else {
            Some(place(profile, addr, Ccdl::Adresse.name(), d))
        };
        dt
    });
    let texts = CardTexts {
        intitule,
        classement,
        contact,
        billing,
        card_hash,
        siret,
        vat,
        business,
        phone: phone(c, cs.phone),
        fax: phone(c, cs.fax),
        email: c.email.quick_trim().to_string(),
        delivery,
    };
    (texts, of_code)
}

/// A #CCDL's texts for `addr` but its place (which `place` makes after the intitulé: so
/// are its warnings); `true` when the intitulé is made of `code`.
fn delivery_texts(profile: &Profile, c: &Customer, code: &str, addr: &Address) -> (DeliveryTexts, bool) {
    let (intitule, of_code) = delivery_intitule(profile, c, code, addr);
    let person = addr.person();
    let contact = address_text(profile, if person.is_empty() { &addr.company } else { &person }, false);
    let telephone = if addr.phone.is_empty() { c.phone.clone() } else { addr.phone.clone() };
    (DeliveryTexts { intitule, contact, telephone, place: None }, of_code)
}

/// The fields a `Place` is made of are the same in `a` and `b`.
fn same_place(a: &Address, b: &Address) -> bool {
    std::ptr::eq(a, b)
        || (a.address1 == b.address1
            && a.address2 == b.address2
            && a.zip == b.zip
            && a.city == b.city
            && a.state == b.state
            && a.country == b.country)
}

fn moved_to_complement(d: &mut Diag, field: &str, head: &str, tail: &str) {
    d.push(
        WarningKind::MovedToComplement,
        field,
        format!("address longer than {ADDRESS_MAX} characters: '{head}' kept, '{tail}' moved to Complément"),
    );
}

/// The first characters of `s` that take at most `max` characters once written in CP850.
fn cut_encoded(s: &str, max: usize) -> String {
    // Printable ASCII is one byte a character in CP850: cut by bytes (the common case).
    if crate::text::printable_ascii_len(s.as_bytes()) == s.len() {
        return s[..s.len().min(max)].trim_end().to_string();
    }
    cut_encoded_chars(s, max)
}

/// `cut_encoded`, a character at a time: the cut is a prefix of `s`, copied once.
fn cut_encoded_chars(s: &str, max: usize) -> String {
    let mut len = 0;
    let mut end = 0;
    for (at, ch) in s.char_indices() {
        let l = codepage::char_len(ch, CodePage::Cp850);
        if len + l > max {
            break;
        }
        len += l;
        end = at + ch.len_utf8();
    }
    s[..end].trim_end().to_string()
}

pub(super) fn region(a: &Address) -> &str {
    // French addresses have no region line; Shopify gives department-like codes for FR.
    if a.country == "FR" { "" } else { &a.state }
}

pub(super) fn country_name(iso: &str) -> String {
    crate::countries::name_fr(iso).map(str::to_string).unwrap_or_else(|| iso.to_string())
}

#[cfg(test)]
mod tests {

    proptest::proptest! {
        /// The printable-ASCII shortcut cuts where the character-by-character count does.
        #[test]
        fn cut_encoded_ascii_matches_the_count(s in "[ -~]{0,60}", max in 0usize..50) {
            proptest::prop_assert_eq!(cut_encoded(&s, max), cut_encoded_chars(&s, max));
        }

        /// The character-by-character cut, slicing `s`, cuts as the former one that pushed
        /// each character into a new String (kept here as the reference).
        #[test]
        fn cut_encoded_chars_matches_pushing_each_character(s in "[ -~éèœŒ’€ß\\t\u{301}]{0,40}", max in 0usize..40) {
            let mut former = String::new();
            let mut len = 0;
            for ch in s.chars() {
                let l = codepage::char_len(ch, CodePage::Cp850);
                if len + l > max {
                    break;
                }
                len += l;
                former.push(ch);
            }
            proptest::prop_assert_eq!(cut_encoded_chars(&s, max), former.trim_end());
        }

        #[test]
        fn cut_encoded_keeps_a_cut_within_its_width(s in "[ -~éœ’€\\t]{0,40}", max in 0usize..40) {
            let cut = cut_encoded(&s, max);
            proptest::prop_assert!(codepage::encoded_len(&cut, CodePage::Cp850) <= max);
            proptest::prop_assert!(s.starts_with(&cut));
        }
    }
    use super::*;
    use crate::gescom::index::{Client, Source};

    fn index() -> ClientIndex {
        let mut ix = ClientIndex::new(Source { path: "clients.csv".into(), ..Default::default() });
        let l = Layout::builtin(33).unwrap().expect("CCLI");
        let pos = |n: &str| l.index_of(n).unwrap() as u16 + 1;
        ix.carried = vec![pos("CG_NumPrinc"), pos("N_CatTarif"), pos("CO_Nom"), pos("CO_Prenom")];
        let mut modele = Client { code: "MODELE".into(), intitule: "Modèle".into(), ..Default::default() };
        modele.fields = vec![
            (pos("CG_NumPrinc"), "4110100".into()),
            (pos("N_CatTarif"), "3".into()),
            (pos("CO_Nom"), "DURAND".into()),
            (pos("CO_Prenom"), "Sophie".into()),
        ];
        ix.push(modele);
        let c = |code: &str, name: &str, siret: &str, email: &str, vat: &str| Client {
            code: code.into(),
            intitule: name.into(),
            siret: siret.into(),
            email: email.into(),
            vat: vat.into(),
            line: 2,
            ..Default::default()
        };
        ix.push(c("BOULDUPONT", "Boulangerie Dupont", "62819482100037", "contact@dupont.fr", "FR90628194821"));
        ix.push(c("WEB000530", "Jean Martin", "", "jean.martin@exemple.fr", ""));
        ix.push(c("WEB000531", "Sabrina Roux", "", "sabrina.roux@exemple.fr", ""));
        ix.push(c("VIDAL1", "Vidal Lyon", "", "compta@vidal.fr", ""));
        ix.push(c("VIDAL2", "Vidal Paris", "", "compta@vidal.fr", "FR28760189555"));
        ix.push(c("WEBCLIENT", "Clients internet", "", "", ""));
        ix
    }

    fn profile(toml: &str) -> Profile {
        crate::setup::parse_profile(toml, "test").unwrap()
    }

    proptest::proptest! {
        /// An address's key, built part by part without the text options for plain ASCII,
        /// is the key of the address with every option applied, whatever the options.
        #[test]
        fn address_keys_are_those_of_the_text_options(
            parts in proptest::collection::vec("[ a-zA-Z0-9éèÉœŒßæ’'ΐﬁŉ-]{0,12}", 4),
            country in proptest::sample::select(vec!["FR", "AE", "DE", "", "XX"]),
            accents: bool,
            upper: bool,
        ) {
            let p = profile(&format!("[customers]\nremove_accents = {accents}\nuppercase_addresses = {upper}\n"));
            let ix = index();
            let r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
            let a = Address {
                address1: parts[0].clone(),
                address2: parts[1].clone(),
                zip: parts[2].clone(),
                city: parts[3].clone(),
                country: country.to_string(),
                ..Default::default()
            };
            let each = [&a.address1, &a.address2, &a.zip, &a.city, &country_name(&a.country)]
                .map(|t| address_text(&p, t, true));
            let want = crate::gescom::index::address_key(&each.iter().map(String::as_str).collect::<Vec<_>>());
            proptest::prop_assert_eq!(r.key_of(&a), want);
        }
    }

    /// A customer with a line 1 too long for its field, without a delivery address, with one
    /// at the same place under another name, one elsewhere, one at the same place but for a
    /// line 2.
    fn delivery_cases() -> [Customer; 4] {
        let mut none = customer("600", "z@exemple.fr");
        none.billing.address1 = "145 boulevard du Maréchal-de-Lattre-de-Tassigny".into();
        let mut like = none.clone();
        like.delivery = Some(Address { firstname: "Léa".into(), lastname: "Roux".into(), ..none.billing.clone() });
        let mut other = none.clone();
        other.delivery = Some(Address {
            address1: "3 place Bellecour".into(),
            zip: "69002".into(),
            city: "Lyon".into(),
            country: "FR".into(),
            ..Default::default()
        });
        let mut near = like.clone();
        near.delivery.as_mut().unwrap().address2 = "Bâtiment B".into();
        [none, like, other, near]
    }

    fn customer(id: &str, email: &str) -> Customer {
        Customer {
            shop_id: id.into(),
            email: email.into(),
            firstname: "Zoé".into(),
            lastname: "Lefèvre".into(),
            billing: Address {
                address1: "12 rue de l’Église".into(),
                zip: "69003".into(),
                city: "Lyon".into(),
                country: "FR".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn run(p: &Profile, c: &Customer) -> (Outcome, Warnings, State) {
        let ix = index();
        let mut r = Resolver::new(p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        let mut w = Warnings::default();
        let o = r.resolve(c, Platform::Prestashop, &mut st, &mut Diag::new("test", &mut w));
        (o, w, st)
    }

    /// The codes the state keeps under a Shopify customer's keys (shop id, e-mail).
    fn kept(st: &State, c: &Customer) -> [Option<String>; 2] {
        [id_key(Platform::Shopify, c), email_key(Platform::Shopify, c)]
            .map(|k| k.and_then(|k| st.issued_to(&k).map(|i| i.code.to_string())))
    }

    /// The address keys made on the reading thread are those `Addresses` makes here, billing
    /// and delivery: no delivery address, an empty one, one at the same place under another
    /// name, one elsewhere, one differing by line 2; accents kept or removed, capitals or not.
    #[test]
    fn address_keys_made_ahead_are_those_made_here() {
        use super::super::update::Addresses;
        let ix = index();
        for opts in ["", "[customers]\nremove_accents = true\nuppercase_addresses = true\n"] {
            let p = profile(opts);
            let r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
            let mut empty = customer("605", "");
            empty.delivery = Some(Address::default());
            let mut cases = delivery_cases().to_vec();
            cases.push(empty);
            let mut distinct = 0;
            for c in cases {
                let here = Addresses::of(&c, c.delivery.as_ref());
                let ahead = Addresses::of_order(&c, Some(AddressKeys::of(&p, &c)));
                assert_eq!(ahead.billing_key(&r), here.billing_key(&r), "{c:?}");
                assert_eq!(ahead.delivery_key(&r), here.delivery_key(&r), "{c:?}");
                distinct += usize::from(here.delivery_key(&r) != here.billing_key(&r));
            }
            assert_eq!(distinct, 2, "a delivery elsewhere, and one with its own line 2");
        }
    }

    /// A customer searched on the reading thread resolves as one searched here: the same
    /// outcome, the same warnings in the same place (found by SIRET, ambiguous by e-mail with
    /// an invalid SIRET, not found); a single account searches nothing ahead.
    #[test]
    fn searched_ahead_resolves_as_searched_here() {
        let ix = index();
        let p = profile("");
        let mut found = customer("600", "");
        found.siret = "628 194 821 00037".into();
        let mut ambiguous = customer("601", "compta@vidal.fr");
        ambiguous.siret = "123".into();
        let unknown = customer("602", "zoe.lefevre@exemple.fr");
        // Found by an e-mail written otherwise than in the list; an unknown one with accents.
        let by_email = customer("603", "  Contact@Dupont.FR ");
        let accented = customer("604", " Zoé.Lefèvre@Exemple.FR");
        for c in [found, ambiguous, unknown, by_email, accented] {
            let o = crate::model::Order { number: "#1001".into(), customer: c.clone(), ..Default::default() };
            let subject = crate::model::order_subject(&o.number, o.origin.line);
            let new =
                || Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
            let (mut here, mut w_here, mut st_here) = (new(), Warnings::default(), State::new());
            let a = here.resolve(&c, Platform::Shopify, &mut st_here, &mut Diag::new(&subject, &mut w_here));
            let (mut ahead, mut w_ahead, mut st_ahead) = (new(), Warnings::default(), State::new());
            let searched = search_ahead(&p, &ix, &o, &subject, Platform::Shopify, None, false);
            assert!(searched.is_some());
            let b = ahead.resolve_searched(
                &c,
                searched,
                Platform::Shopify,
                &mut st_ahead,
                &mut Diag::new(&subject, &mut w_ahead),
            );
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
            let list =
                |w: &Warnings| w.list.iter().map(|x| (x.kind, x.record.clone(), x.message.clone())).collect::<Vec<_>>();
            assert_eq!(list(&w_here), list(&w_ahead));
            assert_eq!(kept(&st_here, &c), kept(&st_ahead, &c));
            if c.shop_id == "603" {
                assert!(format!("{b:?}").contains("BOULDUPONT"), "{b:?}");
            }
            if c.shop_id == "604" {
                assert!(kept(&st_ahead, &c)[1].is_some(), "kept under the e-mail written in lowercase");
            }
        }
        let single = profile("[customers]\nmode = \"single\"\nsingle_account = \"WEBCLIENT\"\n");
        assert!(
            search_ahead(&single, &ix, &crate::model::Order::default(), "", Platform::Shopify, None, false).is_none()
        );
    }

    /// A new client whose texts were made on the reading thread is written as one made here:
    /// the same records, the same warnings in the same order and place (an intitulé from the
    /// e-mail, a line 1 moved to line 2 on the card and again on its delivery address, an
    /// invalid SIRET, a delivery address of its own, none at all), with the text options on
    /// and off. A customer whose texts would be made of its code (no name at all) gets none
    /// ahead; nor does one already met, nor any when the reading thread has no time to spare.
    #[test]
    fn a_new_clients_texts_made_ahead_write_as_made_here() {
        let ix = index();
        let long = "Résidence les Tilleuls, bâtiment C, escalier 4, 12 rue de l’Église";
        let mut cases = Vec::new();
        cases.push((customer("610", "zoe.lefevre@exemple.fr"), true));
        let mut nameless = customer("611", "contact@œuvres-sociales.fr");
        (nameless.firstname, nameless.lastname) = (String::new(), String::new());
        cases.push((nameless, true));
        let mut moved = customer("612", "marc.durand@exemple.fr");
        moved.billing.address1 = long.into();
        moved.siret = "123".into();
        cases.push((moved.clone(), true));
        let mut elsewhere = moved.clone();
        elsewhere.shop_id = "613".into();
        elsewhere.email = "l.martin@exemple.fr".into();
        elsewhere.delivery = Some(Address {
            company: "Boulangerie Martin".into(),
            address1: long.to_uppercase(),
            zip: "13001".into(),
            city: "Marseille".into(),
            country: "FR".into(),
            phone: "04 91 00 00 00".into(),
            ..Default::default()
        });
        cases.push((elsewhere, true));
        let mut nowhere = customer("614", "nadia.benali@exemple.fr");
        nowhere.billing = Address::default();
        cases.push((nowhere, true));
        let mut anonymous = customer("615", "");
        (anonymous.firstname, anonymous.lastname) = (String::new(), String::new());
        cases.push((anonymous, false));
        for toml in ["", "[customers]\nremove_accents = true\nuppercase_name = true\nuppercase_addresses = true\n"] {
            let p = profile(toml);
            for (c, made) in &cases {
                let o = crate::model::Order { number: "#1002".into(), customer: c.clone(), ..Default::default() };
                let subject = crate::model::order_subject(&o.number, o.origin.line);
                let new =
                    || Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
                let (mut here, mut w_here, mut st_here) = (new(), Warnings::default(), State::new());
                let a = here.resolve(c, Platform::Shopify, &mut st_here, &mut Diag::new(&subject, &mut w_here));
                let met = Met::new();
                assert!(
                    search_ahead(&p, &ix, &o, &subject, Platform::Shopify, Some(&met), false).unwrap().card.is_none(),
                    "no time to spare"
                );
                let met = Met::new();
                let searched = search_ahead(&p, &ix, &o, &subject, Platform::Shopify, Some(&met), true).unwrap();
                assert_eq!(searched.card.is_some(), *made, "{c:?}");
                assert!(
                    search_ahead(&p, &ix, &o, &subject, Platform::Shopify, Some(&met), true).unwrap().card.is_none(),
                    "met already"
                );
                let (mut ahead, mut w_ahead, mut st_ahead) = (new(), Warnings::default(), State::new());
                let b = ahead.resolve_searched(
                    c,
                    Some(searched),
                    Platform::Shopify,
                    &mut st_ahead,
                    &mut Diag::new(&subject, &mut w_ahead),
                );
                assert!(matches!(a, Outcome::New { .. }), "{a:?}");
                assert_eq!(format!("{a:?}"), format!("{b:?}"));
                let list = |w: &Warnings| {
                    w.list
                        .iter()
                        .map(|x| (x.kind, x.record.clone(), x.field.clone(), x.message.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(list(&w_here), list(&w_ahead));
                assert_eq!(ahead.created.len(), 1);
                assert_eq!(kept(&st_here, c), kept(&st_ahead, c), "the keys made ahead are the ones kept");
                assert!(kept(&st_ahead, c).iter().any(Option::is_some), "{c:?}");
            }
        }
        // The cases say what they claim: the warnings they are there for are given.
        let (_, w, _) = run(&profile(""), &cases[3].0);
        let kinds: Vec<_> = w.list.iter().map(|x| (x.kind, x.field.as_str())).collect();
        assert!(kinds.contains(&(WarningKind::MovedToComplement, "CT_Adresse")), "{kinds:?}");
        assert!(kinds.contains(&(WarningKind::MovedToComplement, "LI_Adresse")), "{kinds:?}");
        assert!(kinds.contains(&(WarningKind::InvalidValue, "CT_Siret")), "{kinds:?}");
        let (_, w, _) = run(&profile(""), &cases[1].0);
        assert!(w.list.iter().any(|x| x.kind == WarningKind::IntituleFallback), "{:?}", w.list);
    }

    fn new_record(o: &Outcome) -> &Record {
        match o {
            Outcome::New { records, .. } => &records[0],
            other => panic!("expected a new client, got {other:?}"),
        }
    }

    #[test]
    fn seed_codification() {
        let (o, _, st) = run(&profile(""), &customer("530", "zoe@exemple.fr"));
        // WEB000530 exists with another e-mail: never written.
        match &o {
            Outcome::Failed { message, .. } => {
                assert!(message.contains("already belongs to client 'Jean Martin'"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert!(st.is_empty(), "a failed customer issues no code");
        let (o, _, st) = run(&profile(""), &customer("532", "zoe@exemple.fr"));
        assert_eq!(o.code(), Some("WEB000532"));
        assert_eq!(st.issued_to("prestashop:id:532").unwrap().code, "WEB000532");
    }

    /// One run, customers of two shops: each gets its shop's codification, whichever came
    /// first (the codification of a platform is made once per run).
    #[test]
    fn each_platform_keeps_its_codification_within_a_run() {
        let ix = index();
        let p = profile(
            "[customers.code]\nsource = \"counter\"\ncounter_start = 700\n\
             [customers.code.by_platform.shopify]\nprefix = \"SHO\"\n",
        );
        let mut r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        let mut resolve = |c: &Customer, platform| {
            let o = r.resolve(c, platform, &mut st, &mut Diag::new("test", &mut Warnings::default()));
            o.code().map(str::to_string)
        };
        let shopify = resolve(&customer("", "zoe@exemple.fr"), Platform::Shopify).unwrap();
        let presta = resolve(&customer("", "hugo@exemple.fr"), Platform::Prestashop).unwrap();
        let shopify2 = resolve(&customer("", "lea@exemple.fr"), Platform::Shopify).unwrap();
        assert!(shopify.starts_with("SHO") && shopify2.starts_with("SHO"), "{shopify} {shopify2}");
        assert!(presta.starts_with("WEB"), "{presta}");
    }

    #[test]
    fn one_person_keeps_one_code_whether_the_export_has_its_id_or_only_its_email() {
        let ix = index();
        let p = profile("[customers.code]\nsource = \"counter\"\ncounter_start = 700\n");
        let layout = Layout::builtin(33).unwrap();
        let today = Date::new(2026, 11, 28).unwrap();
        let resolve = |st: &mut State, c: &Customer| {
            // Each call is a new run: nothing created in memory, only the state carries over.
            let mut r = Resolver::new(&p, &ix, layout, today).unwrap();
            r.resolve(c, Platform::Shopify, st, &mut Diag::new("test", &mut Warnings::default()))
        };
        // Customers export (id and e-mail), then an orders export of the same person (e-mail only).
        let mut st = State::new();
        let first = resolve(&mut st, &customer("3767427989669", "zoe@exemple.fr"));
        assert_eq!(first.code(), Some("WEB000700"));
        let again = resolve(&mut st, &customer("", "Zoe@Exemple.fr"));
        assert_eq!(again.code(), Some("WEB000700"), "{again:?}");
        // The reverse order: the orders export first, then the customers export.
        let mut st = State::new();
        let first = resolve(&mut st, &customer("", "zoe@exemple.fr"));
        assert_eq!(first.code(), Some("WEB000700"));
        let again = resolve(&mut st, &customer("3767427989669", "zoe@exemple.fr"));
        assert_eq!(again.code(), Some("WEB000700"), "{again:?}");
        assert_eq!(st.issued_to("shopify:id:3767427989669").unwrap().code, "WEB000700");
        // Another shop account with the same e-mail gets its own code when e-mails do not
        // identify customers.
        let p2 = profile(
            "[customers]\nsearch_by_email = false\n[customers.code]\nsource = \"counter\"\ncounter_start = 700\n",
        );
        let mut r = Resolver::new(&p2, &ix, layout, today).unwrap();
        let other = r.resolve(
            &customer("42", "zoe@exemple.fr"),
            Platform::Shopify,
            &mut st,
            &mut Diag::new("test", &mut Warnings::default()),
        );
        assert_eq!(other.code(), Some("WEB000701"), "{other:?}");
    }

    #[test]
    fn a_code_held_by_the_same_person_is_a_match() {
        let p = profile("[customers]\nsearch_by_email = false\n");
        let (o, _, _) = run(&p, &customer("531", "Sabrina.Roux@exemple.fr"));
        assert!(matches!(o, Outcome::Existing { by: MatchKey::Code, .. }), "{o:?}");
    }

    #[test]
    fn the_counter_skips_codes_in_use() {
        let p = profile("[customers.code]\nsource = \"counter\"\ncounter_start = 530\n");
        let (o, w, st) = run(&p, &customer("", "zoe@exemple.fr"));
        assert_eq!(o.code(), Some("WEB000532"));
        assert_eq!(st.counter, 532);
        assert_eq!(w.list.iter().filter(|w| w.kind == "counter_skipped").count(), 2);
    }

    #[test]
    fn search_by_each_key_only_when_enabled() {
        let mut c = customer("600", "");
        c.siret = "628 194 821 00037".into();
        let (o, _, _) = run(&profile(""), &c);
        assert!(matches!(&o, Outcome::Existing { by: MatchKey::Siret, code, .. } if code == "BOULDUPONT"), "{o:?}");
        let (o, _, _) = run(&profile("[customers]\nsearch_by_siret = false\n"), &c);
        assert!(matches!(o, Outcome::New { .. }), "{o:?}");

        let c = customer("600", " CONTACT@Dupont.fr ");
        let (o, _, _) = run(&profile(""), &c);
        assert!(matches!(&o, Outcome::Existing { by: MatchKey::Email, code, .. } if code == "BOULDUPONT"), "{o:?}");
        let (o, _, _) = run(&profile("[customers]\nsearch_by_email = false\n"), &c);
        assert!(matches!(o, Outcome::New { .. }), "{o:?}");

        let mut c = customer("600", "");
        c.vat_number = "fr 90.628.194.821".into();
        let (o, _, _) = run(&profile(""), &c);
        assert!(matches!(&o, Outcome::Existing { by: MatchKey::Vat, code, .. } if code == "BOULDUPONT"), "{o:?}");
        let (o, _, _) = run(&profile("[customers]\nsearch_by_vat = false\n"), &c);
        assert!(matches!(o, Outcome::New { .. }), "{o:?}");
    }

    #[test]
    fn several_matches_are_never_guessed() {
        let c = customer("600", "compta@vidal.fr");
        let (o, w, _) = run(&profile(""), &c);
        assert!(matches!(o, Outcome::Failed { .. }), "{o:?}");
        assert_eq!(w.list[0].kind, "ambiguous_match");
        // Another key that finds exactly one client settles it.
        let mut c = c;
        c.vat_number = "FR28760189555".into();
        let (o, _, _) = run(&profile(""), &c);
        assert!(matches!(&o, Outcome::Existing { by: MatchKey::Vat, code, .. } if code == "VIDAL2"), "{o:?}");
    }

    #[test]
    fn single_account() {
        let (o, _, _) = run(
            &profile("[customers]\nmode = \"single\"\nsingle_account = \"webclient\"\n"),
            &customer("530", "x@y.fr"),
        );
        assert!(matches!(&o, Outcome::Single { code } if code == "WEBCLIENT"));
        let ix = index();
        let p = profile("[customers]\nmode = \"single\"\nsingle_account = \"NOPE\"\n");
        assert!(Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 1, 1).unwrap()).is_err());
    }

    #[test]
    fn template_fields_are_copied_and_gaps_reported_once() {
        let p = profile("[customers]\ntemplate = \"MODELE\"\n");
        let ix = index();
        let mut r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        let mut w = Warnings::default();
        let o = r.resolve(&customer("600", "a@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        let rec = new_record(&o);
        assert_eq!(&*rec.get(Ccli::CgNumPrinc), "4110100");
        assert_eq!(rec.tail, vec!["4110100".to_string()]);
        assert_eq!(rec.get_named("N_CatTarif"), "3");
        assert_eq!((&*rec.get(Ccli::CoNom), &*rec.get(Ccli::CoPrenom)), ("DURAND", "Sophie"));
        let gaps = w.list.iter().filter(|w| w.kind == "template_field_missing").count();
        assert!(gaps > 10, "{gaps}");
        r.resolve(&customer("601", "b@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        assert_eq!(w.list.iter().filter(|w| w.kind == "template_field_missing").count(), gaps, "reported once per run");
    }

    #[test]
    fn text_options() {
        let c = customer("600", "z@exemple.fr");
        let (o, _, _) = run(&profile(""), &c);
        let r = new_record(&o);
        assert_eq!(
            (&*r.get(Ccli::Intitule), &*r.get(Ccli::Adresse), &*r.get(Ccli::Ville)),
            ("Zoé Lefèvre", "12 rue de l’Église", "Lyon")
        );
        assert_eq!(&*r.get(Ccli::Classement), "ZOÉ LEFÈVRE");

        let (o, _, _) = run(&profile("[customers]\nremove_accents = true\n"), &c);
        let r = new_record(&o);
        assert_eq!((&*r.get(Ccli::Intitule), &*r.get(Ccli::Adresse)), ("Zoe Lefevre", "12 rue de l’Eglise"));

        let (o, _, _) = run(&profile("[customers]\nuppercase_name = true\n"), &c);
        let r = new_record(&o);
        assert_eq!((&*r.get(Ccli::Intitule), &*r.get(Ccli::Adresse)), ("ZOÉ LEFÈVRE", "12 rue de l’Église"));

        let (o, _, _) = run(&profile("[customers]\nuppercase_addresses = true\n"), &c);
        let r = new_record(&o);
        assert_eq!(
            (&*r.get(Ccli::Intitule), &*r.get(Ccli::Adresse), &*r.get(Ccli::Ville)),
            ("Zoé Lefèvre", "12 RUE DE L’ÉGLISE", "LYON")
        );
    }

    #[test]
    fn phone_fax_representative_and_fields() {
        let mut c = customer("600", "z@exemple.fr");
        c.phone = "04 78 00 00 01".into();
        c.mobile = "06 00 00 00 02".into();
        let p = profile(
            "[customers]\nphone = \"mobile\"\nfax = \"phone\"\nrepresentative = \"DE LA TOUR Jean\"\n[customers.fields]\nCT_Commentaire = \"Web {customer.id} {customer.lastname|upper}\"\nCT_Qualite = \"Particulier\"\n",
        );
        let (o, _, _) = run(&p, &c);
        let r = new_record(&o);
        assert_eq!((&*r.get(Ccli::Telephone), &*r.get(Ccli::Telecopie)), ("06 00 00 00 02", "04 78 00 00 01"));
        assert_eq!((&*r.get(Ccli::CoNom), &*r.get(Ccli::CoPrenom)), ("DE LA TOUR", "Jean"));
        assert_eq!(r.get_named("CT_Commentaire"), "Web 600 LEFÈVRE");
        assert_eq!(r.get_named("CT_Qualite"), "Particulier");
    }

    #[test]
    fn a_long_address_moves_to_complement() {
        let mut c = customer("600", "z@exemple.fr");
        c.billing.address1 = "145 boulevard du Maréchal-de-Lattre-de-Tassigny".into();
        let (o, w, _) = run(&profile(""), &c);
        let r = new_record(&o);
        assert_eq!(
            (&*r.get(Ccli::Adresse), &*r.get(Ccli::Complement)),
            ("145 boulevard du", "Maréchal-de-Lattre-de-Tassigny")
        );
        assert!(w.list.iter().any(|w| w.kind == "moved_to_complement"));
    }

    /// A new client's delivery address, whose texts are its card's when it is the same place
    /// (no delivery address, or one with the same lines, postcode, city and country), is the
    /// record `delivery_record` makes of it alone, and a long line 1 is reported for each of
    /// the two records.
    #[test]
    fn a_delivery_address_is_the_same_whether_its_texts_are_made_once_or_twice() {
        let [none, like, other, near] = delivery_cases();
        for (c, moved) in [
            (&none, vec!["CT_Adresse", "LI_Adresse"]),
            (&like, vec!["CT_Adresse", "LI_Adresse"]),
            (&other, vec!["CT_Adresse"]),
            (&near, vec!["CT_Adresse"]),
        ] {
            let p = profile("");
            let (o, w, _) = run(&p, c);
            let Outcome::New { records, code, .. } = &o else { panic!("{o:?}") };
            let ix = index();
            let r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
            let delivery = c.delivery.as_ref().unwrap_or(&c.billing);
            let alone = r.delivery_record(c, code, delivery, true, &mut Diag::new("test", &mut Warnings::default()));
            let fields = |r: &Record| (0..r.layout.fixed).map(|i| r.get_index(i).into_owned()).collect::<Vec<_>>();
            assert_eq!(fields(&records[1]), fields(&alone), "{:?}", c.delivery);
            let got: Vec<&str> =
                w.list.iter().filter(|x| x.kind == "moved_to_complement").map(|x| x.field.as_str()).collect();
            assert_eq!(got, moved, "{:?}", c.delivery);
        }
    }

    /// A new client's card and delivery address are remembered under the hashes its records
    /// give, whether they are made from the texts `new_client` set or read back from the
    /// records (an expression of `[customers.fields]` on the card's city).
    #[test]
    fn a_new_clients_address_hashes_are_its_records() {
        let [plain, like, other, near] = delivery_cases();
        let mut set = 0;
        for fields in ["", "[customers.fields]\nCT_Ville = \"{customer.lastname|upper}\"\n"] {
            let p = profile(fields);
            for c in [&plain, &like, &other, &near] {
                let ix = index();
                let mut r =
                    Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
                assert_eq!(r.fields_set_address, !fields.is_empty());
                let mut w = Warnings::default();
                let o = r.resolve(c, Platform::Prestashop, &mut State::new(), &mut Diag::new("test", &mut w));
                let Outcome::New { records, code, .. } = &o else { panic!("{o:?}") };
                let (card, _, deliveries) = created_parts(records, None);
                let id = r.created.id(code).expect("remembered");
                assert_eq!(r.created.card(id), card, "{fields} {:?}", c.delivery);
                let hashes: Vec<u64> = r.created.deliveries_of(id).map(|(_, h)| h).collect();
                assert_eq!(hashes, deliveries.iter().map(|(_, h)| *h).collect::<Vec<_>>(), "{fields} {:?}", c.delivery);
                set += usize::from(records[0].get(Ccli::Ville) == "LEFÈVRE");
            }
        }
        assert_eq!(set, 4, "the expression sets the city of each card");
    }

    #[test]
    fn auto_takes_the_counter_when_the_shop_id_cannot_make_a_code() {
        // A Shopify customer id has 13 digits: no room after WEB in 9 characters.
        let (o, w, st) = run(&profile(""), &customer("3767427989669", "zoe@exemple.fr"));
        assert_eq!(o.code(), Some("WEB000001"), "{o:?}");
        assert_eq!(st.counter, 1);
        let notes: Vec<_> = w.list.iter().filter(|w| w.kind == "code_source").collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].message.contains("13 digits"), "{}", notes[0].message);
        // No id at all (a Shopify orders export).
        let (o, w, _) = run(&profile(""), &customer("", "zoe@exemple.fr"));
        assert_eq!(o.code(), Some("WEB000001"), "{o:?}");
        assert!(w.list.iter().any(|w| w.kind == "code_source" && w.message.contains("no customer id")));
        // A shop id that fits keeps its meaning.
        let (o, w, _) = run(&profile(""), &customer("532", "zoe@exemple.fr"));
        assert_eq!(o.code(), Some("WEB000532"));
        assert!(!w.list.iter().any(|w| w.kind == "code_source"));
        // source = "shop_id" still fails such a customer.
        let (o, _, st) =
            run(&profile("[customers.code]\nsource = \"shop_id\"\n"), &customer("3767427989669", "zoe@exemple.fr"));
        assert!(matches!(&o, Outcome::Failed { message, .. } if message.contains("13 digits")), "{o:?}");
        assert!(st.is_empty());
    }

    #[test]
    fn auto_does_not_fail_on_a_code_passerelle_gave_another_customer() {
        let p = profile("");
        let ix = index();
        let mut r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        // An earlier run gave WEB000007 to a guest (counter number).
        st.record("prestashop:email:invite@exemple.fr", "WEB000007", "2026-11-01");
        let mut w = Warnings::default();
        let o =
            r.resolve(&customer("7", "inscrit@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        assert_eq!(o.code(), Some("WEB000001"), "{o:?}");
        assert!(w.list.iter().any(|w| w.kind == "code_source" && w.message.contains("WEB000007")), "{:?}", w.list);
        let p = profile("[customers.code]\nsource = \"shop_id\"\n");
        let mut r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        st.record("prestashop:email:invite@exemple.fr", "WEB000007", "2026-11-01");
        let o =
            r.resolve(&customer("7", "inscrit@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        assert!(matches!(o, Outcome::Failed { .. }), "{:?}", o.code());
    }

    #[test]
    fn a_customer_without_a_name_gets_a_fallback_intitule() {
        let mut c = customer("600", "sans.nom@exemple.fr");
        c.firstname.clear();
        c.lastname.clear();
        let (o, w, _) = run(&profile(""), &c);
        assert_eq!(new_record(&o).get(Ccli::Intitule), "sans.nom@exemple.fr");
        assert!(w.list.iter().any(|w| w.kind == "intitule_fallback"));
        c.email.clear();
        let (o, _, _) = run(&profile(""), &c);
        let r = new_record(&o);
        assert_eq!(&*r.get(Ccli::Intitule), "CLIENT WEB000600");
        assert!(r.missing_required().is_none());
        // The company comes first, without a warning.
        c.company = "Atelier Œuvre & Fils".into();
        let (o, w, _) = run(&profile(""), &c);
        assert_eq!(new_record(&o).get(Ccli::Intitule), "Atelier Œuvre & Fils");
        assert!(!w.list.iter().any(|w| w.kind == "intitule_fallback"));
    }

    #[test]
    fn a_required_field_left_empty_fails_the_customer() {
        // A field expression that is empty for a private customer.
        let p = profile("[customers.fields]\nCT_Intitule = \"{customer.company}\"\n");
        let (o, _, st) = run(&p, &customer("600", "zoe@exemple.fr"));
        match &o {
            Outcome::Failed { message, .. } => assert!(message.contains("#CCLI 5"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert!(st.issued_to("prestashop:id:600").is_none(), "no code kept for a customer not written");
    }

    #[test]
    fn the_same_customer_twice_in_a_run_is_created_once() {
        let p = profile("");
        let ix = index();
        let mut r = Resolver::new(&p, &ix, Layout::builtin(33).unwrap(), Date::new(2026, 11, 28).unwrap()).unwrap();
        let mut st = State::new();
        let mut w = Warnings::default();
        let a = r.resolve(&customer("700", "a@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        let b = r.resolve(&customer("700", "a@exemple.fr"), Platform::Prestashop, &mut st, &mut Diag::new("t", &mut w));
        assert!(matches!(a, Outcome::New { .. }));
        assert!(matches!(&b, Outcome::Existing { by: MatchKey::Code, code, .. } if code == "WEB000700"), "{b:?}");
    }
}
