//! The run report: JSON for scripts (`--report`, keys stable: extend, never rename) and a summary for
//! people. Every decision and every change to the data shows up here.

use std::fmt::Write as _;

use serde::Serialize;

pub use crate::warning_kind::WarningKind;

use crate::i18n::{Lang, Msg};
use crate::t;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub inputs: Vec<InputReport>,
    pub customers: Vec<CustomerReport>,
    /// Customer entries left out of `customers` (a huge run lists its first `ENTRIES_CAP`;
    /// the totals count them all). Absent when none was left out.
    #[serde(skip_serializing_if = "is_zero")]
    pub customers_omitted: u64,
    pub documents: Vec<DocumentReport>,
    /// Document entries left out of `documents`, as `customers_omitted`.
    #[serde(skip_serializing_if = "is_zero")]
    pub documents_omitted: u64,
    pub warnings: Vec<Warning>,
    /// The files written.
    pub outputs: Vec<String>,
    /// A dry run (present in every dry run, absent otherwise): the files a real run would write,
    /// under the names it would take (`outputs` stays empty: nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_write: Option<Vec<String>>,
    /// Problems that made a record or an input fail (the input's own error is also in `inputs`).
    pub errors: Vec<RecordError>,
    pub dry_run: bool,
    /// Why the run stopped before converting anything (exit code 2), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Counts of customers and documents by action (always kept, even without entries).
    pub totals: Tally,
    /// Keep every customer and document entry (for `--report` and the watcher); without it
    /// only the totals are kept, so a run of a million orders does not hold a million entries.
    #[serde(skip)]
    pub keep: bool,
    /// What the entries left out were, for the HTML page and for undoing a failed input.
    #[serde(skip)]
    pub omitted: Omitted,
    /// First and last piece number of the documents created, for the summary (kept even
    /// without entries).
    #[serde(skip)]
    pub pieces: Option<(String, String)>,
    /// What the outputs are (Format Sage, which templates), for the import steps of the HTML
    /// report.
    #[serde(skip)]
    pub written_as: WrittenAs,
}

/// Customer and document entries listed one by one, each; past them, a run's entries are
/// counted (`customers_omitted`, `documents_omitted`), so that the report of a million orders
/// stays readable and its run's memory does not grow with every order.
pub const ENTRIES_CAP: usize = 10_000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The entries left out of the report, by what they were.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Omitted {
    /// Customers by action, and of the created ones those issued by an earlier run.
    pub customers: [u64; 5],
    pub customers_issued_before: u64,
    /// Documents by action.
    pub documents: [u64; 4],
    /// Amounts of the documents created (credit notes count negative), and how many of them
    /// had an amount that could not be computed.
    pub total_ht: rust_decimal::Decimal,
    pub total_ttc: rust_decimal::Decimal,
    pub unknown_amounts: u64,
}

/// Where the entries stood when an input started (see `Report::void_input`).
#[derive(Debug, Clone)]
pub struct EntriesMark {
    customers: usize,
    documents: usize,
    omitted: Omitted,
}

/// The formats a run writes: Format Sage and the import paramétrable templates.
#[derive(Debug, Default, Clone)]
pub struct WrittenAs {
    pub sage: bool,
    pub templates: Vec<TemplateNote>,
}

/// An import paramétrable template of the run, as the import steps name it.
#[derive(Debug, Clone)]
pub struct TemplateNote {
    /// The name `template describe` takes, and the middle of the file names
    /// (`<stem>.<name>.<extension>`).
    pub name: String,
    pub label: String,
    pub extension: String,
    /// One line per client (else per document line).
    pub per_client: bool,
}

/// Customers and documents by action.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub customers_created: u64,
    /// Of `customers_created`, those written again under a code an earlier run issued (the
    /// client list does not hold them yet).
    pub customers_issued_before: u64,
    pub customers_matched: u64,
    pub customers_updated: u64,
    pub customers_single_account: u64,
    pub customers_failed: u64,
    pub documents_created: u64,
    pub documents_skipped_already_converted: u64,
    pub documents_skipped: u64,
    pub documents_failed: u64,
    /// Of `documents_created`, the credit notes.
    pub credit_notes_created: u64,
}

impl Tally {
    fn customer(&mut self, a: CustomerAction) -> &mut u64 {
        match a {
            CustomerAction::Created => &mut self.customers_created,
            CustomerAction::Matched => &mut self.customers_matched,
            CustomerAction::Updated => &mut self.customers_updated,
            CustomerAction::SingleAccount => &mut self.customers_single_account,
            CustomerAction::Failed => &mut self.customers_failed,
        }
    }

    fn document(&mut self, a: DocumentAction) -> &mut u64 {
        match a {
            DocumentAction::Created => &mut self.documents_created,
            DocumentAction::SkippedAlreadyConverted => &mut self.documents_skipped_already_converted,
            DocumentAction::Skipped => &mut self.documents_skipped,
            DocumentAction::Failed => &mut self.documents_failed,
        }
    }

    /// `self` as it was at `before`, plus what failed or was skipped since (an input that
    /// failed wrote nothing: its created or matched records do not count; the entries kept
    /// for the report are the same ones).
    pub fn keep_failures_since(&self, before: &Tally) -> Tally {
        let mut t = *before;
        t.customers_failed = self.customers_failed;
        t.documents_failed = self.documents_failed;
        t.documents_skipped = self.documents_skipped;
        t.documents_skipped_already_converted = self.documents_skipped_already_converted;
        t
    }
}

#[derive(Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub platform: Option<String>,
    pub kind: Option<String>,
    /// The header generation or export variant recognised (e.g. Shopify's 2023 headers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub records: u64,
    pub status: Status,
    pub error: Option<String>,
    pub outputs: Vec<String>,
    /// A dry run: the files a real run would write for this input (`outputs` stays empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub would_write: Vec<String>,
    /// A companion input (records that complete other inputs, e.g. PrestaShop customers in a
    /// file of their own): the inputs its records were joined to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub joined_to: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Converted, but some of its records failed (listed in `errors`).
    Partial,
    Failed,
}

#[derive(Debug, Serialize)]
pub struct CustomerReport {
    pub input: String,
    pub record: u64,
    pub shop_id: String,
    pub email: String,
    pub name: String,
    pub code: Option<String>,
    pub action: CustomerAction,
    pub matched_by: Option<MatchKey>,
    /// Why: the parts of a generated code, the key value that matched, or the error.
    pub detail: String,
    /// For a created client: `this_run` (a new code) or `earlier` (a code an earlier run
    /// issued, written again because the client list does not hold it yet); else null.
    pub issued: Option<Issued>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Issued {
    ThisRun,
    Earlier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum CustomerAction {
    Created,
    Matched,
    Updated,
    SingleAccount,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKey {
    Siret,
    Email,
    Vat,
    Code,
}

impl MatchKey {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKey::Siret => "siret",
            MatchKey::Email => "email",
            MatchKey::Vat => "vat",
            MatchKey::Code => "code",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DocumentReport {
    pub input: String,
    pub order: String,
    pub customer: String,
    pub piece: String,
    pub lines: usize,
    pub action: DocumentAction,
    pub detail: String,
    /// What the document is (`invoice`, `credit_note`...).
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    /// A credit note's invoice: its piece (the order number when Sage numbered it); null
    /// for other documents.
    pub invoice: Option<String>,
    /// Amounts of the document as written (lines: quantity × unit price − discount, VAT at
    /// each line's rate), decimal strings with 2 decimals; null when a line's VAT rate is
    /// unknown (the other side cannot be computed) or nothing was built.
    pub total_ht: Option<String>,
    pub total_ttc: Option<String>,
    /// Indexes in `warnings` of the report of the warnings given while this order was read,
    /// resolved and written (a warning counted for many orders is one entry).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<usize>,
}

/// The kind of a document entry: the `[orders] document_type` of an order's document, or a
/// credit note for its refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
    Quote,
    Order,
    DeliveryNote,
}

impl From<crate::profile::orders::DocumentType> for DocumentKind {
    fn from(t: crate::profile::orders::DocumentType) -> Self {
        use crate::profile::orders::DocumentType as T;
        match t {
            T::Facture => DocumentKind::Invoice,
            T::Devis => DocumentKind::Quote,
            T::BonDeCommande => DocumentKind::Order,
            T::BonDeLivraison => DocumentKind::DeliveryNote,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum DocumentAction {
    Created,
    SkippedAlreadyConverted,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub input: String,
    /// The first record the warning was given for.
    pub record: String,
    pub field: String,
    pub message: String,
    /// The message in French, when it comes from the catalogue (`said!`); people reading in
    /// French get it, the JSON keeps the English `message`.
    #[serde(skip)]
    pub message_fr: Option<String>,
    /// How many records got this same warning (same kind, field and message) in this input:
    /// a product name transliterated on 40,000 order lines is one entry, counted.
    pub count: u64,
    /// A few more of those records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// Records named in `also`, at most.
const ALSO: usize = 5;

/// The text of a warning: English (what the JSON holds), and French when the message comes
/// from the catalogue. A plain `String` is English only; `said!` gives both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub en: String,
    pub fr: Option<String>,
}

impl From<String> for Said {
    fn from(en: String) -> Said {
        Said { en, fr: None }
    }
}

impl From<&str> for Said {
    fn from(en: &str) -> Said {
        Said { en: en.to_string(), fr: None }
    }
}

impl From<&String> for Said {
    fn from(en: &String) -> Said {
        Said { en: en.clone(), fr: None }
    }
}

/// `said!(Msg::X, name = value, ...)`: a warning's text in both languages from the catalogue.
#[macro_export]
macro_rules! said {
    ($msg:expr $(, $name:ident = $value:expr)* $(,)?) => {{
        let args: &[(&str, &dyn ::std::fmt::Display)] = &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*];
        $crate::report::Said {
            en: $crate::i18n::Msg::fill($msg, $crate::i18n::Lang::En, args),
            fr: Some($crate::i18n::Msg::fill($msg, $crate::i18n::Lang::Fr, args)),
        }
    }};
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordError {
    pub input: String,
    pub record: String,
    pub field: String,
    pub message: String,
    /// The message in French when it comes from the catalogue (never in the JSON).
    #[serde(skip)]
    pub message_fr: Option<String>,
}

/// An error's message in `lang` (see `warning_message`).
pub fn error_message(e: &RecordError, lang: Lang) -> &str {
    match (lang, &e.message_fr) {
        (Lang::Fr, Some(fr)) => fr,
        _ => &e.message,
    }
}

/// Collects warnings for one input; `record` names what they are about (e.g. "customer 530,
/// line 4" or "#CCLI WEB000530"). The same warning for many records is kept once, counted.
#[derive(Debug, Default)]
pub struct Warnings {
    pub input: String,
    pub list: Vec<Warning>,
    /// Hash of (kind, field, message) or a caller's key → entry in `list`.
    seen: rustc_hash::FxHashMap<u64, usize>,
    /// Entries listed per kind, and the entry that counts the rest once `KIND_CAP` is
    /// reached: a file of a million orders with a different message each cannot fill memory.
    per_kind: rustc_hash::FxHashMap<WarningKind, (usize, Option<usize>)>,
    /// With `track_records`: entries given or repeated since the last `take_record`.
    recent: Option<Vec<usize>>,
    /// A list kept by a reader on its own thread (`deferred`): warnings are noted as they
    /// come, to be given to the input's list (`replay`) when the record they belong to is.
    deferred: Option<Vec<Deferred>>,
}

/// A warning noted by a `deferred` list, as it was pushed.
#[derive(Debug)]
pub struct Deferred {
    /// The caller's key of `push_keyed`.
    key: Option<u64>,
    /// The key of a warning given once per run (`push_once`): the replaying side decides.
    once: Option<String>,
    kind: WarningKind,
    record: String,
    field: String,
    message: Said,
}

/// Distinct warnings listed per kind and input; beyond, they are counted in one entry.
pub const KIND_CAP: usize = 2_000;

fn hash_of(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    parts.hash(&mut h);
    h.finish()
}

impl Warnings {
    pub fn new(input: impl Into<String>) -> Warnings {
        Warnings { input: input.into(), ..Default::default() }
    }

    /// A list that only notes what is pushed, for a reader ahead on another thread: the
    /// notes go to the input's list through `take_deferred` and `replay`, in the order they
    /// were pushed, so the result is the same as if the reader had pushed them itself.
    pub fn deferred(input: impl Into<String>) -> Warnings {
        Warnings { input: input.into(), deferred: Some(Vec::new()), ..Default::default() }
    }

    /// What a `deferred` list noted since the last call (nothing for another list).
    pub fn take_deferred(&mut self) -> Vec<Deferred> {
        self.deferred.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Gives warnings noted by a `deferred` list, as if pushed now.
    pub fn replay(&mut self, notes: Vec<Deferred>) {
        self.replay_once(notes, &mut std::collections::HashSet::new());
    }

    /// `replay`, a note of `push_once` given only if its key is not in `given` (then added).
    pub fn replay_once(&mut self, notes: Vec<Deferred>, given: &mut std::collections::HashSet<String>) {
        for d in notes {
            if let Some(k) = d.once
                && !given.insert(k)
            {
                continue;
            }
            match d.key {
                Some(key) => self.push_keyed(key, d.kind, &d.record, &d.field, || d.message),
                None => self.push(d.kind, &d.record, &d.field, d.message),
            }
        }
    }

    pub fn push(&mut self, kind: WarningKind, record: &str, field: &str, message: impl Into<Said>) {
        let message = message.into();
        if let Some(notes) = self.deferred.as_mut() {
            let (record, field) = (record.to_string(), field.to_string());
            notes.push(Deferred { key: None, once: None, kind, record, field, message });
            return;
        }
        let key = hash_of(&[kind.as_str(), field, &message.en]);
        // `list` is public (callers drain it): check the remembered entry is still the same.
        let known = self.seen.get(&key).copied().filter(|&i| {
            self.list.get(i).is_some_and(|w| w.kind == kind && w.field == field && w.message == message.en)
        });
        if let Some(i) = known {
            self.repeat(i, &record);
            return;
        }
        self.add(key, kind, &record, &field, || message);
    }

    /// As `push`, for a warning the caller identifies by `key` (e.g. a hash of the field and
    /// value): a repeat costs no formatting at all, which matters on the hot path (a product
    /// name transliterated on every order line).
    pub fn push_keyed<M: Into<Said>>(
        &mut self,
        key: u64,
        kind: WarningKind,
        record: &dyn std::fmt::Display,
        field: &dyn std::fmt::Display,
        message: impl FnOnce() -> M,
    ) {
        if let Some(notes) = self.deferred.as_mut() {
            let (record, field, message) = (record.to_string(), field.to_string(), message().into());
            notes.push(Deferred { key: Some(key), once: None, kind, record, field, message });
            return;
        }
        let key = key ^ 0x9E37_79B9_7F4A_7C15;
        if let Some(i) = self.seen.get(&key).copied().filter(|&i| self.list.get(i).is_some_and(|w| w.kind == kind)) {
            self.repeat(i, record);
            return;
        }
        self.add(key, kind, record, field, || message().into());
    }

    /// A warning to be given once per run, noted by a `deferred` list with `once` for the
    /// replaying side to decide (`replay_once`); another list gives it (the caller keeps
    /// the run's set: see `resolve::order::Once`).
    pub fn push_once(&mut self, once: String, kind: WarningKind, record: &str, field: &str, message: impl Into<Said>) {
        let message = message.into();
        match self.deferred.as_mut() {
            Some(notes) => notes.push(Deferred {
                key: None,
                once: Some(once),
                kind,
                record: record.to_string(),
                field: field.to_string(),
                message,
            }),
            None => {
                // The caller decides once-ness itself on a list it gives to (`Once::Run`).
                debug_assert!(false, "push_once is for a deferred list");
                self.push(kind, record, field, message)
            }
        }
    }

    /// Starts remembering which entries each record gets (see `take_record`): for orders,
    /// whose report entries name their warnings.
    pub fn track_records(&mut self) {
        self.recent = Some(Vec::new());
    }

    /// The entries (indexes in `list`) given or repeated since the last call, each once,
    /// in order; empty unless `track_records` was called.
    pub fn take_record(&mut self) -> Vec<usize> {
        let mut v = Vec::new();
        self.take_record_into(&mut v);
        v
    }

    /// `take_record` into `out` (emptied first), whose memory the next record's entries then
    /// use: no allocation per order.
    pub fn take_record_into(&mut self, out: &mut Vec<usize>) {
        out.clear();
        let Some(recent) = self.recent.as_mut() else { return };
        std::mem::swap(recent, out);
        out.sort_unstable();
        out.dedup();
    }

    fn touched(&mut self, i: usize) {
        if let Some(r) = self.recent.as_mut() {
            r.push(i);
        }
    }

    /// A warning given again, for `record`: counted, and the record named in `also` while it
    /// has room (past it, a repeat formats nothing: a transliterated product name repeats on
    /// every order line).
    fn repeat(&mut self, i: usize, record: &dyn std::fmt::Display) {
        self.touched(i);
        let w = &mut self.list[i];
        w.count += 1;
        if w.also.len() < ALSO {
            let record = record.to_string();
            if w.record != record {
                w.also.push(record);
            }
        }
    }

    /// A new entry, or a count in the kind's overflow entry past `KIND_CAP`: there neither the
    /// message nor the field is made (a keyed warning then costs no formatting at all).
    fn add(
        &mut self,
        key: u64,
        kind: WarningKind,
        record: &dyn std::fmt::Display,
        field: &dyn std::fmt::Display,
        message: impl FnOnce() -> Said,
    ) {
        let (listed, overflow) = self.per_kind.entry(kind).or_insert((0, None));
        if *listed >= KIND_CAP {
            match *overflow {
                Some(i) if i < self.list.len() && self.list[i].kind == kind => {
                    if let Some(r) = self.recent.as_mut() {
                        r.push(i);
                    }
                    let w = &mut self.list[i];
                    w.count += 1;
                    if w.also.len() < ALSO {
                        w.also.push(record.to_string());
                    }
                }
                _ => {
                    *overflow = Some(self.list.len());
                    let i = self.list.len();
                    if let Some(r) = self.recent.as_mut() {
                        r.push(i);
                    }
                    self.list.push(Warning {
                        kind,
                        input: self.input.clone(),
                        record: record.to_string(),
                        field: String::new(),
                        message: format!(
                            "more '{kind}' warnings than the {KIND_CAP} listed one by one: these are counted here (first record named, a few more in 'also')"
                        ),
                        message_fr: Some(format!(
                            "plus de {KIND_CAP} avertissements « {} » listés un à un : les suivants sont comptés ici (premier enregistrement nommé, quelques autres dans « also »)",
                            kind.french().0
                        )),
                        count: 1,
                        also: Vec::new(),
                    });
                }
            }
            return;
        }
        *listed += 1;
        let i = self.list.len();
        if let Some(r) = self.recent.as_mut() {
            r.push(i);
        }
        self.seen.insert(key, i);
        let message = message();
        self.list.push(Warning {
            kind,
            input: self.input.clone(),
            record: record.to_string(),
            field: field.to_string(),
            message: message.en,
            message_fr: message.fr,
            count: 1,
            also: Vec::new(),
        });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The warnings of one record: what it is called in them ("order #1001 (line 2)") and the
/// input's list they go to, passed together through the stages that may warn about it.
pub struct Diag<'a> {
    pub subject: &'a str,
    pub w: &'a mut Warnings,
}

impl<'a> Diag<'a> {
    pub fn new(subject: &'a str, w: &'a mut Warnings) -> Diag<'a> {
        Diag { subject, w }
    }

    /// A warning about this record.
    pub fn push(&mut self, kind: WarningKind, field: &str, message: impl Into<Said>) {
        self.w.push(kind, self.subject, field, message);
    }

    /// A warning about this record that the caller identifies by `key` (see
    /// `Warnings::push_keyed`): its message is made only if listed.
    pub fn push_keyed<M: Into<Said>>(&mut self, key: u64, kind: WarningKind, field: &str, message: impl FnOnce() -> M) {
        self.w.push_keyed(key, kind, &self.subject, &field, message);
    }

    /// The same record, for a callee (a shorter borrow).
    pub fn re(&mut self) -> Diag<'_> {
        Diag { subject: self.subject, w: self.w }
    }
}

impl Report {
    pub fn add_customer(&mut self, c: CustomerReport) {
        *self.totals.customer(c.action) += 1;
        if c.action == CustomerAction::Created && c.issued == Some(Issued::Earlier) {
            self.totals.customers_issued_before += 1;
        }
        if !self.keep {
            return;
        }
        if self.customers.len() < ENTRIES_CAP {
            self.customers.push(c);
        } else {
            self.customers_omitted += 1;
            self.omitted.customers[c.action as usize] += 1;
            if c.issued == Some(Issued::Earlier) {
                self.omitted.customers_issued_before += 1;
            }
        }
    }

    pub fn add_document(&mut self, d: DocumentReport) {
        *self.totals.document(d.action) += 1;
        if d.action == DocumentAction::Created && d.kind == DocumentKind::CreditNote {
            self.totals.credit_notes_created += 1;
        } else if d.action == DocumentAction::Created && !d.piece.is_empty() {
            match &mut self.pieces {
                Some((_, last)) => last.clone_from(&d.piece),
                None => self.pieces = Some((d.piece.clone(), d.piece.clone())),
            }
        }
        if !self.keep {
            return;
        }
        if self.documents.len() < ENTRIES_CAP {
            self.documents.push(d);
            return;
        }
        self.documents_omitted += 1;
        self.omitted.documents[d.action as usize] += 1;
        if d.action == DocumentAction::Created {
            let parse = |a: &Option<String>| a.as_deref().and_then(|a| a.parse::<rust_decimal::Decimal>().ok());
            let (ht, ttc) = (parse(&d.total_ht), parse(&d.total_ttc));
            let sign = if d.kind == DocumentKind::CreditNote {
                -rust_decimal::Decimal::ONE
            } else {
                rust_decimal::Decimal::ONE
            };
            self.omitted.total_ht += sign * ht.unwrap_or_default();
            self.omitted.total_ttc += sign * ttc.unwrap_or_default();
            if ht.is_none() || ttc.is_none() {
                self.omitted.unknown_amounts += 1;
            }
        }
    }

    /// Where the entries stand, before an input.
    pub fn entries_mark(&self) -> EntriesMark {
        EntriesMark { customers: self.customers.len(), documents: self.documents.len(), omitted: self.omitted.clone() }
    }

    /// An input failed: nothing of it was written, so what it said it created, matched or
    /// updated is void. Its failures and skipped documents stay, listed or counted.
    pub fn void_input(&mut self, mark: &EntriesMark, path: &str) {
        let mut i = 0;
        self.customers.retain(|c| {
            i += 1;
            i <= mark.customers || c.input != path || c.action == CustomerAction::Failed
        });
        let mut i = 0;
        self.documents.retain(|d| {
            i += 1;
            i <= mark.documents || d.input != path || d.action != DocumentAction::Created
        });
        // Of the entries left out since the mark, only the failures (and skips) stay.
        let (was, now) = (&mark.omitted, &mut self.omitted);
        let failed = CustomerAction::Failed as usize;
        let mut kept = was.clone();
        kept.customers[failed] = now.customers[failed];
        for a in [DocumentAction::SkippedAlreadyConverted, DocumentAction::Skipped, DocumentAction::Failed] {
            kept.documents[a as usize] = now.documents[a as usize];
        }
        *now = kept;
        self.customers_omitted = now.customers.iter().sum();
        self.documents_omitted = now.documents.iter().sum();
    }

    pub fn failed(&self) -> bool {
        self.inputs.iter().any(|i| i.status == Status::Failed)
            || !self.errors.is_empty()
            || self.totals.customers_failed > 0
            || self.totals.documents_failed > 0
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }

    /// The summary printed for people after `convert`, in English.
    pub fn human(&self) -> String {
        self.human_for(SummaryFor::Convert, Lang::En)
    }

    /// The summary for people in `lang`; `to` says where the details not shown are
    /// (`--report` for `convert`, the `.report.json` kept with the file for `watch`).
    /// Warning and error messages are shown as they are (in English for now).
    pub fn human_for(&self, to: SummaryFor, lang: Lang) -> String {
        let mut s = String::new();
        for i in &self.inputs {
            let what = match (&i.platform, &i.kind) {
                (Some(p), Some(k)) => t!(lang, Msg::SumWhat, platform = p, kind = kind_label(k, lang)),
                _ => Msg::SumUnrecognised.text(lang).to_string(),
            };
            let path = &i.path;
            match i.status {
                Status::Ok => {
                    let _ = writeln!(s, "{}", t!(lang, Msg::SumOk, path = path, what = what, records = i.records));
                    self.files_of(&mut s, i, lang);
                    for j in &i.joined_to {
                        let _ = writeln!(s, "{}", t!(lang, Msg::SumJoined, input = j));
                    }
                }
                Status::Partial => {
                    let failed = self.errors.iter().filter(|e| e.input == i.path).count();
                    let _ = writeln!(
                        s,
                        "{}",
                        t!(lang, Msg::SumPartial, path = path, what = what, records = i.records, failed = failed)
                    );
                    self.files_of(&mut s, i, lang);
                }
                Status::Failed => {
                    let _ = writeln!(s, "{}", t!(lang, Msg::SumFailed, path = path, what = what));
                    if let Some(e) = &i.error {
                        for line in e.lines() {
                            let _ = writeln!(s, "        {line}");
                        }
                    }
                }
            }
        }
        let t = &self.totals;
        if t.customers_created
            + t.customers_matched
            + t.customers_updated
            + t.customers_single_account
            + t.customers_failed
            > 0
        {
            let dry = self.dry_run;
            let line = if t.customers_issued_before > 0 {
                t!(
                    lang,
                    if dry { Msg::SumCustomersIssuedBeforeDry } else { Msg::SumCustomersIssuedBefore },
                    created = t.customers_created - t.customers_issued_before,
                    before = t.customers_issued_before,
                    matched = t.customers_matched,
                    updated = t.customers_updated,
                    single = t.customers_single_account,
                    failed = t.customers_failed
                )
            } else {
                t!(
                    lang,
                    if dry { Msg::SumCustomersDry } else { Msg::SumCustomers },
                    created = t.customers_created,
                    matched = t.customers_matched,
                    updated = t.customers_updated,
                    single = t.customers_single_account,
                    failed = t.customers_failed
                )
            };
            let _ = writeln!(s, "{line}");
        }
        if t.documents_created + t.documents_skipped_already_converted + t.documents_skipped + t.documents_failed > 0 {
            let pieces = match &self.pieces {
                Some((first, last)) if first == last => t!(lang, Msg::SumPiece, piece = first),
                Some((first, last)) => t!(lang, Msg::SumPieces, first = first, last = last),
                None => String::new(),
            };
            let credit_notes = match t.credit_notes_created {
                0 => String::new(),
                n => t!(lang, Msg::SumCreditNotes, n = n),
            };
            let line = t!(
                lang,
                if self.dry_run { Msg::SumDocumentsDry } else { Msg::SumDocuments },
                created = t.documents_created,
                pieces = pieces,
                credit_notes = credit_notes,
                already = t.documents_skipped_already_converted,
                skipped = t.documents_skipped,
                failed = t.documents_failed
            );
            let _ = writeln!(s, "{line}");
        }
        if self.customers_omitted + self.documents_omitted > 0 {
            let line = t!(
                lang,
                Msg::SumOmitted,
                cap = ENTRIES_CAP,
                customers = self.customers_omitted,
                documents = self.documents_omitted
            );
            let _ = writeln!(s, "{line}");
        }
        errors_grouped(&mut s, &self.errors, to, lang);
        if !self.warnings.is_empty() {
            // Grouped by kind, a few examples each: the JSON report has them all.
            // Kinds read as the reader's language names them: `tronqué` in French.
            let mut kinds: Vec<(&str, Vec<&Warning>)> = Vec::new();
            for w in &self.warnings {
                let label = warning_label(w.kind, lang);
                match kinds.iter_mut().find(|(k, _)| *k == label) {
                    Some((_, v)) => v.push(w),
                    None => kinds.push((label, vec![w])),
                }
            }
            let counts: Vec<String> =
                kinds.iter().map(|(k, v)| format!("{} {k}", v.iter().map(|w| w.count).sum::<u64>())).collect();
            let total: u64 = self.warnings.iter().map(|w| w.count).sum();
            let _ = writeln!(s, "{}", t!(lang, Msg::SumWarnings, total = total, counts = counts.join(", ")));
            const SHOWN: usize = 3;
            for (kind, list) in &kinds {
                for w in list.iter().take(SHOWN) {
                    let times = if w.count > 1 { t!(lang, Msg::SumWarningTimes, n = w.count) } else { String::new() };
                    let (record, message) = (subject(&w.record, lang), warning_message(w, lang));
                    let (colon, field) = (colon(lang), field_prefix(&w.field, lang));
                    let _ = writeln!(s, "  [{kind}] {record}{colon}{field}{message}{times}");
                }
                if list.len() > SHOWN {
                    let more = list.len() - SHOWN;
                    let msg = match to {
                        SummaryFor::Convert => Msg::SumWarningsMoreConvert,
                        SummaryFor::Watch => Msg::SumWarningsMoreWatch,
                    };
                    let _ = writeln!(s, "{}", t!(lang, msg, kind = kind, more = more));
                }
            }
        }
        if self.dry_run {
            let _ = writeln!(s, "{}", Msg::SumDryRun.text(lang));
        }
        s
    }

    /// The files written for input `i`, or those a dry run would write, one a line.
    fn files_of(&self, s: &mut String, i: &InputReport, lang: Lang) {
        for o in &i.outputs {
            let _ = writeln!(s, "        → {o}");
        }
        for o in &i.would_write {
            let _ = writeln!(s, "{}", t!(lang, Msg::SumWouldWrite, path = o));
        }
    }
}

/// A warning kind as a person reads it: its report name in English (`truncated`), its label
/// in French (`tronqué`). The JSON always holds the report name.
pub fn warning_label(kind: WarningKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => kind.as_str(),
        Lang::Fr => kind.french().0,
    }
}

/// What a warning kind means, one sentence in `lang`.
pub fn warning_meaning(kind: WarningKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => kind.meaning_en(),
        Lang::Fr => kind.french().1,
    }
}

/// A warning's message in `lang`: the French text when the catalogue gave one, else the
/// English message as the JSON has it.
pub fn warning_message(w: &Warning, lang: Lang) -> &str {
    match (lang, &w.message_fr) {
        (Lang::Fr, Some(fr)) => fr,
        _ => &w.message,
    }
}

/// The record a warning or an error names, in `lang`: the subjects are built from a few
/// words ("order #1001 (line 12), client WEB000530", "customer 530 (row 4)", "record 3"),
/// which French readers get in French; codes, numbers and tags stay as they are.
pub fn subject(record: &str, lang: Lang) -> std::borrow::Cow<'_, str> {
    if lang == Lang::En {
        return record.into();
    }
    const WORDS: &[(&str, &str)] = &[
        ("order ", "commande "),
        ("customer ", "client "),
        ("record ", "enregistrement "),
        ("line ", "ligne "),
        ("row ", "ligne "),
        ("sheet ", "feuille "),
    ];
    let mut out = String::with_capacity(record.len() + 16);
    let mut rest = record;
    'scan: while !rest.is_empty() {
        // A word is replaced only at the start of a word of the subject.
        let at_word = out.is_empty() || out.ends_with([' ', '(', ',']);
        if at_word {
            for (en, fr) in WORDS {
                if let Some(after) = rest.strip_prefix(en) {
                    out.push_str(fr);
                    rest = after;
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.into()
}

/// A kind of input as people read it (`orders` → "commandes"); the JSON keeps the key.
pub fn kind_label(kind: &str, lang: Lang) -> String {
    match kind {
        "orders" => Msg::KindOrders.text(lang).to_string(),
        "customers" => Msg::KindCustomers.text(lang).to_string(),
        other => other.to_string(),
    }
}

/// Who reads the summary: it names where the rest of the details are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFor {
    Convert,
    Watch,
}

/// Errors for people: per input, the same problem met by many records is one line, counted,
/// with its first records; past `GROUPS` problems an input's rest is counted. The JSON report
/// keeps every entry. Messages that differ only in quoted values and numbers ("line 1 ('Bol')
/// has no SKU", "line 2 ('Tasse') has no SKU") are the same problem.
/// One problem of an input: its first error and every record that met it.
type ErrorGroup<'a> = (&'a RecordError, Vec<&'a str>);

fn errors_grouped(s: &mut String, errors: &[RecordError], to: SummaryFor, lang: Lang) {
    const GROUPS: usize = 10;
    const EXAMPLES: usize = 3;
    // Inputs in their order, each with its problems in order of appearance (first error,
    // records): indexed, so a million distinct errors stay linear.
    let mut inputs: Vec<(&str, Vec<ErrorGroup>)> = Vec::new();
    let mut index: rustc_hash::FxHashMap<(&str, &str, String), (usize, usize)> = Default::default();
    let mut input_of: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for e in errors {
        let i = *input_of.entry(&e.input).or_insert_with(|| {
            inputs.push((&e.input, Vec::new()));
            inputs.len() - 1
        });
        let key = (e.input.as_str(), e.field.as_str(), shape(&e.message));
        match index.get(&key) {
            Some(&(i, g)) => inputs[i].1[g].1.push(&e.record),
            None => {
                let groups = &mut inputs[i].1;
                index.insert(key, (i, groups.len()));
                groups.push((e, vec![&e.record]));
            }
        }
    }
    for (input, groups) in &inputs {
        let total: usize = groups.iter().map(|(_, r)| r.len()).sum();
        let _ = writeln!(s, "{}", t!(lang, Msg::SumErrorsIn, n = total, input = input));
        for (e, records) in groups.iter().take(GROUPS) {
            if records.len() == 1 {
                let (record, message) = (subject(&e.record, lang), error_message(e, lang));
                let (colon, field) = (colon(lang), field_prefix(&e.field, lang));
                let _ = writeln!(s, "  {record}{colon}{field}{message}");
                continue;
            }
            let mut shown: Vec<String> = records.iter().take(EXAMPLES).map(|r| subject(r, lang).into_owned()).collect();
            if records.len() > EXAMPLES {
                shown.push("...".into());
            }
            let line = t!(
                lang,
                Msg::SumErrorsAlike,
                field = field_prefix(&e.field, lang),
                message = error_message(e, lang),
                n = records.len(),
                records = shown.join(", ")
            );
            let _ = writeln!(s, "{line}");
        }
        if groups.len() > GROUPS {
            let rest: usize = groups[GROUPS..].iter().map(|(_, r)| r.len()).sum();
            let kinds = groups.len() - GROUPS;
            let msg = match to {
                SummaryFor::Convert => Msg::SumErrorsMoreConvert,
                SummaryFor::Watch => Msg::SumErrorsMoreWatch,
            };
            let _ = writeln!(s, "{}", t!(lang, msg, rest = rest, kinds = kinds));
        }
    }
}

/// A message with its quoted values and numbers blanked: what makes two errors the same kind.
/// A quote opens after a non-letter and closes before one, so an apostrophe inside a quoted
/// name ('Savon au lait d'ânesse') does not end it.
pub(crate) fn shape(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    let mut digits = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '\'' {
            let before = i > 0 && chars[i - 1].is_alphanumeric();
            let after = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            if (!quoted && !before) || (quoted && !after) {
                quoted = !quoted;
                out.push(c);
            } else if !quoted {
                out.push(c);
            }
            digits = false;
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            out.push(c);
            digits = false;
        }
    }
    out
}

fn field_prefix(field: &str, lang: Lang) -> String {
    if field.is_empty() { String::new() } else { format!("{field}{}", colon(lang)) }
}

/// ": " in English, " : " in French (a space before the colon, as French writes it).
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ": ",
        Lang::Fr => " : ",
    }
}

#[cfg(test)]
mod tally_tests {
    use super::*;
    use rust_decimal::Decimal;

    /// The buffer taken into holds one record's entries, each once, in order: never the
    /// previous record's, though its memory is handed back for the next.
    #[test]
    fn a_record_taken_into_a_reused_buffer_holds_its_own_entries_only() {
        let mut w = Warnings::new("orders.csv");
        w.track_records();
        let mut taken = vec![99];
        w.push(WarningKind::Guessed, "order #1", "a", "one");
        w.push(WarningKind::Guessed, "order #1", "b", "two");
        w.push(WarningKind::Guessed, "order #1", "a", "one");
        w.take_record_into(&mut taken);
        assert_eq!(taken, [0, 1]);
        w.push(WarningKind::Guessed, "order #2", "b", "two");
        w.take_record_into(&mut taken);
        assert_eq!(taken, [1]);
        w.take_record_into(&mut taken);
        assert!(taken.is_empty(), "a record without warnings");
        assert!(w.take_record().is_empty());
    }

    #[test]
    fn past_its_kinds_cap_a_warning_is_counted_and_a_keyed_one_not_even_made() {
        let mut w = Warnings::new("orders.csv");
        let kind = WarningKind::AddressDiffers;
        for n in 0..KIND_CAP {
            if n % 2 == 0 {
                w.push(kind, &format!("order #{n}"), "billing", format!("client C{n}: other address"));
            } else {
                w.push_keyed(n as u64, kind, &format!("order #{n}"), &"billing", || format!("client C{n}: keyed"));
            }
        }
        assert_eq!(w.len(), KIND_CAP);
        // A listed warning given again is still its entry's, past the cap, keyed or not.
        w.push(kind, "order #9000", "billing", "client C0: other address".to_string());
        w.push_keyed(1, kind, &"order #9001", &"billing", || -> String { panic!("a repeat is not formatted") });
        assert_eq!((w.list[0].count, w.list[1].count), (2, 2));
        assert_eq!(
            (w.list[0].also.clone(), w.list[1].also.clone()),
            (vec!["order #9000".to_string()], vec!["order #9001".to_string()])
        );
        // New ones are counted in one entry; a keyed one's message is never made.
        w.push(kind, "order #9002", "billing", "client C9002: other address".to_string());
        for n in 0..3u64 {
            w.push_keyed(10_000 + n, kind, &format!("order #{n}x"), &"billing", || -> String {
                panic!("a warning past the cap is not formatted")
            });
        }
        assert_eq!(w.len(), KIND_CAP + 1);
        let overflow = &w.list[KIND_CAP];
        assert_eq!((overflow.kind, overflow.count, overflow.record.as_str()), (kind, 4, "order #9002"));
        assert!(overflow.message.contains("more 'address_differs' warnings than the 2000"), "{}", overflow.message);
        assert_eq!(overflow.also, ["order #0x", "order #1x", "order #2x"]);
        // Another kind is not capped by this one.
        w.push(WarningKind::Truncated, "order #1", "Intitule", "cut".to_string());
        assert_eq!((w.len(), w.list[KIND_CAP + 1].kind), (KIND_CAP + 2, WarningKind::Truncated));
    }

    #[test]
    fn every_warning_kind_has_a_french_label_and_a_meaning_in_both_languages() {
        let mut labels = std::collections::HashSet::new();
        for &k in WarningKind::ALL {
            let (label, fr) = k.french();
            let en = k.meaning_en();
            assert!(!label.trim().is_empty() && !fr.trim().is_empty() && !en.trim().is_empty(), "{k:?}");
            assert_ne!(fr, en, "{k:?}: the French meaning is the English one");
            // Two kinds with one label could not be told apart in a French summary.
            assert!(labels.insert(label), "{k:?}: the label {label:?} is another kind's");
            assert_eq!(warning_label(k, Lang::En), k.as_str());
            assert_eq!(warning_label(k, Lang::Fr), label);
        }
    }

    #[test]
    fn subjects_read_in_french_words_only() {
        let fr = |r: &str| subject(r, Lang::Fr).into_owned();
        assert_eq!(fr("order #1001 (line 12)"), "commande #1001 (ligne 12)");
        assert_eq!(
            fr("#CCLI order #1003 (line 6), client SHO000002"),
            "#CCLI commande #1003 (ligne 6), client SHO000002"
        );
        assert_eq!(fr("customer 530 (row 4)"), "client 530 (ligne 4)");
        // Inside a word or a code, nothing changes.
        assert_eq!(fr("order BORDER-1 (line 2)"), "commande BORDER-1 (ligne 2)");
        assert_eq!(fr("client RECORDER"), "client RECORDER");
        assert_eq!(subject("order #1 (line 2)", Lang::En), "order #1 (line 2)");
    }

    #[test]
    fn a_warning_from_the_catalogue_reads_in_french_and_keeps_english_for_the_json() {
        use crate::i18n::Msg;
        let mut w = Warnings::new("in.csv");
        w.push(
            WarningKind::InvalidValue,
            "order #1 (line 2)",
            "paid_at",
            crate::said!(Msg::WarnNotADate, value = "hier"),
        );
        w.push(
            WarningKind::InvalidValue,
            "order #2 (line 3)",
            "paid_at",
            crate::said!(Msg::WarnNotADate, value = "hier"),
        );
        w.push(WarningKind::InvalidValue, "order #3 (line 4)", "paid_at", "'hier' is not a date: ignored");
        assert_eq!(w.list.len(), 1, "the same warning, counted, whoever gave it");
        assert_eq!(w.list[0].count, 3);
        let json = serde_json::to_value(&w.list[0]).unwrap();
        assert_eq!(json["message"], "'hier' is not a date: ignored");
        assert!(json.get("message_fr").is_none(), "{json}");
        assert_eq!(warning_message(&w.list[0], Lang::Fr), "'hier' n'est pas une date : ignorée");
        assert_eq!(warning_message(&w.list[0], Lang::En), "'hier' is not a date: ignored");
        // A message outside the catalogue reads as it is in both languages.
        w.push(WarningKind::Guessed, "order #4", "x", "as given");
        assert_eq!(warning_message(&w.list[1], Lang::Fr), "as given");
    }

    #[test]
    fn errors_alike_but_for_their_values_are_one_problem() {
        let a = shape("line 1 ('Bougie « Figuier » 180 g') has no SKU; set unknown_article = \"divers\"");
        let b = shape("line 12 ('Savon au lait d'ânesse 100 g') has no SKU; set unknown_article = \"divers\"");
        assert_eq!(a, b);
        assert_eq!(a, "line # ('') has no SKU; set unknown_article = \"divers\"");
        assert_ne!(shape("'x' is not a number"), shape("'x' is not a date"));
        assert_eq!(shape("l'adresse de l'Industrie"), "l'adresse de l'Industrie");
    }

    fn document(input: &str, n: usize, action: DocumentAction) -> DocumentReport {
        DocumentReport {
            input: input.into(),
            order: format!("#{n}"),
            customer: "WEB1".into(),
            piece: String::new(),
            lines: 1,
            action,
            detail: String::new(),
            kind: DocumentKind::Invoice,
            invoice: None,
            total_ht: Some("10.00".into()),
            total_ttc: Some("12.00".into()),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_huge_run_lists_its_first_entries_and_counts_the_others() {
        let mut r = Report { keep: true, ..Default::default() };
        for n in 0..ENTRIES_CAP {
            r.add_document(document("a.csv", n, DocumentAction::Created));
        }
        // Up to the cap, the report is the one of a normal run: no new key.
        assert!(!r.to_json().contains("documents_omitted") && !r.to_json().contains("customers_omitted"));
        assert!(!r.human().contains("left out"));
        r.add_document(document("a.csv", 1, DocumentAction::Failed));
        let mark = r.entries_mark();
        for n in 0..7 {
            r.add_document(document("b.csv", n, DocumentAction::Created));
        }
        r.add_document(document("b.csv", 8, DocumentAction::Failed));
        assert_eq!((r.documents.len(), r.documents_omitted), (ENTRIES_CAP, 9));
        assert_eq!(r.totals.documents_created as usize, ENTRIES_CAP + 7);
        assert_eq!(r.omitted.total_ttc, Decimal::from(84));
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["documents_omitted"], 9);
        assert!(json.get("customers_omitted").is_none());
        assert!(r.human().contains("9 document entries left out"), "{}", r.human());
        // b.csv failed: what it created is void, its failure stays counted.
        r.void_input(&mark, "b.csv");
        assert_eq!(r.documents_omitted, 2);
        assert_eq!(r.omitted.documents, [0, 0, 0, 2]);
        assert_eq!(r.omitted.total_ttc, Decimal::ZERO);
    }

    #[test]
    fn a_failed_input_keeps_its_failures_and_skips_not_its_creations() {
        let before = Tally { documents_created: 2, documents_skipped: 1, ..Default::default() };
        let mut now = before;
        now.documents_created += 5;
        now.customers_created += 3;
        now.documents_skipped += 2;
        now.documents_skipped_already_converted += 4;
        now.documents_failed += 1;
        let kept = now.keep_failures_since(&before);
        assert_eq!(
            kept,
            Tally {
                documents_created: 2,
                documents_skipped: 3,
                documents_skipped_already_converted: 4,
                documents_failed: 1,
                ..Default::default()
            }
        );
    }
}
