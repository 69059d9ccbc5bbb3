//! Real export formats, first try: WooCommerce and Magento orders saved from their REST APIs
//! (JSON), Magento 2's Data Transfer customer files (main + address file, composite file) and
//! PrestaShop webservice resources in separate files, each converted with the profile
//! `passerelle profile init` writes and a small client list. Asserted: no failed record, every
//! output passes `passerelle validate`, the customers created and matched, the lines, the
//! totals to the cent; golden files for the Magento and WooCommerce orders.
//!
//! The files (`tests/real_formats/*/`) have the structure of the real exports and invented
//! French data; each folder's `make.py` writes them.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_golden, cp850_lines, passerelle};
use rust_decimal::Decimal;
use serde_json::Value;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_formats").join(rel)
}

/// The client list the accountant exports from Gestion Commerciale (Windows-1252, `;`, CRLF):
/// a delicatessen known by its e-mail, a wine shop by its SIRET.
const CLIENTS: &str = "N° compte;Intitulé;Adresse;Code postal;Ville;Pays;E-mail;Siret;N° identifiant;Compte collectif;Catégorie comptable\r\n\
EPICERIESTJ;Épicerie fine Saint-Jean;3 rue Saint-Jean;69005;Lyon;France;commandes@epicerie-saint-jean.fr;;;4110000;1\r\n\
CAVEBEAUNE;Cave de la Côte de Beaune;12 rue d'Alsace;21200;Beaune;France;cave@cote-beaune.fr;811 334 572 00013;FR91811334572;4110000;1\r\n";

/// A folder with the profile `profile init` writes and the client list where it looks for it.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path()).args(["profile", "init", "profile.toml"]).assert().success();
    fs::create_dir_all(dir.path().join("gescom")).unwrap();
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(CLIENTS);
    fs::write(dir.path().join("gescom/clients.csv"), bytes).unwrap();
    dir
}

/// `convert` of `inputs` in `dir`: the report and the exit code.
fn convert(dir: &Path, inputs: &[PathBuf]) -> (Value, i32) {
    let mut cmd = passerelle(dir);
    cmd.args(["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "--report", "report.json"]);
    cmd.args(inputs);
    let out = cmd.output().unwrap();
    let report: Value = serde_json::from_slice(&fs::read(dir.join("report.json")).unwrap()).unwrap();
    (report, out.status.code().unwrap())
}

/// No failed input or record, every output valid for `passerelle validate`.
fn assert_clean(dir: &Path, report: &Value, code: i32) {
    assert_eq!(code, 0, "{report:#}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{:#}", report["errors"]);
    for i in report["inputs"].as_array().unwrap() {
        assert_eq!(i["status"], "ok", "{i:#}");
    }
    let t = &report["totals"];
    assert_eq!((t["customers_failed"].as_u64(), t["documents_failed"].as_u64()), (Some(0), Some(0)), "{t:#}");
    for d in report["documents"].as_array().unwrap().iter().filter(|d| d["action"] == "created") {
        assert!(!d["piece"].as_str().unwrap().is_empty(), "a created document without piece: {d:#}");
    }
    let outputs = report["outputs"].as_array().unwrap();
    assert!(!outputs.is_empty());
    for o in outputs {
        let out = passerelle(dir).args(["validate", o.as_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{o}: {}", String::from_utf8_lossy(&out.stdout));
    }
    // The shop's totals are the document's, to the cent (the builder says when they are not).
    let totals: Vec<&Value> = report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == "totals").collect();
    assert!(totals.is_empty(), "{totals:#?}");
}

/// Records of a Format Sage file: each tag with its fields (index 0 = position 1).
fn records(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in cp850_lines(bytes) {
        match l.strip_prefix('#') {
            Some(tag) => out.push((tag.split(' ').next().unwrap_or("").to_string(), Vec::new())),
            None => {
                if let Some(last) = out.last_mut() {
                    last.1.push(l);
                }
            }
        }
    }
    out
}

fn dec(s: &str) -> Decimal {
    s.replace(',', ".").parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

/// Each document (its #CHEN) with its #CHLI lines.
fn documents(recs: &[(String, Vec<String>)]) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let mut docs: Vec<(Vec<String>, Vec<Vec<String>>)> = Vec::new();
    for (tag, f) in recs {
        match tag.as_str() {
            "CHEN" => docs.push((f.clone(), Vec::new())),
            "CHLI" => docs.last_mut().unwrap().1.push(f.clone()),
            _ => {}
        }
    }
    docs
}

/// The document's total including tax as Sage computes it: per line, unit price × quantity
/// − discount (an amount, `F`), tax added to a price excluding tax, rounded to the cent.
fn total_ttc(lines: &[Vec<String>]) -> Decimal {
    let mut sum = Decimal::ZERO;
    for l in lines {
        let (ttc, unit, qty, remise, rate) = (&l[10], dec(&l[11]), dec(&l[13]), &l[18], dec(&l[32]));
        let discount = if remise.is_empty() { Decimal::ZERO } else { dec(remise.trim_end_matches('F')) };
        let amount = (unit * qty - discount).round_dp(2);
        sum += if ttc == "1" { amount } else { (amount * (Decimal::ONE + rate / Decimal::ONE_HUNDRED)).round_dp(2) };
    }
    sum
}

/// The document of shop order `number`, found by its référence (#CHEN position 7: the
/// profile's `reference = "{order.number}"`).
fn doc<'a>(docs: &'a [(Vec<String>, Vec<Vec<String>>)], number: &str) -> &'a (Vec<String>, Vec<Vec<String>>) {
    docs.iter().find(|(h, _)| h[6] == number).unwrap_or_else(|| panic!("no document for order {number}"))
}

fn customer<'a>(report: &'a Value, email: &str) -> &'a Value {
    report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == email)
        .unwrap_or_else(|| panic!("no customer {email}"))
}

fn warnings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
}

/// The #CCLI of the client created for `email`, and the #CCDL records after it.
fn client<'a>(recs: &'a [(String, Vec<String>)], code: &str) -> (&'a Vec<String>, Vec<&'a Vec<String>>) {
    let i = recs.iter().position(|(t, f)| t == "CCLI" && f[0] == code).unwrap_or_else(|| panic!("no #CCLI {code}"));
    let ccdl = recs[i + 1..].iter().take_while(|(t, _)| t == "CCDL").map(|(_, f)| f).collect();
    (&recs[i].1, ccdl)
}

#[test]
fn woocommerce_rest_orders_convert_cleanly() {
    let dir = setup();
    let (report, code) = convert(dir.path(), &[corpus("woocommerce_rest/orders.json")]);
    assert_clean(dir.path(), &report, code);
    let input = &report["inputs"][0];
    assert_eq!((input["platform"].as_str(), input["kind"].as_str()), (Some("woocommerce"), Some("orders")));
    assert_eq!(input["encoding"], "json (utf-8)");
    assert_eq!(input["records"], 4);
    let t = &report["totals"];
    assert_eq!((t["documents_created"].as_u64(), t["documents_skipped"].as_u64()), (Some(3), Some(1)));
    assert_eq!((t["customers_created"].as_u64(), t["customers_matched"].as_u64()), (Some(2), Some(1)));
    assert_eq!(customer(&report, "commandes@epicerie-saint-jean.fr")["code"], "EPICERIESTJ");
    assert_eq!(customer(&report, "commandes@epicerie-saint-jean.fr")["matched_by"], "email");
    // The WordPress user id makes the code; a guest (customer_id 0) gets the counter's.
    assert_eq!(customer(&report, "compta@brasserie-oeuf.bzh")["code"], "WEB000027");
    assert_eq!(customer(&report, "helene.lefevre@exemple.fr")["code"], "WEB000001");

    let bytes = fs::read(dir.path().join("out/orders.txt")).unwrap();
    assert_golden("real_formats/woocommerce_rest.txt", &bytes);
    let recs = records(&bytes);
    let docs = documents(&recs);
    assert_eq!(docs.len(), 3);
    let pieces: Vec<&str> = docs.iter().map(|(h, _)| h[4].as_str()).collect();
    assert_eq!(pieces, ["WEB5101", "WEB5102", "WEB5104"]);
    let totals = [("5101", "44.70"), ("5102", "91.09"), ("5104", "81.02")];
    for (number, total) in totals {
        assert_eq!(total_ttc(&doc(&docs, number).1), dec(total), "order {number}");
    }
    // 5101: the 10 % coupon as WooCommerce spread it, on each line; Colissimo.
    let lines = &doc(&docs, "5101").1;
    let view: Vec<(&str, &str, &str, &str)> =
        lines.iter().map(|l| (l[1].as_str(), l[11].as_str(), l[13].as_str(), l[18].as_str())).collect();
    assert_eq!(
        view,
        [
            ("SAV-ALEP-200", "5,0000", "3,00", "1,50F"),
            ("BOU-FIG-180", "20,0000", "1,00", "2,00F"),
            ("PORT", "5,7500", "1,00", "")
        ]
    );
    assert!(lines.iter().all(|l| l[10] == "0" && l[32] == "20,0000"), "prices excl. tax at 20 %");
    // 5102: 20 % and 5.5 %, the HTML entity decoded, the fee on the divers article; the company
    // with its VAT number (meta_data) and its other delivery address (address line 2).
    let lines = &doc(&docs, "5102").1;
    let view: Vec<(&str, &str, &str)> = lines.iter().map(|l| (l[1].as_str(), l[2].as_str(), l[32].as_str())).collect();
    assert_eq!(
        view,
        [
            ("COF-DEC-6", "Coffret découverte - 6 bières", "20,0000"),
            ("THE-SEN-100", "Thé vert bio Sencha 100 g", "5,5000"),
            ("DIVERS", "Emballage cadeau", "20,0000"),
            ("PORT", "Chronopost Pro", "20,0000")
        ]
    );
    let code = customer(&report, "compta@brasserie-oeuf.bzh")["code"].as_str().unwrap().to_string();
    let (ccli, ccdl) = client(&recs, &code);
    assert_eq!((ccli[4].as_str(), ccli[44].as_str()), ("Brasserie de l'OEuf SARL", "FR72823456785"));
    assert!(
        ccdl.iter()
            .any(|d| d[1] == "Zone artisanale de Kergaradec" && d[2] == "Bâtiment B - 3e étage" && d[4] == "Guipavas"),
        "{ccdl:?}"
    );
    // The cancelled order is skipped, said.
    assert!(warnings(&report, "skipped").iter().any(|w| w["record"].as_str().unwrap().starts_with("order 5103")));
}

#[test]
fn magento_rest_orders_convert_cleanly() {
    let dir = setup();
    let (report, code) = convert(dir.path(), &[corpus("magento/orders.json")]);
    assert_clean(dir.path(), &report, code);
    let input = &report["inputs"][0];
    assert_eq!((input["platform"].as_str(), input["kind"].as_str()), (Some("magento"), Some("orders")));
    let t = &report["totals"];
    assert_eq!((t["documents_created"].as_u64(), t["documents_skipped"].as_u64()), (Some(3), Some(1)));
    assert_eq!(t["customers_created"].as_u64(), Some(3));

    let bytes = fs::read(dir.path().join("out/orders.txt")).unwrap();
    assert_golden("real_formats/magento_rest.txt", &bytes);
    let recs = records(&bytes);
    let docs = documents(&recs);
    // Magento's increment ids keep their zeros: 12 characters of the 13 a piece may have.
    let pieces: Vec<&str> = docs.iter().map(|(h, _)| h[4].as_str()).collect();
    assert_eq!(pieces, ["WEB000000145", "WEB000000146", "WEB000000148"]);
    for (number, total) in [("000000145", "72.50"), ("000000146", "129.60"), ("000000148", "17.50")] {
        assert_eq!(total_ttc(&doc(&docs, number).1), dec(total), "order {number}");
    }
    // 145: prices incl. tax; the configurable product once (its child at 0 is not a line); the
    // coupon's discount incl. tax on each line.
    let view: Vec<(&str, &str, &str, &str, &str)> = doc(&docs, "000000145")
        .1
        .iter()
        .map(|l| (l[1].as_str(), l[10].as_str(), l[11].as_str(), l[13].as_str(), l[18].as_str()))
        .collect();
    assert_eq!(
        view,
        [
            ("TAB-LIN-NAT-M", "1", "35,0000", "1,00", "3,50F"),
            ("TOR-BRO-3", "1", "19,5000", "2,00", "3,90F"),
            ("PORT", "1", "5,9000", "1,00", "")
        ]
    );
    // 146: the bundle once (its listed components are not lines), the wax, the carrier.
    let skus: Vec<&str> = doc(&docs, "000000146").1.iter().map(|l| l[1].as_str()).collect();
    assert_eq!(skus, ["KIT-ENT-BOIS", "CIR-ABE-250", "PORT"]);
    let code = customer(&report, "compta@atelier-coeur-de-bois.fr")["code"].as_str().unwrap().to_string();
    let (ccli, ccdl) = client(&recs, &code);
    assert_eq!((ccli[4].as_str(), ccli[44].as_str()), ("Atelier Coeur de Bois SAS", "FR42532187697"));
    // The delivery address of the shipping assignment, its street on two lines.
    assert!(
        ccdl.iter().any(|d| d[1] == "Atelier n°2" && d[2] == "Zone artisanale de la Chantrerie" && d[4] == "Carquefou"),
        "{ccdl:?}"
    );
    // 145's street: line 1 the address, line 2 its complement.
    let code = customer(&report, "benoit.cremieux@exemple.fr")["code"].as_str().unwrap().to_string();
    let (ccli, _) = client(&recs, &code);
    assert_eq!((ccli[7].as_str(), ccli[8].as_str()), ("8 rue des Canuts", "Appartement 12, 3e étage"));
    // customer_id makes the code; the guest of 148 has none: the counter's.
    assert_eq!(customer(&report, "benoit.cremieux@exemple.fr")["code"], "WEB000058");
    assert_eq!(customer(&report, "zoe.marchetti@exemple.fr")["code"], "WEB000001");
}

#[test]
fn magento_customers_main_file_joined_to_its_address_file() {
    let dir = setup();
    // The address file first: the join does not depend on the order of the inputs.
    let (report, code) =
        convert(dir.path(), &[corpus("magento/customer_address.csv"), corpus("magento/customer_main.csv")]);
    assert_clean(dir.path(), &report, code);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!((inputs[0]["platform"].as_str(), inputs[0]["kind"].as_str()), (Some("magento"), Some("addresses")));
    assert_eq!(inputs[0]["records"], 5);
    assert!(inputs[0]["outputs"].as_array().unwrap().is_empty());
    let main = corpus("magento/customer_main.csv").display().to_string();
    assert_eq!(inputs[0]["joined_to"], serde_json::json!([main]));
    assert_eq!((inputs[1]["kind"].as_str(), inputs[1]["records"].as_u64()), (Some("customers"), Some(4)));
    let t = &report["totals"];
    assert_eq!((t["customers_created"].as_u64(), t["customers_matched"].as_u64()), (Some(3), Some(1)));
    assert_eq!(customer(&report, "commandes@epicerie-saint-jean.fr")["code"], "EPICERIESTJ");

    let bytes = fs::read(dir.path().join("out/customer_main.txt")).unwrap();
    let recs = records(&bytes);
    // Hélène: her street on two lines, the phone without Magento's guard space.
    let code = customer(&report, "helene.lefevre@exemple.fr")["code"].as_str().unwrap().to_string();
    let (ccli, _) = client(&recs, &code);
    assert_eq!(
        (ccli[7].as_str(), ccli[8].as_str(), ccli[9].as_str(), ccli[10].as_str()),
        ("27 avenue Jean-Jaurès", "Résidence Les Tilleuls - bât. C", "38000", "Grenoble")
    );
    assert!(ccli.iter().any(|f| f == "+33 6 71 42 18 90"), "{ccli:?}");
    // The workshop company: the default billing address on the card with its VAT id, the
    // default shipping address as a delivery address, the third address left out (said).
    let code = customer(&report, "compta@atelier-coeur-de-bois.fr")["code"].as_str().unwrap().to_string();
    let (ccli, ccdl) = client(&recs, &code);
    assert_eq!(
        (ccli[4].as_str(), ccli[7].as_str(), ccli[10].as_str(), ccli[44].as_str()),
        ("Atelier Coeur de Bois SAS", "14 rue des Forges", "Nantes", "FR42532187697")
    );
    assert!(ccdl.iter().any(|d| d[4] == "Carquefou"), "{ccdl:?}");
    assert!(!recs.iter().any(|(_, f)| f.iter().any(|v| v.contains("Acacias"))));
    assert!(warnings(&report, "skipped").iter().any(|w| w["message"].as_str().unwrap().contains("1 address(es)")));
    // Noémie has no address in the address file: written without one, said.
    let missing = warnings(&report, "missing_address");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0]["record"].as_str().unwrap().contains("noemie.barbier@exemple.fr"));
}

#[test]
fn magento_main_file_without_its_address_file_and_address_file_alone() {
    let dir = setup();
    let (report, code) = convert(dir.path(), &[corpus("magento/customer_main.csv")]);
    assert_clean(dir.path(), &report, code);
    let missing = warnings(&report, "missing_address");
    assert_eq!(missing.len(), 1, "said once for the file: {missing:#?}");
    assert!(missing[0]["message"].as_str().unwrap().contains("Customer Addresses"));

    let dir = setup();
    let (report, code) = convert(dir.path(), &[corpus("magento/customer_address.csv")]);
    assert_eq!(code, 1);
    let input = &report["inputs"][0];
    assert_eq!(input["status"], "failed");
    let error = input["error"].as_str().unwrap();
    assert!(error.contains("customer_address.csv") && error.contains("magento customers"), "{error}");
    assert!(report["outputs"].as_array().unwrap().is_empty());
}

#[test]
fn magento_composite_customers_keep_their_further_addresses() {
    let dir = setup();
    let (report, code) = convert(dir.path(), &[corpus("magento/customer_composite.csv")]);
    assert_clean(dir.path(), &report, code);
    assert_eq!(report["inputs"][0]["records"], 2);
    assert_eq!(report["totals"]["customers_created"], 2);
    let bytes = fs::read(dir.path().join("out/customer_composite.txt")).unwrap();
    let recs = records(&bytes);
    let code = customer(&report, "achats@cse-oeuvres-sociales.fr")["code"].as_str().unwrap().to_string();
    let (ccli, ccdl) = client(&recs, &code);
    assert_eq!((ccli[4].as_str(), ccli[10].as_str()), ("CSE OEuvres sociales de la Filature", "Lille"));
    assert_eq!(ccli[44], "FR07490873122");
    // Its second address, on the next row with the customer columns empty: the delivery one.
    assert!(
        ccdl.iter().any(|d| d[1] == "Filature Saint-Louis" && d[2] == "12 quai de Brest" && d[4] == "Roubaix"),
        "{ccdl:?}"
    );
    let code = customer(&report, "louise.garnier@exemple.fr")["code"].as_str().unwrap().to_string();
    let (ccli, _) = client(&recs, &code);
    assert_eq!((ccli[7].as_str(), ccli[8].as_str()), ("5 cours de l'Intendance", "2e étage gauche"));
}

#[test]
fn prestashop_webservice_resources_in_separate_files() {
    let dir = setup();
    let files = ["customers.xml", "orders.xml", "addresses.xml", "order_details.xml"];
    let inputs: Vec<PathBuf> = files.iter().map(|f| corpus(&format!("prestashop_webservice/{f}"))).collect();
    let (report, code) = convert(dir.path(), &inputs);
    assert_clean(dir.path(), &report, code);
    let orders = inputs[1].display().to_string();
    let by_path = |p: &Path| {
        report["inputs"].as_array().unwrap().iter().find(|i| i["path"] == p.display().to_string()).unwrap().clone()
    };
    for (file, kind, records) in [(0, "customers", 4), (2, "addresses", 5), (3, "order_details", 7)] {
        let i = by_path(&inputs[file]);
        assert_eq!((i["platform"].as_str(), i["kind"].as_str()), (Some("prestashop"), Some(kind)));
        assert_eq!(i["records"], records);
        assert!(i["outputs"].as_array().unwrap().is_empty());
    }
    assert_eq!(by_path(&inputs[0])["joined_to"], serde_json::json!([orders]));
    assert_eq!(by_path(&inputs[2])["joined_to"], serde_json::json!([orders]));
    // The orders carry their rows: the order details were not needed, and that is said.
    assert!(by_path(&inputs[3]).get("joined_to").is_none());
    assert_eq!(warnings(&report, "companion_unused").len(), 1);
    let t = &report["totals"];
    assert_eq!((t["documents_created"].as_u64(), t["documents_skipped"].as_u64()), (Some(3), Some(1)));
    assert_eq!((t["customers_created"].as_u64(), t["customers_matched"].as_u64()), (Some(2), Some(1)));
    assert_eq!(customer(&report, "cave@cote-beaune.fr")["code"], "CAVEBEAUNE");
    assert_eq!(customer(&report, "cave@cote-beaune.fr")["matched_by"], "siret");

    let bytes = fs::read(dir.path().join("out/orders.txt")).unwrap();
    let recs = records(&bytes);
    let docs = documents(&recs);
    let total = |number: &str| total_ttc(&doc(&docs, number).1);
    assert_eq!(total("KZQWERTYU"), dec("33.40"));
    assert_eq!(total("PLMOKNIJB"), dec("209.28"));
    assert_eq!(total("ZXCVBNMAS"), dec("131.00"));
    // A new company: SIRET and APE from the customer, the VAT number from the invoice address.
    let code = customer(&report, "contact@jardins-elise.fr")["code"].as_str().unwrap().to_string();
    let (ccli, _) = client(&recs, &code);
    assert_eq!(ccli[4], "Les Jardins d'Élise SARL");
    assert!(ccli.iter().any(|f| f.starts_with("734011")), "its SIRET: {ccli:?}");
}

#[test]
fn a_prestashop_order_whose_customer_is_in_no_file_fails_as_before() {
    let dir = setup();
    let inputs = [corpus("prestashop_webservice/orders.xml"), corpus("prestashop_webservice/addresses.xml")];
    let (report, code) = convert(dir.path(), &inputs);
    assert_eq!(code, 1);
    let errors = report["errors"].as_array().unwrap();
    // The customer is looked up as the order is read: the cancelled order fails too.
    assert_eq!(errors.len(), 4, "{errors:#?}");
    for e in errors {
        assert_eq!(e["field"], "id_customer");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("is not in the file") && m.contains("display=full"), "{m}");
    }
    // The file of addresses is a companion of the orders, not a failed input.
    let addresses = &report["inputs"][1];
    assert_eq!((addresses["status"].as_str(), addresses["kind"].as_str()), (Some("ok"), Some("addresses")));
}

#[test]
fn inspect_says_what_each_file_is() {
    let dir = setup();
    let out = passerelle(dir.path())
        .arg("inspect")
        .args([
            corpus("woocommerce_rest/orders.json"),
            corpus("magento/orders.json"),
            corpus("magento/customer_main.csv"),
            corpus("magento/customer_address.csv"),
            corpus("magento/customer_composite.csv"),
            corpus("prestashop_webservice/orders.xml"),
            corpus("prestashop_webservice/customers.xml"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    for expected in [
        "platform:   woocommerce\n  kind:       orders\n  generation: REST API v3 (wc/v3 orders): array, 4 records",
        "platform:   magento\n  kind:       orders\n  generation: REST API (V1/orders): search result (items), 4 records",
        "platform:   magento\n  kind:       customers\n  generation: Customers Main File",
        "platform:   magento\n  kind:       addresses\n  generation: Customer Addresses",
        "platform:   magento\n  kind:       customers\n  generation: Customers and Addresses (composite file)",
        "platform:   prestashop\n  kind:       orders",
        "platform:   prestashop\n  kind:       customers\n  generation: webservice XML: 4 customers",
        "companion:  completes the magento customers given in the same run",
        "order 5102 (line 1): 2026-11-21T14:30:05",
        "vat_number   ← meta:_billing_vat",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // Inspected together, the main customer file reads its addresses from the address file.
    assert!(text.contains("zip=38000 city=Grenoble country=FR"), "{text}");
}

#[test]
fn broken_json_fails_alone_naming_the_file_line_and_path() {
    let dir = setup();
    let deep = dir.path().join("profond.json");
    fs::write(&deep, format!("[{{\"order_key\":\"x\",\"line_items\":{}}}]", "[".repeat(100_000))).unwrap();
    let cut = dir.path().join("coupe.json");
    let text = fs::read_to_string(corpus("woocommerce_rest/orders.json")).unwrap();
    fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let (report, code) = convert(dir.path(), &[deep.clone(), cut.clone(), corpus("magento/orders.json")]);
    assert_eq!(code, 1);
    let inputs = report["inputs"].as_array().unwrap();
    let e0 = inputs[0]["error"].as_str().unwrap();
    assert!(e0.contains("profond.json: line 1:") && e0.contains("deeper than 64 levels at $[0].line_items"), "{e0}");
    let e1 = inputs[1]["error"].as_str().unwrap();
    assert!(e1.contains("coupe.json: line 1:") && e1.contains("cut short"), "{e1}");
    // The third input still converts.
    assert_eq!(inputs[2]["status"], "ok");
    assert_eq!(report["totals"]["documents_created"], 3);
}
