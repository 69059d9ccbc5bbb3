//! PrestaShop webservice XML orders end to end: the real binary, a byte-exact golden, the
//! report, bad input.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_golden, cp850_lines, fixture, passerelle};
use serde_json::Value;

fn convert(inputs: &[&Path]) -> (tempfile::TempDir, Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let (report, code) = common::convert_with_report(dir.path(), "profiles/orders_shops.toml", inputs);
    (dir, report, code)
}

fn document<'a>(report: &'a Value, order: &str) -> &'a Value {
    report["documents"].as_array().unwrap().iter().find(|d| d["order"] == order).unwrap()
}

/// The fields (index 0 = position 1) of every `tag` record, in file order.
fn records(bytes: &[u8], tag: &str) -> Vec<Vec<String>> {
    let lines = cp850_lines(bytes);
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| *l == &format!("#{tag}"))
        .map(|(i, _)| lines[i + 1..].iter().take_while(|l| !l.starts_with('#')).cloned().collect())
        .collect()
}

#[test]
fn webservice_orders_convert_to_their_golden_file() {
    let (dir, report, code) = convert(&[&fixture("prestashop/webservice_orders.xml")]);
    assert_eq!(code, 0, "{report:#}");
    let bytes = fs::read(dir.path().join("out/webservice_orders.txt")).unwrap();
    assert_golden("orders/prestashop_webservice.txt", &bytes);
    let v = passerelle::sage::validate::validate(&bytes[..]).unwrap();
    assert_eq!(v.errors(), 0, "{:?}", v.findings);

    let input = &report["inputs"][0];
    assert_eq!(input["platform"], "prestashop");
    assert_eq!(input["encoding"], "xml (utf-8)");
    assert_eq!(input["records"], 5);
    assert!(report["warnings"].as_array().unwrap().iter().all(|w| w["kind"] != "totals"), "{report:#}");

    // Customers: 529 is in Sage (its e-mail), 531 is Cave des Côteaux (its SIRET, written with
    // spaces in PrestaShop), 530 is new and keeps its shop id.
    let customer =
        |code: &str| report["customers"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap().clone();
    assert_eq!(customer("WEB000529")["matched_by"], "email");
    assert_eq!(customer("CAVECOTEAUX")["matched_by"], "siret");
    assert_eq!(customer("WEB000530")["action"], "created");
    for (order, reason) in [("ANNULEXYZ", "cancelled"), ("REMBOURSE", "rembours")] {
        assert_eq!(document(&report, order)["action"], "skipped");
        assert!(document(&report, order)["detail"].as_str().unwrap().contains(reason), "{order}");
    }

    let headers = records(&bytes, "CHEN");
    let lines = records(&bytes, "CHLI");
    assert_eq!(headers.len(), 3);
    // B2C order in TTC prices (DL_TTC = 1), its cart rule as a discount line at 20 %.
    let affiche = lines.iter().find(|l| l[1] == "AFFICHE-BZH").unwrap();
    assert_eq!((affiche[10].as_str(), affiche[11].as_str()), ("1", "15,0000"));
    let remise = lines.iter().find(|l| l[1] == "REMISE").unwrap();
    assert_eq!((remise[11].as_str(), remise[32].as_str()), ("-6,5000", "20,0000"));
    // B2B order in HT prices, two VAT rates, gift wrapping on the divers article, free shipping.
    let farine = lines.iter().find(|l| l[1] == "FARINE-SARRASIN").unwrap();
    assert_eq!((farine[10].as_str(), farine[11].as_str(), farine[32].as_str()), ("0", "3,0000", "5,5000"));
    let wrapping = lines.iter().find(|l| l[2] == "Emballage cadeau").unwrap();
    assert_eq!((wrapping[1].as_str(), wrapping[11].as_str()), ("DIVERS", "1,6667"));
    // The company: SIRET and APE from the customer, VAT number from the invoice address, the
    // delivery address as a #CCDL of its own.
    let ccli = records(&bytes, "CCLI");
    let oeuf = ccli.iter().find(|c| c[0] == "WEB000530").unwrap();
    assert_eq!(
        (oeuf[4].as_str(), oeuf[42].as_str(), oeuf[44].as_str()),
        ("Brasserie de l'OEuf SARL", "82345678500018", "FR72823456785")
    );
    let ccdl = records(&bytes, "CCDL");
    assert!(ccdl.iter().any(|d| d[3] == "29490" && d[4] == "Guipavas"), "{ccdl:?}");
    // An XML entity in a product name.
    assert!(lines.iter().any(|l| l[2] == "Vin & fromage - coffret « Terroir »"));
}

#[test]
fn bad_orders_fail_alone_with_their_line_and_field() {
    let (dir, report, code) = convert(&[&fixture("prestashop/webservice_bad.xml")]);
    assert_eq!(code, 1);
    assert_eq!(document(&report, "BONNECMDE")["action"], "created");
    let errors = report["errors"].as_array().unwrap();
    let error = |order: &str| {
        errors.iter().find(|e| e["record"].as_str().unwrap().starts_with(&format!("order {order} "))).unwrap()
    };
    assert_eq!(error("MALFORMEE")["field"], "total_paid_tax_incl");
    assert!(error("MALFORMEE")["message"].as_str().unwrap().contains("'63,4O' is not a number"));
    assert_eq!(error("MALFORMEE")["record"], "order MALFORMEE (line 113)");
    assert_eq!(error("SANSADRES")["field"], "id_address_invoice");
    let missing = error("SANSADRES")["message"].as_str().unwrap();
    assert!(missing.contains("address 999 is not in the file") && missing.contains("display=full"), "{missing}");
    assert_eq!(error("SANSREFER")["field"], "line_sku");
    for order in ["MALFORMEE", "SANSADRES", "SANSREFER"] {
        assert_eq!(document(&report, order)["action"], "failed", "{order}");
    }
    let bytes = fs::read(dir.path().join("out/webservice_bad.txt")).unwrap();
    let v = passerelle::sage::validate::validate(&bytes[..]).unwrap();
    assert_eq!(v.errors(), 0, "{:?}", v.findings);
    assert_eq!(records(&bytes, "CHEN").len(), 1);
}

#[test]
fn a_file_of_order_links_or_a_cut_file_fails_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let stubs = dir.path().join("liens.xml");
    fs::write(
        &stubs,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<orders>\n\t<order id=\"5\" xlink:href=\"https://boutique.exemple.fr/api/orders/5\"/>\n</orders>\n</prestashop>\n",
    )
    .unwrap();
    let whole = fs::read_to_string(fixture("prestashop/webservice_orders.xml")).unwrap();
    let cut = dir.path().join("coupe.xml");
    fs::write(&cut, &whole[..whole.len() / 3]).unwrap();
    let (report, code) = {
        let (_d, r, c) = convert(&[&stubs, &cut, &fixture("woocommerce/order_export_webtoffee.csv")]);
        (r, c)
    };
    assert_eq!(code, 1);
    let inputs = report["inputs"].as_array().unwrap();
    let e0 = inputs[0]["error"].as_str().unwrap();
    assert!(e0.contains("liens.xml") && e0.contains("display=full"), "{e0}");
    let e1 = inputs[1]["error"].as_str().unwrap();
    assert!(e1.contains("coupe.xml") && e1.contains("line "), "{e1}");
    assert_eq!(inputs[2]["status"], "ok");
}

#[test]
fn inspect_shows_what_the_xml_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .args(["inspect", "--profile"])
        .arg(fixture("profiles/orders_shops.toml"))
        .arg(fixture("prestashop/webservice_orders.xml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "platform:   prestashop",
        "generation: webservice XML: 5 orders, 6 customers, 7 addresses, 1 currencies, 3 carriers",
        "encoding:   xml (utf-8)",
        "order_number ← order/reference",
        "order XKBKNABJK (line 4): 2026-11-20T10:12:44 | Paiement accepté | customer Élodie Marchand",
        "24 × Bière ambrée « La Mouette » 33 cl [BIERE-MOUETTE] at 2.000000 HT (VAT 20%)",
        "1 × Emballage cadeau [] (gift wrapping) at 1.666667 HT (VAT 20%)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
