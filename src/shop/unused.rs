//! Columns of an export that passerelle does not read. Nothing is dropped without a word: a
//! column that is neither mapped nor known to be of no use for Sage (the dialect's `ignored`
//! list) and holds data in at least one row is named once per input, with the line of
//! `[input.columns]` that would read it.

use super::dialect::{ColumnMap, Dialect};
use crate::table::{Alias, Table, norm_header};

/// Fields the customers reader reads.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "shop_id",
    "email",
    "firstname",
    "lastname",
    "name",
    "company",
    "siret",
    "ape",
    "vat_number",
    "phone",
    "mobile",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country",
];

/// Canonical fields only a customers file has: an order's addresses are `billing_*` and
/// `shipping_*`.
const CUSTOMER_ONLY: &[&str] = &[
    "shop_id",
    "firstname",
    "lastname",
    "name",
    "company",
    "ape",
    "mobile",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country",
];

/// The fields of the address sides of an order (`billing_` or `shipping_` + field).
const ADDRESS_FIELDS: &[&str] =
    &["firstname", "lastname", "name", "company", "address1", "address2", "zip", "city", "state", "country", "phone"];

/// The `[input.columns]` keys of an orders file, said briefly.
const ORDER_KEYS: &str = "order_number, order_id, customer_id, date, email, phone, siret, vat_number, note, currency, \
payment_method, shipping_method, total, taxes, shipping, discount_amount, discount_code, billing_ or shipping_ + \
firstname, lastname, name, company, address1, address2, zip, city, state, country, phone; line_sku, line_name, \
line_quantity, line_price, line_discount, line_tax_rate, line_total, line_tax";

/// Does a file of this kind read `field`?
pub fn reads(kind: &str, field: &str) -> bool {
    match kind {
        "customers" => CUSTOMER_FIELDS.contains(&field),
        _ => crate::shop::CANONICAL_FIELDS.contains(&field) && !CUSTOMER_ONLY.contains(&field),
    }
}

/// What became of the columns of one file.
#[derive(Debug, Clone, Default)]
pub struct ColumnUse {
    kind: String,
    headers: Vec<String>,
    /// Neither read nor ignored, not seen holding data yet.
    pending: Vec<usize>,
    /// Neither read nor ignored, holding data: in the order of the header.
    filled: Vec<usize>,
    /// Known to be of no use for Sage (the dialect's `ignored` list).
    ignored: Vec<usize>,
    /// Mapped (by `[input.columns]`) to a field this kind of file does not read.
    misrouted: Vec<(usize, String)>,
    /// Field → column read, to say what a suggestion would replace.
    mapped: Vec<(String, usize)>,
}

impl ColumnUse {
    /// `also_read`: columns read outside the column map (WebToffee's `line_item_N`).
    pub fn new(table: &Table, dialect: &Dialect, cols: &ColumnMap, also_read: &[usize]) -> ColumnUse {
        let kind = dialect.kind.clone();
        let keys = table.keys();
        let mut read = vec![false; keys.len()];
        let mut misrouted = Vec::new();
        let mut mapped = Vec::new();
        for (field, &i) in &cols.cols {
            if i >= read.len() {
                continue;
            }
            // The dialect's own fields are its reader's business; a profile's mapping to a
            // field this kind of file never reads would be lost.
            if reads(&kind, field) || dialect.columns.contains_key(field) {
                read[i] = true;
                mapped.push((field.clone(), i));
            } else {
                misrouted.push((i, field.clone()));
            }
        }
        for &i in also_read {
            if let Some(r) = read.get_mut(i) {
                *r = true;
            }
        }
        // Another alias of a field the file has (the account e-mail beside the billing
        // e-mail): known, deliberately not the one read. Not a partial alias (`*siret*`): a
        // second column it matches may hold something else.
        for (field, aliases) in &dialect.columns {
            if cols.get(field).is_none() {
                continue;
            }
            for a in aliases.iter().filter(|a| !a.contains('*')).map(|a| Alias::new(a)) {
                for (i, k) in keys.iter().enumerate() {
                    if a.matches(k) {
                        read[i] = true;
                    }
                }
            }
        }
        let ignored_aliases: Vec<Alias> = dialect.ignored.iter().map(|a| Alias::new(a)).collect();
        let (mut pending, mut ignored) = (Vec::new(), Vec::new());
        for (i, k) in keys.iter().enumerate() {
            if read[i] || misrouted.iter().any(|(m, _)| *m == i) || k.is_empty() {
                continue;
            }
            if ignored_aliases.iter().any(|a| a.matches(k)) {
                ignored.push(i);
            } else {
                pending.push(i);
            }
        }
        ColumnUse { kind, headers: table.headers().to_vec(), pending, filled: Vec::new(), ignored, misrouted, mapped }
    }

    /// Notes the columns of the current row that hold data. Cheap: only columns not read and
    /// not yet seen filled are looked at, from their raw bytes.
    pub fn observe(&mut self, table: &Table) {
        if self.pending.is_empty() {
            return;
        }
        let before = self.filled.len();
        let filled = &mut self.filled;
        self.pending.retain(|&i| {
            let blank = table.is_blank(i);
            if !blank {
                filled.push(i);
            }
            blank
        });
        if self.filled.len() != before {
            // In the header's order, whatever row revealed them.
            self.filled.sort_unstable();
        }
    }

    /// Headers of the columns not read that held data in the rows seen.
    pub fn filled(&self) -> Vec<&str> {
        self.filled.iter().filter_map(|&i| self.headers.get(i)).map(String::as_str).collect()
    }

    /// Headers of the columns not read and empty in every row seen.
    pub fn empty(&self) -> Vec<&str> {
        self.pending.iter().filter_map(|&i| self.headers.get(i)).map(String::as_str).collect()
    }

    /// Headers of the columns known to be of no use for Sage.
    pub fn ignored(&self) -> Vec<&str> {
        self.ignored.iter().filter_map(|&i| self.headers.get(i)).map(String::as_str).collect()
    }

    /// The warning: every column not read that holds data, with the `[input.columns]` line
    /// that would read it (or the keys there are), and every mapping this kind of file does
    /// not read. `None` when there is nothing to say.
    pub fn message(&self) -> Option<String> {
        let mut parts = Vec::new();
        let mut unknown = false;
        for &i in &self.filled {
            let header = &self.headers[i];
            match suggest(header, &self.kind) {
                Some(field) => {
                    let instead = self
                        .mapped
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, c)| format!(", instead of \"{}\"", self.headers[*c]))
                        .unwrap_or_default();
                    parts.push(format!("\"{header}\" ({field} = \"{}\"{instead})", toml_escape(header)));
                }
                None => {
                    unknown = true;
                    parts.push(format!("\"{header}\" (no field matches its name)"));
                }
            }
        }
        let mut text = String::new();
        if !parts.is_empty() {
            text = format!(
                "{} column(s) hold data that passerelle does not read: {}. To read one, add its line under [input.columns] of the profile",
                parts.len(),
                parts.join(", ")
            );
            if unknown {
                let keys = if self.kind == "customers" { CUSTOMER_FIELDS.join(", ") } else { ORDER_KEYS.to_string() };
                text.push_str(&format!(" (keys of {} files: {keys})", self.kind));
            }
            text.push('.');
            if !self.ignored.is_empty() {
                text.push_str(&format!(
                    " {} other column(s), known to be of no use in Sage, are not listed.",
                    self.ignored.len()
                ));
            }
        }
        for (i, field) in &self.misrouted {
            let header = &self.headers[*i];
            let better = suggest(header, &self.kind)
                .map(|f| format!(": use {f} = \"{}\"", toml_escape(header)))
                .unwrap_or_default();
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!(
                "\"{header}\" is mapped to {field} in [input.columns], which {} files do not read{better}.",
                self.kind
            ));
        }
        (!text.is_empty()).then_some(text)
    }
}

fn toml_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The canonical field a header most likely holds, among those this kind of file reads: an
/// alias of another export of the same kind, else words of its name (French or English).
pub fn suggest(header: &str, kind: &str) -> Option<String> {
    let key = norm_header(header);
    for d in super::dialect::all().iter().filter(|d| d.kind == kind) {
        for (field, aliases) in &d.columns {
            if reads(kind, field) && aliases.iter().any(|a| !a.contains('*') && Alias::new(a).matches(&key)) {
                return Some(field.clone());
            }
        }
    }
    let words: Vec<&str> = key.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let text = format!(" {} ", words.join(" "));
    let has = |w: &&str| text.contains(&format!(" {w} "));
    const RULES: &[(&[&str], &str)] = &[
        (&["siret"], "siret"),
        (&["tva", "vat", "taxvat", "vat number", "tax id"], "vat_number"),
        (&["naf", "ape"], "ape"),
        (&["mobile", "portable", "cell", "gsm"], "mobile"),
        (&["tel", "telephone", "phone", "fixe"], "phone"),
        (
            &[
                "complement",
                "address2",
                "adresse2",
                "address 2",
                "adresse 2",
                "line 2",
                "ligne 2",
                "street2",
                "address line 2",
            ],
            "address2",
        ),
        (&["adresse", "address", "address1", "adresse1", "rue", "street", "voie"], "address1"),
        (&["code postal", "postal", "zip", "postcode", "cp", "zipcode"], "zip"),
        (&["ville", "city", "commune", "localite", "town"], "city"),
        (&["pays", "country"], "country"),
        (&["region", "state", "province", "departement"], "state"),
        (&["societe", "company", "entreprise", "raison sociale", "organisation"], "company"),
        (&["e mail", "email", "mail", "courriel"], "email"),
        (&["prenom", "first name", "firstname"], "firstname"),
        (&["nom", "last name", "lastname", "surname", "nom de famille"], "lastname"),
        (&["commentaire", "commentaires", "note", "notes", "remarque", "message", "comment", "instructions"], "note"),
        (&["sku", "reference article", "ref article", "code article"], "line_sku"),
        (&["quantite", "qty", "quantity"], "line_quantity"),
        (&["devise", "currency"], "currency"),
        (&["transporteur", "carrier", "mode de livraison", "shipping method"], "shipping_method"),
        (&["paiement", "payment", "moyen de paiement", "reglement"], "payment_method"),
    ];
    // "Adresse de livraison (2)", "Street 2": a second address line, whatever comes between.
    let line2 = words.last() == Some(&"2") && ["adresse", "address", "street", "rue", "ligne", "line"].iter().any(has);
    let base =
        if line2 { "address2" } else { RULES.iter().find(|(words, _)| words.iter().any(has)).map(|(_, f)| *f)? };
    let field = if kind == "customers" {
        base.to_string()
    } else if ADDRESS_FIELDS.contains(&base) {
        let shipping = ["livraison", "shipping", "delivery", "expedition", "destinataire"].iter().any(has);
        format!("{}_{base}", if shipping { "shipping" } else { "billing" })
    } else if base == "mobile" {
        "phone".to_string()
    } else {
        base.to_string()
    };
    reads(kind, &field).then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_follow_the_kind() {
        assert_eq!(suggest("Adresse (2)", "customers").as_deref(), Some("address2"));
        assert_eq!(suggest("Complément d'adresse", "customers").as_deref(), Some("address2"));
        assert_eq!(suggest("Address Line 2", "customers").as_deref(), Some("address2"));
        assert_eq!(suggest("Adresse de livraison (2)", "orders").as_deref(), Some("shipping_address2"));
        assert_eq!(suggest("Commentaire client", "orders").as_deref(), Some("note"));
        assert_eq!(suggest("Commentaire client", "customers"), None, "customers files have no note");
        assert_eq!(suggest("meta:_billing_numero_tva", "orders").as_deref(), Some("vat_number"));
        assert_eq!(suggest("Téléphone 2", "customers").as_deref(), Some("phone"));
        assert_eq!(suggest("Code fidélité", "customers"), None);
        assert_eq!(suggest("E-mail de contact", "orders").as_deref(), Some("email"));
    }

    /// Read a small PrestaShop SQL Manager export through the customers dialect.
    fn account(text: &str, overrides: &[(&str, &str)]) -> ColumnUse {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request_sql_1.csv");
        std::fs::write(&path, text).unwrap();
        let mut table = Table::open(&path, crate::table::TableOptions::default()).unwrap();
        let overrides = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (d, _) = super::super::dialect::detect(&table, &overrides).expect("a customers export");
        let cols = d.map(&table, &overrides);
        let mut usage = ColumnUse::new(&table, d, &cols, &[]);
        while table.next_row().unwrap() {
            usage.observe(&table);
        }
        usage
    }

    #[test]
    fn columns_holding_data_are_named_with_their_line_empty_and_ignored_ones_are_not() {
        let u = account(
            "ID;Prénom;Nom;E-mail;Adresse (2);Fidélité;Fax;Date de naissance\n\
             1;Léa;Roy;lea@exemple.fr;3e étage;;;1990-01-02\n\
             2;Luc;Roy;luc@exemple.fr;;FID-12;;\n",
            &[],
        );
        assert_eq!(u.filled(), vec!["Fidélité"], "found on the second row");
        assert_eq!(u.empty(), vec!["Fax"]);
        assert_eq!(u.ignored(), vec!["Date de naissance"]);
        let m = u.message().unwrap();
        assert!(m.starts_with("1 column(s) hold data"), "{m}");
        assert!(m.contains("\"Fidélité\" (no field matches its name)") && m.contains("keys of customers files"), "{m}");
        assert!(!m.contains("Adresse (2)") && !m.contains("Fax"), "{m}");
    }

    #[test]
    fn a_mapping_to_a_field_the_kind_does_not_read_is_said() {
        let u = account(
            "ID;Prénom;Nom;E-mail;Commentaire;Tél. bureau\n1;Léa;Roy;lea@exemple.fr;Client fidèle;01 02 03 04 05\n",
            &[("note", "Commentaire")],
        );
        let m = u.message().unwrap();
        assert!(
            m.contains("\"Commentaire\" is mapped to note in [input.columns], which customers files do not read"),
            "{m}"
        );
        assert!(m.contains("\"Tél. bureau\" (phone = \"Tél. bureau\")"), "{m}");
    }
}
