//! The kinds of warning a run reports (`"kind"` in the report's warnings): one variant per
//! kind, its English snake_case name written once, in `kinds!` below. The names are part of
//! the report's contract: they never change with the language, and a new kind is a new
//! variant. Each kind also carries what it means, in English and in French, with a short
//! French label: a kind without them does not compile. A leaf: it uses no other module, so every stage and the report's renderings
//! (console, JSON, HTML, the French/English catalogue) can use it.

macro_rules! kinds {
    ($( $var:ident = $name:literal { en: $en:literal, fr: $fr_label:literal, $fr:literal, } )*) => {
        /// What a warning is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum WarningKind {
            $( #[doc = $en] $var, )*
        }

        impl WarningKind {
            pub const ALL: &'static [WarningKind] = &[$(WarningKind::$var),*];

            /// The name in the report (`truncated`, `transliterated`...).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(WarningKind::$var => $name,)*
                }
            }

            /// What the kind means, in English: one sentence for people (the HTML report).
            pub const fn meaning_en(self) -> &'static str {
                match self {
                    $(WarningKind::$var => $en,)*
                }
            }

            /// (label, meaning) in French: the label replaces the English name where a
            /// person reads in French (console summary, HTML report); the JSON keeps the name.
            pub const fn french(self) -> (&'static str, &'static str) {
                match self {
                    $(WarningKind::$var => ($fr_label, $fr),)*
                }
            }
        }
    };
}

kinds! {
    AddressDiffers = "address_differs" {
        en: "The delivery address is none of the client's addresses, and none is added.",
        fr: "adresse différente", "L’adresse de livraison n’est aucune des adresses du client, et aucune n’est ajoutée.",
    }
    AmbiguousMatch = "ambiguous_match" {
        en: "A search key (SIRET, e-mail, VAT number) finds several clients: no guess.",
        fr: "recherche ambiguë", "Une clé de recherche (SIRET, e-mail, n° de TVA) trouve plusieurs clients : aucun n’est choisi au hasard.",
    }
    BlankRefused = "blank_refused" {
        en: "`[customers.fields]` gives an empty value for a field an update would blank: kept.",
        fr: "effacement refusé", "[customers.fields] donne une valeur vide pour un champ qu’une mise à jour effacerait : la valeur existante est gardée.",
    }
    ClientList = "client_list" {
        en: "A note on the client list read (a duplicate, an invalid key, a re-encoded export...).",
        fr: "liste des clients", "Une remarque sur la liste des clients lue (doublon, clé invalide, export réencodé...).",
    }
    CodeSource = "code_source" {
        en: "The client code comes from the counter, not the shop id (`source = \"auto\"`).",
        fr: "origine du code", "Le code client vient du compteur, pas de l’identifiant de la boutique (source = \"auto\").",
    }
    CompanionUnused = "companion_unused" {
        en: "A companion file (PrestaShop resources, Magento addresses) that no input of the run needed.",
        fr: "fichier complémentaire inutilisé", "Un fichier complémentaire (ressources PrestaShop, adresses Magento) dont aucun fichier du traitement n’avait besoin.",
    }
    CounterSkipped = "counter_skipped" {
        en: "A counter number whose code is taken: the next one is used.",
        fr: "numéro du compteur sauté", "Le code d’un numéro du compteur est déjà pris : le suivant est utilisé.",
    }
    CreditNoteSign = "credit_note_sign" {
        en: "Credit notes are written with positive amounts, which is unverified.",
        fr: "signe des avoirs", "Les avoirs sont écrits avec des montants positifs, ce qui reste à vérifier dans Sage.",
    }
    Currency = "currency" {
        en: "Orders in another currency than the euro: amounts written as given.",
        fr: "devise", "Commandes dans une autre devise que l’euro : montants écrits tels quels.",
    }
    DelimiterRemoved = "delimiter_removed" {
        en: "The delimiter inside a value of a delimited import paramétrable file: replaced.",
        fr: "séparateur retiré", "Le séparateur apparaît dans une valeur d’un fichier délimité d’import paramétrable : il est remplacé.",
    }
    Discount = "discount" {
        en: "A discount written otherwise than the profile says (no line to go on, no VAT rate).",
        fr: "remise", "Une remise écrite autrement que le profil le demande (pas de ligne où la porter, pas de taux de TVA).",
    }
    DiversArticle = "divers_article" {
        en: "A line without a known article goes on the `divers_article`.",
        fr: "article divers", "Une ligne sans article connu est portée sur l’article divers (divers_article).",
    }
    Guessed = "guessed" {
        en: "A value the export does not give, guessed (a date, an account, a tax basis...).",
        fr: "valeur déduite", "Une valeur que l’export ne donne pas, déduite (une date, un compte, une base de taxe...).",
    }
    Html = "html" {
        en: "HTML in a name or note (WooCommerce): tags removed, entities decoded.",
        fr: "HTML retiré", "Du HTML dans un nom ou une note (WooCommerce) : balises retirées, entités décodées.",
    }
    IntituleFallback = "intitule_fallback" {
        en: "A customer with neither name nor company: the intitulé is its e-mail or its code.",
        fr: "intitulé de repli", "Un client sans nom ni société : l’intitulé est son e-mail ou son code.",
    }
    InvalidCharacters = "invalid_characters" {
        en: "Characters a field does not allow (`A-Z0-9` only): removed.",
        fr: "caractères retirés", "Des caractères qu’un champ n’admet pas (A-Z0-9 seulement) : retirés.",
    }
    InvalidValue = "invalid_value" {
        en: "A value that is not what the field holds (a malformed SIRET, a number that is not one...).",
        fr: "valeur invalide", "Une valeur qui n’est pas ce que le champ contient (SIRET mal formé, nombre qui n’en est pas un...).",
    }
    Ledger = "ledger" {
        en: "The ledger could not record or confirm an input; the next run settles it.",
        fr: "registre", "Le registre n’a pas pu enregistrer ou confirmer un fichier ; le traitement suivant le régularise.",
    }
    LedgerRecovered = "ledger_recovered" {
        en: "A batch of the ledger a crash left open, settled when the run started.",
        fr: "registre rétabli", "Un lot du registre laissé ouvert par un arrêt brutal, régularisé au démarrage.",
    }
    LineBreakRemoved = "line_break_removed" {
        en: "A line break inside a value of a delimited import paramétrable file: replaced.",
        fr: "saut de ligne retiré", "Un saut de ligne dans une valeur d’un fichier délimité d’import paramétrable : remplacé.",
    }
    MissingAddress = "missing_address" {
        en: "A customer without address in the run's address file (Magento).",
        fr: "adresse manquante", "Un client sans adresse dans le fichier d’adresses du traitement (Magento).",
    }
    MovedToComplement = "moved_to_complement" {
        en: "An address line longer than its field: its end moved to Complément.",
        fr: "reporté en complément", "Une ligne d’adresse plus longue que son champ : la fin passe dans Complément.",
    }
    NoLine = "no_line" {
        en: "A document without lines: nothing of it in the document-line templates.",
        fr: "pièce sans ligne", "Une pièce sans lignes : rien d’elle dans les modèles de lignes de document.",
    }
    NoOutput = "no_output" {
        en: "Nothing new to import in an input: no file written.",
        fr: "rien à importer", "Rien de nouveau à importer dans un fichier : aucun fichier écrit.",
    }
    PartiallyRefunded = "partially_refunded" {
        en: "An order refunded in part, invoiced whole (`refunds = \"skip\"`).",
        fr: "remboursement partiel", "Une commande remboursée en partie, facturée en entier (refunds = \"skip\").",
    }
    PaymentMethod = "payment_method" {
        en: "A payment method not in `[orders.payment_methods]`: the default mode de règlement.",
        fr: "mode de règlement", "Un moyen de paiement absent de [orders.payment_methods] : le mode de règlement par défaut.",
    }
    Piece = "piece" {
        en: "Characters a piece number cannot hold, removed (said once per input).",
        fr: "n° de pièce", "Des caractères qu’un n° de pièce ne peut pas contenir, retirés (dit une fois par fichier).",
    }
    PieceCollision = "piece_collision" {
        en: "A piece number another order already has: this one gets a letter.",
        fr: "n° de pièce en double", "Un n° de pièce qu’une autre commande a déjà : celui-ci reçoit une lettre.",
    }
    PieceSage = "piece_sage" {
        en: "Documents written without piece number, for Sage to number (`piece = \"sage\"`).",
        fr: "numérotation Sage", "Pièces écrites sans numéro, numérotées par Sage (piece = \"sage\").",
    }
    PriceNotConverted = "price_not_converted" {
        en: "A price the profile wants on the other tax basis, without a known VAT rate: as given.",
        fr: "prix non converti", "Un prix que le profil veut sur l’autre base de taxe, sans taux de TVA connu : tel quel.",
    }
    Prices = "prices" {
        en: "The totals suggest another tax basis than `prices_include_tax` says.",
        fr: "base des prix", "Les totaux suggèrent une autre base de taxe que celle de prices_include_tax.",
    }
    Refund = "refund" {
        en: "A refund credited otherwise than the export states it line by line, or not credited.",
        fr: "remboursement", "Un remboursement crédité autrement que l’export le détaille ligne par ligne, ou non crédité.",
    }
    RefundProrated = "refund_prorated" {
        en: "A refund without its lines, spread over the invoice's lines.",
        fr: "remboursement réparti", "Un remboursement sans ses lignes, réparti sur les lignes de la facture.",
    }
    Reissued = "reissued" {
        en: "A code issued by an earlier run whose client is not in the list yet: written again.",
        fr: "code réémis", "Un code émis par un traitement précédent dont le client n’est pas encore dans la liste : écrit de nouveau.",
    }
    Repadded = "repadded" {
        en: "A number Excel stripped of its leading zeros (postcode, phone, SIRET): re-padded.",
        fr: "zéros rétablis", "Un nombre dont Excel a retiré les zéros de tête (code postal, téléphone, SIRET) : complété.",
    }
    Rounded = "rounded" {
        en: "A number with more decimals than the template writes: rounded.",
        fr: "arrondi", "Un nombre avec plus de décimales que le modèle n’en écrit : arrondi.",
    }
    Skipped = "skipped" {
        en: "A record or line left out (a status not converted, a quantity of 0, a row without order...).",
        fr: "écarté", "Un enregistrement ou une ligne écarté (statut non converti, quantité 0, ligne sans commande...).",
    }
    SplitOrder = "split_order" {
        en: "A PrestaShop reference shared by orders of one split cart.",
        fr: "panier scindé", "Une référence PrestaShop partagée par les commandes d’un même panier scindé.",
    }
    TagLike = "tag_like" {
        en: "A value starting with `#`, which would read as a record tag: the `#` removed.",
        fr: "# retiré", "Une valeur qui commence par # et se lirait comme une étiquette d’enregistrement : le # est retiré.",
    }
    TaxCodeMissing = "tax_code_missing" {
        en: "A VAT rate without code taxe in `[orders.tax_codes]`: the code left empty.",
        fr: "code taxe manquant", "Un taux de TVA sans code taxe dans [orders.tax_codes] : le code est laissé vide.",
    }
    TaxRateUnknown = "tax_rate_unknown" {
        en: "A line whose VAT rate the export does not give: Sage applies the article's.",
        fr: "taux de TVA inconnu", "Une ligne dont l’export ne donne pas le taux de TVA : Sage applique celui de l’article.",
    }
    TemplateFieldMissing = "template_field_missing" {
        en: "A field of the template client the client list does not carry (once per run).",
        fr: "champ du modèle absent", "Un champ du client modèle que la liste des clients ne contient pas (une fois par traitement).",
    }
    Totals = "totals" {
        en: "The document's lines do not add up to the shop's total, or could not be checked.",
        fr: "totaux", "Les lignes de la pièce ne font pas le total de la boutique, ou n’ont pas pu être vérifiées.",
    }
    Transliterated = "transliterated" {
        en: "Characters the code page lacks, replaced (`œ` → `oe`, `€` → `EUR`...).",
        fr: "translittéré", "Des caractères absents de la page de code, remplacés (œ → oe, € → EUR...).",
    }
    Truncated = "truncated" {
        en: "Text longer than its field, cut.",
        fr: "tronqué", "Un texte plus long que son champ, coupé.",
    }
    UnknownCountry = "unknown_country" {
        en: "A country name or code not recognised: left empty.",
        fr: "pays inconnu", "Un nom ou code de pays non reconnu : laissé vide.",
    }
    UnresolvedEntity = "unresolved_entity" {
        en: "An XML entity that could not be resolved, kept as written.",
        fr: "entité non résolue", "Une entité XML qui n’a pas pu être résolue, gardée telle qu’écrite.",
    }
    UnusedColumns = "unused_columns" {
        en: "Columns of an input that hold data and are not read.",
        fr: "colonnes non lues", "Des colonnes d’un fichier qui contiennent des données et ne sont pas lues.",
    }
    UpdateRefused = "update_refused" {
        en: "An update of an existing client refused (the list cannot give its whole record).",
        fr: "mise à jour refusée", "Une mise à jour d’un client existant refusée (la liste ne donne pas sa fiche entière).",
    }
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
