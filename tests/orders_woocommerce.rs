//! WooCommerce orders end to end: WebToffee (one row per order, packed line_item_N) and
//! AlgolPlus (products as rows) through the real binary, byte-exact goldens, the report, bad
//! input.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_golden, cp850_lines, fixture, passerelle};
use serde_json::Value;

const PROFILE: &str = "profiles/orders_shops.toml";

/// Runs `convert` over fixtures; returns the folder, the report and the exit code.
fn convert(inputs: &[&Path]) -> (tempfile::TempDir, Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let (report, code) = common::convert_with_report(dir.path(), PROFILE, inputs);
    (dir, report, code)
}

fn output(dir: &tempfile::TempDir, stem: &str) -> Vec<u8> {
    let p = dir.path().join("out").join(format!("{stem}.txt"));
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn valid(bytes: &[u8], what: &str) {
    let v = passerelle::sage::validate::validate(bytes).unwrap();
    assert_eq!(v.errors(), 0, "{what}: {:?}", v.findings);
    assert!(bytes.ends_with(b"#FIN\r\n"), "{what}");
}

fn warnings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
}

fn document<'a>(report: &'a Value, order: &str) -> &'a Value {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["order"] == order)
        .unwrap_or_else(|| panic!("document of order {order}"))
}

/// The values of a record's fields (1-based positions), from the first record `tag` whose
/// field `key_pos` is `key`.
fn record(bytes: &[u8], tag: &str, key_pos: usize, key: &str) -> Vec<String> {
    let lines = cp850_lines(bytes);
    let starts: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| *l == &format!("#{tag}")).map(|(i, _)| i).collect();
    for s in starts {
        if lines.get(s + key_pos).map(String::as_str) == Some(key) {
            return lines[s + 1..].iter().take_while(|l| !l.starts_with('#')).cloned().collect();
        }
    }
    panic!("no #{tag} with field {key_pos} = {key}");
}

#[test]
fn webtoffee_orders_convert_to_their_golden_file() {
    let input = fixture("woocommerce/order_export_webtoffee.csv");
    let (dir, report, code) = convert(&[&input]);
    assert_eq!(code, 0, "{report:#}");
    let bytes = output(&dir, "order_export_webtoffee");
    assert_golden("orders/woocommerce_webtoffee.txt", &bytes);
    valid(&bytes, "webtoffee");

    let input_report = &report["inputs"][0];
    assert_eq!(input_report["platform"], "woocommerce");
    assert_eq!(input_report["kind"], "orders");
    assert_eq!(input_report["records"], 7);

    // Converted: 2041, 2042 (coupon on its lines, fee, free shipping), 2045 (guest, partly
    // refunded), 2046; skipped: cancelled, refunded, on-hold.
    for n in ["2041", "2042", "2045", "2046"] {
        assert_eq!(document(&report, n)["action"], "created", "{n}");
    }
    for n in ["2043", "2044", "2047"] {
        assert_eq!(document(&report, n)["action"], "skipped", "{n}");
    }
    assert!(document(&report, "2043")["detail"].as_str().unwrap().contains("cancelled"));
    assert!(document(&report, "2044")["detail"].as_str().unwrap().contains("refunded"));
    assert!(document(&report, "2047")["detail"].as_str().unwrap().contains("on-hold"));

    // The one deliberate totals case: a shop rounding VAT on the subtotal (2.95) while the
    // lines, rounded one by one as Sage does, make 2.96.
    let totals = warnings(&report, "totals");
    assert_eq!(totals.len(), 1, "{totals:#?}");
    assert!(totals[0]["record"].as_str().unwrap().starts_with("order 2046"));
    assert!(totals[0]["message"].as_str().unwrap().contains("0,01"));
    let partial = warnings(&report, "partially_refunded");
    assert_eq!(partial.len(), 1);
    assert!(partial[0]["message"].as_str().unwrap().contains("7.60 of 47.24"));

    // The company: SIRET from meta:_billing_siret (a known key), VAT from a meta key mapped in
    // the profile's [input.columns].
    let boeuf = record(&bytes, "CCLI", 5, "Crèmerie Boeuf & Fils SAS");
    assert_eq!(boeuf[42], "51234567900017");
    assert_eq!(boeuf[44], "FR75512345679");
    // The coupon BIENVENUE10 stays on its lines, each at its own VAT rate.
    let the = record(&bytes, "CHLI", 2, "THE-SENCHA");
    assert_eq!(
        (the[10].as_str(), the[11].as_str(), the[18].as_str(), the[32].as_str()),
        ("0", "7,2000", "2,88F", "5,5000")
    );
    // The fee becomes a line on the "divers" article.
    let fee = record(&bytes, "CHLI", 3, "Emballage cadeau");
    assert_eq!((fee[1].as_str(), fee[11].as_str()), ("DIVERS", "2,5000"));
    // HTML entity decoded in a packed line name.
    assert!(cp850_lines(&bytes).iter().any(|l| l == "Miel & citron - bonbons 150 g"));
}

#[test]
fn algolplus_rows_convert_to_their_golden_file() {
    let input = fixture("woocommerce/orders_algolplus.csv");
    let (dir, report, code) = convert(&[&input]);
    assert_eq!(code, 0, "{report:#}");
    let bytes = output(&dir, "orders_algolplus");
    assert_golden("orders/woocommerce_algolplus.txt", &bytes);
    valid(&bytes, "algolplus");
    assert!(warnings(&report, "totals").is_empty(), "{:#?}", warnings(&report, "totals"));
    // Vidal Distribution is already in Sage: found by its SIRET, no new client.
    let vidal = report["customers"].as_array().unwrap().iter().find(|c| c["code"] == "VIDALLYON").unwrap();
    assert_eq!(vidal["action"], "matched");
    assert_eq!(vidal["matched_by"], "siret");
    assert_eq!(document(&report, "3054")["action"], "skipped");
    // The coupon NOEL5 split by WooCommerce over two VAT rates.
    let jam = record(&bytes, "CHLI", 2, "CONFITURE-MURE");
    assert_eq!((jam[18].as_str(), jam[32].as_str()), ("1,32F", "5,5000"));
    let apron = record(&bytes, "CHLI", 2, "TABLIER-LIN");
    assert_eq!((apron[18].as_str(), apron[32].as_str()), ("3,68F", "20,0000"));
}

#[test]
fn a_bad_order_fails_alone_and_the_others_convert() {
    let (dir, report, code) = convert(&[&fixture("woocommerce/webtoffee_bad.csv")]);
    assert_eq!(code, 1);
    assert_eq!(document(&report, "2101")["action"], "created");
    for (order, field, text) in
        [("2102", "total", "'47,2B' in column \"order_total\""), ("2103", "line_sku", "has no SKU")]
    {
        let e = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["record"].as_str().unwrap().starts_with(&format!("order {order} ")))
            .unwrap_or_else(|| panic!("error of {order}: {report:#}"));
        assert_eq!(e["field"], field);
        assert!(e["message"].as_str().unwrap().contains(text), "{e}");
        assert_eq!(document(&report, order)["action"], "failed");
    }
    let line = |order: &str| -> String {
        report["errors"].as_array().unwrap().iter().find(|e| e["record"].as_str().unwrap().contains(order)).unwrap()
            ["record"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Records span several lines (a note with a newline): lines are physical lines, CRLF or not.
    assert_eq!(line("2102"), "order 2102 (line 4)");
    assert_eq!(line("2103"), "order 2103 (line 6)");
    let bytes = output(&dir, "webtoffee_bad");
    valid(&bytes, "webtoffee_bad");
    let text = cp850_lines(&bytes).join("\n");
    assert!(text.contains("WEB2101") && !text.contains("WEB2102") && !text.contains("WEB2103"));
}

#[test]
fn a_missing_column_fails_its_file_and_the_other_inputs_convert() {
    let missing = fixture("woocommerce/algolplus_missing_column.csv");
    let good = fixture("woocommerce/order_export_webtoffee.csv");
    let (dir, report, code) = convert(&[&missing, &good]);
    assert_eq!(code, 1);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["status"], "failed");
    let error = inputs[0]["error"].as_str().unwrap();
    assert!(error.contains("algolplus_missing_column.csv"), "{error}");
    assert!(error.contains("missing column \"Item Name\""), "{error}");
    assert_eq!(inputs[1]["status"], "ok");
    assert!(!dir.path().join("out/algolplus_missing_column.txt").exists());
    valid(&output(&dir, "order_export_webtoffee"), "webtoffee next to a failed input");
}

#[test]
fn inspect_shows_the_layout_and_the_orders() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .args(["inspect", "--profile"])
        .arg(fixture(PROFILE))
        .arg(fixture("woocommerce/order_export_webtoffee.csv"))
        .arg(fixture("woocommerce/orders_algolplus.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "platform:   woocommerce",
        "generation: current (paid_date, order_subtotal, meta: columns)",
        "line_items   ← line_item_3",
        "vat_number   ← meta:_billing_numero_tva",
        "4 × Thé vert Sencha « Printemps » 100 g [THE-SENCHA] at 7.20 HT, discount 2.88 (VAT 5.5%)",
        "1 × Emballage cadeau [] (fee) at 2.50 HT (VAT 20%)",
        "generation: products as rows",
        "line_subtotal ← Order Line Subtotal",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
