//! Deterministic generators of invented French data for benchmarks: client lists exported
//! from Gestion Commerciale (CSV, Format Sage). Same seed, same bytes.
#![allow(dead_code)]

use std::io::{self, Write};

/// xorshift64*: small, fast, reproducible; no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

pub const FIRST: &[&str] = &[
    "Élodie",
    "Jérôme",
    "Anaïs",
    "Benoît",
    "Chloé",
    "François",
    "Gaëlle",
    "Hélène",
    "Inès",
    "Noël",
    "Léa",
    "Théo",
    "Maël",
    "Zoé",
    "Loïc",
    "Aurélie",
    "Mathéo",
    "Séverine",
    "Raphaël",
    "Cécile",
];
pub const LAST: &[&str] = &[
    "Dupont",
    "Lefèvre",
    "Cœurdevey",
    "Garnier",
    "Moreau",
    "Faure",
    "Girard",
    "Rousseau",
    "Bonnet",
    "Chevalier",
    "Lambert",
    "Fontaine",
    "Mercier",
    "Blanc",
    "Guérin",
    "Müller",
    "Da Silva",
    "Le Gall",
    "Dubœuf",
    "Martin",
];
pub const STREETS: &[&str] = &[
    "rue de l’Église",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "allée des Tilleuls",
    "chemin des Vignes",
    "place du Marché",
    "impasse des Lilas",
    "quai Rambaud",
    "route de Dole",
    "rue Sainte-Catherine",
];
pub const CITIES: &[(&str, &str)] = &[
    ("69003", "Lyon"),
    ("75011", "Paris"),
    ("13008", "Marseille"),
    ("33000", "Bordeaux"),
    ("44000", "Nantes"),
    ("21000", "Dijon"),
    ("51100", "Reims"),
    ("01000", "Bourg-en-Bresse"),
    ("35000", "Rennes"),
    ("31000", "Toulouse"),
];

fn luhn_ok(d: &[u8]) -> bool {
    let mut s = 0;
    for (i, &b) in d.iter().rev().enumerate() {
        let mut v = (b - b'0') as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        s += v;
    }
    s % 10 == 0
}

/// A valid SIRET and its French VAT number, derived from `n`.
pub fn siret_vat(n: u64) -> (String, String) {
    let mut siren = format!("{:08}", 10_000_000 + n % 89_999_999).into_bytes();
    siren.push(b'0');
    while !luhn_ok(&siren) {
        siren[8] += 1;
    }
    let mut siret = siren.clone();
    siret.extend_from_slice(b"00010");
    while !luhn_ok(&siret) {
        siret[13] += 1;
    }
    let s: u64 = String::from_utf8(siren.clone()).unwrap().parse().unwrap();
    let vat = format!("FR{:02}{}", (12 + 3 * (s % 97)) % 97, String::from_utf8(siren).unwrap());
    (String::from_utf8(siret).unwrap(), vat)
}

pub struct GenClient {
    pub code: String,
    pub name: String,
    pub street: String,
    pub zip: &'static str,
    pub city: &'static str,
    pub siret: String,
    pub vat: String,
    pub email: String,
}

pub fn client(rng: &mut Rng, i: u64) -> GenClient {
    let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
    let business = rng.below(3) == 0;
    let (siret, vat) = if business { siret_vat(i) } else { (String::new(), String::new()) };
    let (zip, city) = CITIES[rng.below(CITIES.len() as u64) as usize];
    let name = if business { format!("{last} et Fils SARL") } else { format!("{first} {last}") };
    GenClient {
        code: format!("CL{i:07}"),
        name,
        street: format!("{} {}", 1 + rng.below(120), rng.pick(STREETS)),
        zip,
        city,
        siret,
        vat,
        email: format!("client{i}@exemple.fr"),
    }
}

/// A client list as Sage's list export gives it: `;`, Windows-1252, CRLF.
pub fn clients_csv(out: &mut impl Write, n: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let enc = |s: &str| encoding_rs::WINDOWS_1252.encode(s).0.into_owned();
    out.write_all(&enc("N° compte;Intitulé;Adresse;Code postal;Ville;Pays;Siret;N° identifiant;E-mail;Compte collectif;Catégorie tarifaire\r\n"))?;
    for i in 0..n {
        let c = client(&mut rng, i);
        let line = format!(
            "{};{};{};{};{};France;{};{};{};4110000;1\r\n",
            c.code, c.name, c.street, c.zip, c.city, c.siret, c.vat, c.email
        );
        out.write_all(&enc(&line))?;
    }
    Ok(())
}

/// The same clients as a Format Sage export: a #CCLI (120 fields + attached account) and a
/// #CCDL each, CP850, CRLF.
pub fn clients_format_sage(out: &mut impl Write, n: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut buf = Vec::with_capacity(4096);
    out.write_all(b"#FLG 000\r\n#VER 33\r\n")?;
    for i in 0..n {
        let c = client(&mut rng, i);
        let mut f = vec![String::new(); 121];
        f[1] = c.code.clone();
        f[2] = "0".into();
        f[3] = "4110000".into();
        f[5] = c.name.clone();
        f[8] = c.street.clone();
        f[10] = c.zip.into();
        f[11] = c.city.into();
        f[13] = "France".into();
        f[27] = c.code.clone();
        f[43] = c.siret.clone();
        f[45] = c.vat.clone();
        f[57] = c.email.clone();
        for p in [24, 25, 28, 29, 30, 31, 64, 65] {
            f[p] = "0,0000".into();
        }
        buf.clear();
        buf.extend_from_slice(b"#CCLI\r\n");
        for v in f.iter().skip(1) {
            let mut changes = Vec::new();
            passerelle::codepage::encode_into(v, passerelle::codepage::CodePage::Cp850, &mut buf, &mut changes);
            buf.extend_from_slice(b"\r\n");
        }
        buf.extend_from_slice(b"4110000\r\n#CCDL\r\n");
        let ccdl = [
            format!("{} - {}", c.name, c.city),
            c.street,
            String::new(),
            c.zip.into(),
            c.city.into(),
            String::new(),
            "France".into(),
        ];
        for v in ccdl {
            let mut changes = Vec::new();
            passerelle::codepage::encode_into(&v, passerelle::codepage::CodePage::Cp850, &mut buf, &mut changes);
            buf.extend_from_slice(b"\r\n");
        }
        buf.extend_from_slice(b"\r\n1\r\n1\r\n1\r\n\r\n\r\n\r\n\r\n0\r\n0\r\n");
        out.write_all(&buf)?;
    }
    out.write_all(b"#FIN\r\n")
}

pub const PRODUCTS: &[(&str, &str, &str)] = &[
    ("TSHIRT-BIO-M", "T-shirt coton bio - Bleu / M", "24.00"),
    ("TOTE-LIN", "Tote bag « Lin naturel »", "12.50"),
    ("BOUGIE-LAV", "Bougie Cœur de Lavande – 180 g", "16.00"),
    ("DIFF-ATELIER", "Diffuseur l’Atelier", "29.00"),
    ("MUG-GRES", "Mug en grès émaillé", "14.90"),
    ("SAVON-OLIVE", "Savon à l’huile d’olive", "6.50"),
    ("CARNET-A5", "Carnet A5 – papier recyclé", "9.50"),
    ("PLAID-LAINE", "Plaid en laine mérinos", "89.00"),
];

pub const SHOPIFY_ORDERS_HEADER: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References";

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A Shopify orders export (current generation, 79 columns) of at least `rows` rows: orders of
/// 1 to 4 lines, one row per line, order fields on the first row only; customers drawn from
/// `customers` e-mails, a third of them existing clients of the client list (same e-mails).
/// Returns (rows, orders) written.
/// Stops at `rows` rows or `max_orders` orders, whichever comes first; (rows, orders) written.
pub fn shopify_orders(
    out: &mut impl Write,
    rows: u64,
    max_orders: u64,
    customers: u64,
    seed: u64,
) -> io::Result<(u64, u64)> {
    let mut rng = Rng::new(seed);
    writeln!(out, "{SHOPIFY_ORDERS_HEADER}")?;
    let (mut written, mut orders) = (0u64, 0u64);
    let mut line = String::with_capacity(1024);
    while written < rows && orders < max_orders {
        orders += 1;
        let n = (1 + rng.below(4)).min(rows - written);
        let cust = rng.below(customers.max(1));
        let c = client(&mut Rng::new(seed ^ cust.wrapping_mul(7919)), cust);
        let email = if cust.is_multiple_of(3) {
            format!("client{cust}@exemple.fr")
        } else {
            format!("acheteur{cust}@exemple.fr")
        };
        let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
        let items: Vec<(u64, usize)> =
            (0..n).map(|_| (1 + rng.below(3), rng.below(PRODUCTS.len() as u64) as usize)).collect();
        let subtotal: i64 = items.iter().map(|&(q, p)| q as i64 * price_cents(PRODUCTS[p].2)).sum();
        let shipping: i64 = if subtotal > 6000 { 0 } else { 590 };
        let total = subtotal + shipping;
        // Tax included at 20 %: total × 20 / 120, rounded to the cent.
        let taxes = (total * 20 + 60) / 120;
        let day = 1 + rng.below(28);
        let date =
            format!("2026-{:02}-{day:02} {:02}:{:02}:00 +0100", 1 + rng.below(11), 8 + rng.below(12), rng.below(60));
        for (i, &(q, p)) in items.iter().enumerate() {
            let (sku, name, price) = PRODUCTS[p];
            line.clear();
            let mut cells: Vec<String> = vec![String::new(); 79];
            cells[0] = format!("#{}", 1000 + orders);
            cells[1] = email.clone();
            cells[15] = date.clone();
            cells[16] = q.to_string();
            cells[17] = name.to_string();
            cells[18] = price.to_string();
            cells[20] = sku.to_string();
            cells[21] = "true".into();
            cells[22] = "true".into();
            cells[23] = "pending".into();
            cells[50] = "Atelier Lumière".into();
            cells[59] = "0.00".into();
            if i == 0 {
                cells[2] = "paid".into();
                cells[3] = date.clone();
                cells[4] = "unfulfilled".into();
                cells[6] = "no".into();
                cells[7] = "EUR".into();
                cells[8] = cents(subtotal);
                cells[9] = cents(shipping);
                cells[10] = cents(taxes);
                cells[11] = cents(total);
                cells[13] = "0.00".into();
                cells[14] = if shipping == 0 { "Livraison gratuite".into() } else { "Colissimo".into() };
                let bill = format!("{first} {last}");
                for (k, v) in [
                    (24, bill.clone()),
                    (26, c.street.clone()),
                    (29, c.city.to_string()),
                    (30, format!("'{}", c.zip)),
                    (32, "FR".into()),
                ] {
                    cells[k] = v;
                }
                for (k, v) in [
                    (34, bill),
                    (36, c.street.clone()),
                    (39, c.city.to_string()),
                    (40, format!("'{}", c.zip)),
                    (42, "FR".into()),
                ] {
                    cells[k] = v;
                }
                cells[47] = "Shopify Payments".into();
                cells[55] = format!("{}", 5_000_000_000_000 + orders);
                cells[57] = "Low".into();
                cells[58] = "web".into();
                cells[60] = "FR TVA 20%".into();
                cells[61] = cents(taxes);
            }
            for (k, cell) in cells.iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                line.push_str(&csv_cell(cell));
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
            written += 1;
        }
    }
    Ok((written, orders))
}

fn price_cents(p: &str) -> i64 {
    let (a, b) = p.split_once('.').unwrap();
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

/// A profile for the generated data: client list beside it, Shopify customers by counter.
pub const BENCH_PROFILE: &str = r#"[clients]
file = "clients.csv"

[customers]
search_by_siret = true
search_by_email = true

[customers.code]
prefix = "WEB"
length = 12
source = "counter"

[orders]
document_type = "facture"
piece = "WEB{order.number}"
statuses = ["paid"]

[orders.tax_codes]
"20" = "C20"

[orders.payment_methods]
"Shopify Payments" = 2
"#;
