//! The kinds of warning a run reports (`"kind"` in the report's warnings): one variant per
//! kind, its English snake_case name written once, in `kinds!` below. The names are part of
//! the report's contract: they never change with the language, and a new kind is a new
//! variant. A leaf: it uses no other module, so every stage and the report's renderings
//! (console, JSON, HTML, the French/English catalogue) can use it.

macro_rules! kinds {
    ($( $(#[$doc:meta])* $var:ident = $name:literal, )*) => {
        /// What a warning is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum WarningKind {
            $( $(#[$doc])* $var, )*
        }

        impl WarningKind {
            pub const ALL: &'static [WarningKind] = &[$(WarningKind::$var),*];

            /// The name in the report (`truncated`, `transliterated`...).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(WarningKind::$var => $name,)*
                }
            }
        }
    };
}

kinds! {
    /// The delivery address is none of the client's addresses, and none is added.
    AddressDiffers = "address_differs",
    /// A search key (SIRET, e-mail, VAT number) finds several clients: no guess.
    AmbiguousMatch = "ambiguous_match",
    /// `[customers.fields]` gives an empty value for a field an update would blank: kept.
    BlankRefused = "blank_refused",
    /// A note on the client list read (a duplicate, an invalid key, a re-encoded export...).
    ClientList = "client_list",
    /// The client code comes from the counter, not the shop id (`source = "auto"`).
    CodeSource = "code_source",
    /// A companion file (PrestaShop resources, Magento addresses) that no input of the run needed.
    CompanionUnused = "companion_unused",
    /// A counter number whose code is taken: the next one is used.
    CounterSkipped = "counter_skipped",
    /// Credit notes are written with positive amounts, which is unverified.
    CreditNoteSign = "credit_note_sign",
    /// Orders in another currency than the euro: amounts written as given.
    Currency = "currency",
    /// The delimiter inside a value of a delimited import paramétrable file: replaced.
    DelimiterRemoved = "delimiter_removed",
    /// A discount written otherwise than the profile says (no line to go on, no VAT rate).
    Discount = "discount",
    /// A line without a known article goes on the `divers_article`.
    DiversArticle = "divers_article",
    /// A value the export does not give, guessed (a date, an account, a tax basis...).
    Guessed = "guessed",
    /// HTML in a name or note (WooCommerce): tags removed, entities decoded.
    Html = "html",
    /// A customer with neither name nor company: the intitulé is its e-mail or its code.
    IntituleFallback = "intitule_fallback",
    /// Characters a field does not allow (`A-Z0-9` only): removed.
    InvalidCharacters = "invalid_characters",
    /// A value that is not what the field holds (a malformed SIRET, a number that is not one...).
    InvalidValue = "invalid_value",
    /// The ledger could not record or confirm an input; the next run settles it.
    Ledger = "ledger",
    /// A batch of the ledger a crash left open, settled when the run started.
    LedgerRecovered = "ledger_recovered",
    /// A line break inside a value of a delimited import paramétrable file: replaced.
    LineBreakRemoved = "line_break_removed",
    /// A customer without address in the run's address file (Magento).
    MissingAddress = "missing_address",
    /// An address line longer than its field: its end moved to Complément.
    MovedToComplement = "moved_to_complement",
    /// A document without lines: nothing of it in the document-line templates.
    NoLine = "no_line",
    /// Nothing new to import in an input: no file written.
    NoOutput = "no_output",
    /// An order refunded in part, invoiced whole (`refunds = "skip"`).
    PartiallyRefunded = "partially_refunded",
    /// A payment method not in `[orders.payment_methods]`: the default mode de règlement.
    PaymentMethod = "payment_method",
    /// Characters a piece number cannot hold, removed (said once per input).
    Piece = "piece",
    /// A piece number another order already has: this one gets a letter.
    PieceCollision = "piece_collision",
    /// Documents written without piece number, for Sage to number (`piece = "sage"`).
    PieceSage = "piece_sage",
    /// A price the profile wants on the other tax basis, without a known VAT rate: as given.
    PriceNotConverted = "price_not_converted",
    /// The totals suggest another tax basis than `prices_include_tax` says.
    Prices = "prices",
    /// A refund credited otherwise than the export states it line by line, or not credited.
    Refund = "refund",
    /// A refund without its lines, spread over the invoice's lines.
    RefundProrated = "refund_prorated",
    /// A code issued by an earlier run whose client is not in the list yet: written again.
    Reissued = "reissued",
    /// A number Excel stripped of its leading zeros (postcode, phone, SIRET): re-padded.
    Repadded = "repadded",
    /// A number with more decimals than the template writes: rounded.
    Rounded = "rounded",
    /// A record or line left out (a status not converted, a quantity of 0, a row without order...).
    Skipped = "skipped",
    /// A PrestaShop reference shared by orders of one split cart.
    SplitOrder = "split_order",
    /// A value starting with `#`, which would read as a record tag: the `#` removed.
    TagLike = "tag_like",
    /// A VAT rate without code taxe in `[orders.tax_codes]`: the code left empty.
    TaxCodeMissing = "tax_code_missing",
    /// A line whose VAT rate the export does not give: Sage applies the article's.
    TaxRateUnknown = "tax_rate_unknown",
    /// A field of the template client the client list does not carry (once per run).
    TemplateFieldMissing = "template_field_missing",
    /// The document's lines do not add up to the shop's total, or could not be checked.
    Totals = "totals",
    /// Characters the code page lacks, replaced (`œ` → `oe`, `€` → `EUR`...).
    Transliterated = "transliterated",
    /// Text longer than its field, cut.
    Truncated = "truncated",
    /// A country name or code not recognised: left empty.
    UnknownCountry = "unknown_country",
    /// An XML entity that could not be resolved, kept as written.
    UnresolvedEntity = "unresolved_entity",
    /// Columns of an input that hold data and are not read.
    UnusedColumns = "unused_columns",
    /// An update of an existing client refused (the list cannot give its whole record).
    UpdateRefused = "update_refused",
}

impl WarningKind {
    /// The kind named `name` in a report.
    pub fn from_name(name: &str) -> Option<WarningKind> {
        WarningKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for WarningKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for WarningKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Tests and filters compare a kind with its name.
impl PartialEq<str> for WarningKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for WarningKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_unique_and_serialised_as_they_are() {
        let mut names: Vec<&str> = WarningKind::ALL.iter().map(|k| k.as_str()).collect();
        assert!(names.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), WarningKind::ALL.len());
        for k in WarningKind::ALL {
            assert_eq!(WarningKind::from_name(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_string(k).unwrap(), format!("\"{}\"", k.as_str()));
        }
    }
}
