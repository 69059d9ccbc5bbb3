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
