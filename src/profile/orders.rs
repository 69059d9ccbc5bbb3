//! `[orders]`: how shop orders become Gestion Commerciale sales documents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Devis,
    BonDeCommande,
    BonDeLivraison,
    #[default]
    Facture,
}

impl DocumentType {
    /// #CHEN 2 (Type), 1-based in the file (docs/format-sage.md, document codes): devis 1, commande 2, BL 4,
    /// facture 7.
    pub fn code(self) -> &'static str {
        match self {
            DocumentType::Devis => "1",
            DocumentType::BonDeCommande => "2",
            DocumentType::BonDeLivraison => "4",
            DocumentType::Facture => "7",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    #[default]
    Order,
    Invoice,
    Today,
}

/// How unit prices are written on lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceMode {
    /// As the shop gives them (TTC for a tax-inclusive shop): no conversion, no rounding drift.
    #[default]
    AsShop,
    Ht,
    Ttc,
}

/// Whether the shop's prices include tax, when the export does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBasis {
    /// Inferred from the totals (Shopify), else TTC with a warning.
    #[default]
    Auto,
    Ttc,
    Ht,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownArticle {
    /// The order fails (nothing of it is written).
    #[default]
    Error,
    /// The line goes on `divers_article`, keeping the shop's label, with a warning.
    Divers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountMode {
    /// A line on `discount_article` with a negative price.
    #[default]
    Article,
    /// Spread over the product lines as an amount discount (#CHLI 19 `…F`).
    Line,
}

/// What refunds and cancellations of orders become (resolve/credit.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refunds {
    /// A credit note (facture d'avoir) for what an earlier invoice's order has refunded; an
    /// order partially refunded before its first conversion gets its invoice and a credit
    /// note for the refund, in the same file.
    #[default]
    CreditNote,
    /// No credit note: a refund of a converted order is only said (warning), a partially
    /// refunded order is invoiced whole, as earlier versions did.
    Skip,
}

/// Catégorie comptable (index 1–50 of the dossier's list) by territory of delivery.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Categories {
    pub france: u32,
    /// EU customer with a VAT number (intra-EU delivery, HT).
    pub eu: u32,
    /// EU customer without a VAT number (French VAT or OSS).
    pub eu_b2c: u32,
    /// Outside the EU, and the French overseas departments.
    pub export: u32,
}

impl Default for Categories {
    fn default() -> Self {
        Categories { france: 1, eu: 2, eu_b2c: 1, export: 3 }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersSection {
    pub document_type: DocumentType,
    /// Souche (numbering series), index 1–50.
    pub souche: u32,
    /// Dépôt de stockage, by intitulé; empty = Sage's default.
    pub depot: String,
    pub date: DateSource,
    /// Référence of the document (#CHEN 7, 17 characters): an expression.
    pub reference: String,
    /// N° de pièce (#CHEN 5): an expression such as "WEB{order.number}" (the default), or
    /// `"sage"` to leave the number to Sage's own numbering of the souche (unverified).
    pub piece: String,
    /// Financial statuses imported (case-insensitive); empty = all. Cancelled and refunded
    /// orders are never invoiced (a converted one gets a credit note: `refunds`).
    pub statuses: Vec<String>,
    pub prices: PriceMode,
    pub prices_include_tax: TaxBasis,
    /// SKU → article mapping (CSV: columns SKU and Article).
    pub articles: Option<String>,
    pub unknown_article: UnknownArticle,
    pub divers_article: String,
    pub shipping_article: String,
    /// Carrier (shipping method label) → shipping article.
    pub carriers: BTreeMap<String, String>,
    pub discount: DiscountMode,
    pub discount_article: String,
    /// VAT rate ("20", "5.5") → code taxe of the dossier ("C20").
    pub tax_codes: BTreeMap<String, String>,
    /// Payment method label → mode de règlement index (1–30).
    pub payment_methods: BTreeMap<String, u32>,
    pub default_payment_method: u32,
    /// Days between the document date and the due date (#CHRE 2).
    pub due_days: u32,
    pub accounting_categories: Categories,
    /// Refunds and cancellations of converted orders: credit notes, or nothing.
    pub refunds: Refunds,
    /// Article of a credit-note line for a refunded amount the export does not put on lines.
    pub refund_article: String,
    /// N° de pièce of credit notes: an expression, or `"sage"`.
    pub credit_note_piece: String,
    /// Write the invoice's piece in the credit note's N° FA origine (#CHEN 70) too, besides
    /// its Référence.
    pub credit_note_origin: bool,
}

/// The default piece expression: a prefix and the shop order number (`#1001` → `WEB1001`).
pub const DEFAULT_PIECE: &str = "WEB{order.number}";

/// `piece = "sage"`: Sage numbers the document from its souche (the field is left empty).
pub const PIECE_SAGE: &str = "sage";

/// The default piece expression of credit notes (`#1001` → `AV1001`).
pub const DEFAULT_CREDIT_PIECE: &str = "AV{order.number}";

impl OrdersSection {
    /// `piece = "sage"` (any case), or `piece = ""`: what profiles written by earlier versions
    /// hold, where an empty piece meant Sage's numbering. Read with that meaning so an upgrade
    /// does not stop a drop folder; every run warns (see `advice` and the order builder).
    pub fn piece_by_sage(&self) -> bool {
        let p = self.piece.trim();
        p.is_empty() || p.eq_ignore_ascii_case(PIECE_SAGE)
    }

    /// `credit_note_piece = "sage"` (any case) or empty: Sage numbers the credit notes.
    pub fn credit_piece_by_sage(&self) -> bool {
        let p = self.credit_note_piece.trim();
        p.is_empty() || p.eq_ignore_ascii_case(PIECE_SAGE)
    }
}

impl Default for OrdersSection {
    fn default() -> Self {
        OrdersSection {
            document_type: DocumentType::Facture,
            souche: 1,
            depot: String::new(),
            date: DateSource::Order,
            reference: "{order.number}".into(),
            piece: DEFAULT_PIECE.into(),
            statuses: Vec::new(),
            prices: PriceMode::AsShop,
            prices_include_tax: TaxBasis::Auto,
            articles: None,
            unknown_article: UnknownArticle::Error,
            divers_article: "DIVERS".into(),
            shipping_article: "PORT".into(),
            carriers: BTreeMap::new(),
            discount: DiscountMode::Article,
            discount_article: "REMISE".into(),
            tax_codes: BTreeMap::new(),
            payment_methods: BTreeMap::new(),
            default_payment_method: 1,
            due_days: 0,
            accounting_categories: Categories::default(),
            refunds: Refunds::CreditNote,
            refund_article: "REMBOURSEMENT".into(),
            credit_note_piece: DEFAULT_CREDIT_PIECE.into(),
            credit_note_origin: true,
        }
    }
}

/// "20", "20.0", "20,00 %" → "20"; "5.50" → "5.5": the key of a VAT rate in `tax_codes`.
pub fn rate_key(rate: &rust_decimal::Decimal) -> String {
    rate.normalize().to_string()
}
