//! Property tests of the order readers: any cell or any damaged file gives values or
//! problems, never a panic.

mod common;

use std::path::Path;

use common::fixture;
use passerelle::profile::InputSection;
use passerelle::report::Warnings;
use passerelle::shop::values::{decode_html, parse_amount, snap_rate};
use passerelle::shop::woocommerce::{fee_items, packed_line, refunds, tax_items};
use passerelle::shop::{self, ShopFile};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Reads every order of a file, whatever it holds; counts orders and problems.
fn read_all(path: &Path) -> Result<(usize, usize), String> {
    let file = shop::open(path, &InputSection::default()).map_err(|e| e.to_string())?;
    let ShopFile::Orders(mut orders) = file else { return Err("not orders".into()) };
    let mut w = Warnings::new(path.display().to_string());
    let (mut ok, mut bad) = (0, 0);
    loop {
        match orders.next(&mut w) {
            Ok(Some(Ok(_))) => ok += 1,
            Ok(Some(Err(_))) => bad += 1,
            Ok(None) => return Ok((ok, bad)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn packed_cells_never_panic(s in "[a-z_:|;{}\\[\\]\"0-9.,\\\\ -]{0,80}") {
        let _ = packed_line(&s, "line_item_1");
        let _ = tax_items(&s);
        let _ = fee_items(&s);
        let _ = refunds(&s);
    }

    /// Cells built from the plugin's own keys with good, bad, huge and JSON values: parsed,
    /// or refused naming their column, never a panic (an overflow included).
    #[test]
    fn packed_cells_with_real_keys_parse_or_name_their_column(
        pairs in prop::collection::vec((
            prop::sample::select(vec![
                "name", "sku", "quantity", "total", "tax", "sub_total", "subtotal_tax", "tax_data",
                "meta", "rate_id", "label", "rate_percent", "code", "amount", "reason",
            ]),
            prop_oneof![
                "-?[0-9]{1,6}(\\.[0-9]{1,6})?",
                "[0-9]{25,30}",
                Just("douze".to_string()),
                Just(String::new()),
                Just(r#"{"total":{"1":"4.00"},"subtotal":{"1":"4.00"}}"#.to_string()),
                Just(r#"{"total":{"1":"79228162514264337593543950335"},"subtotal":{"1":"79228162514264337593543950335","2":"79228162514264337593543950335"}}"#.to_string()),
                Just("[]".to_string()),
                Just("Thé vert \\| Sencha".to_string()),
            ],
        ), 1..8),
        quantity in 1u32..5,
    ) {
        let mut cell: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        cell.push(format!("quantity:{quantity}"));
        let cell = cell.join("|");
        if let Err(e) = packed_line(&cell, "line_item_1") {
            prop_assert_eq!(e.field.as_str(), "line_item_1", "{}", e.message);
        }
        for (e, column) in [
            (tax_items(&cell).err(), "tax_items"),
            (fee_items(&cell).err(), "fee_items"),
            (refunds(&cell).err(), "refund_items"),
        ] {
            if let Some(e) = e {
                prop_assert_eq!(e.field.as_str(), column, "{}", e.message);
            }
        }
    }

    #[test]
    fn values_never_panic(s in "\\PC{0,30}") {
        let _ = parse_amount(&s, true);
        let _ = parse_amount(&s, false);
        let (text, _) = decode_html(&s);
        prop_assert!(!text.is_empty() || s.is_empty() || s.contains('<'));
    }

    #[test]
    fn snapped_rates_turn_the_base_into_the_tax(base in 1i64..10_000_000, rate in prop::sample::select(vec!["20", "10", "5.5", "2.1"])) {
        let base = Decimal::new(base, 2);
        let r: Decimal = rate.parse().unwrap();
        let tax = (base * r / Decimal::ONE_HUNDRED).round_dp(2);
        let got = snap_rate(base, tax, &[]).unwrap().unwrap();
        prop_assert!((base * got / Decimal::ONE_HUNDRED - tax).abs() <= Decimal::new(5, 3));
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// A PrestaShop file cut anywhere, or with a byte changed anywhere, is read or refused
    /// with an error naming the file.
    #[test]
    fn damaged_xml_never_panics(cut in 0usize..40_000, at in 0usize..40_000, byte in any::<u8>()) {
        let whole = std::fs::read(fixture("prestashop/webservice_orders.xml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = whole[..cut.min(whole.len())].to_vec();
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        let path = dir.path().join("abime.xml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = read_all(&path) {
            prop_assert!(e.contains("abime.xml") || e == "not orders", "{}", e);
        }
    }

    /// The same for a WebToffee CSV.
    #[test]
    fn damaged_webtoffee_never_panics(cut in 0usize..9_000, at in 0usize..9_000, byte in any::<u8>()) {
        let whole = std::fs::read(fixture("woocommerce/order_export_webtoffee.csv")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = whole[..cut.min(whole.len())].to_vec();
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        let path = dir.path().join("abime.csv");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = read_all(&path) {
            prop_assert!(e.contains("abime.csv") || e == "not orders", "{}", e);
        }
    }
}
