//! WooCommerce and PrestaShop exports as the shops write them (`tests/real_formats/`): each
//! file has the platform's real header and layout with invented French rows, and converts,
//! through the real binary, with the profile `passerelle profile init` writes (client list set;
//! `unknown_article = "divers"` where lines have no SKU). Then: no record failed, every output
//! passes `passerelle validate`, second address lines reach the Sage file, and the columns
//! passerelle does not read are named, once per input, with the line that would read them.
//! Also the CLI's account of a partly failed input (status `partial`, grouped errors) and of
//! a file without order numbers (a failed input).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{cp850_lines, passerelle};
use serde_json::Value;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_formats").join(rel)
}

/// A folder holding the profile `profile init` writes and the invented client list where that
/// profile looks for it (`gescom/clients.csv`); with `divers`, lines without SKU go on the
/// "divers" article.
fn site(divers: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path()).args(["profile", "init", "profile.toml"]).assert().success();
    fs::create_dir_all(dir.path().join("gescom")).unwrap();
    fs::copy(corpus("gescom_shops.csv"), dir.path().join("gescom/clients.csv")).unwrap();
    if divers {
        set(dir.path(), "unknown_article", "\"divers\"");
    }
    dir
}

/// Replaces the value of `key` in the profile (the line `key = ...` must be there).
fn set(dir: &Path, key: &str, value: &str) {
    let path = dir.join("profile.toml");
    let text = fs::read_to_string(&path).unwrap();
    let prefix = format!("{key} = ");
    assert!(text.lines().any(|l| l.starts_with(&prefix)), "profile init writes no {key}");
    let out: Vec<String> =
        text.lines().map(|l| if l.starts_with(&prefix) { format!("{prefix}{value}") } else { l.to_string() }).collect();
    fs::write(&path, out.join("\n") + "\n").unwrap();
}

/// `convert --profile profile.toml --out out --state state --report report.json INPUT` in
/// `dir`: the report, the exit code and what was printed.
fn convert(dir: &Path, input: &Path) -> (Value, i32, String) {
    let out = passerelle(dir)
        .args(["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "--report", "report.json"])
        .arg(input)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&fs::read(dir.join("report.json")).unwrap()).unwrap();
    (report, out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn warnings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
}

/// The fields of the first record `tag` whose field `key_pos` (1-based) is `key`.
fn record(lines: &[String], tag: &str, key_pos: usize, key: &str) -> Vec<String> {
    let tag = format!("#{tag}");
    for (s, _) in lines.iter().enumerate().filter(|(_, l)| **l == tag) {
        if lines.get(s + key_pos).map(String::as_str) == Some(key) {
            return lines[s + 1..].iter().take_while(|l| !l.starts_with('#')).cloned().collect();
        }
    }
    panic!("no {tag} with field {key_pos} = {key}");
}

/// What a file of the corpus must give.
struct Case {
    file: &'static str,
    /// Lines without SKU: the profile sends them to the "divers" article.
    divers: bool,
    /// Second address lines (or other values) that must be fields of the Sage file.
    in_sage: &'static [&'static str],
    /// Columns the unused-column warning must name, with the text it must hold for each
    /// (the `[input.columns]` line); empty: no such warning at all.
    unused: &'static [(&'static str, &'static str)],
    /// Columns it must not name (read, or of no use in Sage).
    not_unused: &'static [&'static str],
}

/// Converts a file of the corpus and checks what every file must give; the report and the
/// lines of the Sage file for the case's own checks.
fn check(case: &Case) -> (Value, Vec<String>) {
    let dir = site(case.divers);
    let input = corpus(case.file);
    let (report, code, stdout) = convert(dir.path(), &input);
    assert_eq!(code, 0, "{}: {stdout}\n{report:#}", case.file);
    let i = &report["inputs"][0];
    assert_eq!(i["status"], "ok", "{}: {i:#}", case.file);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{}: {:#}", case.file, report["errors"]);
    let t = &report["totals"];
    assert_eq!((t["customers_failed"].as_u64(), t["documents_failed"].as_u64()), (Some(0), Some(0)), "{t:#}");

    // Every document written has its N° de pièce (A-Z 0-9, at most 13), unique in the file.
    let mut pieces = std::collections::HashSet::new();
    for d in report["documents"].as_array().unwrap().iter().filter(|d| d["action"] == "created") {
        let p = d["piece"].as_str().unwrap();
        assert!(
            !p.is_empty() && p.len() <= 13 && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            "{d}"
        );
        assert!(pieces.insert(p.to_string()), "{}: piece {p} twice", case.file);
    }
    let outputs: Vec<String> =
        report["outputs"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_string()).collect();
    assert_eq!(outputs.len(), 1, "{}: {outputs:?}", case.file);
    for o in &outputs {
        let v = passerelle(dir.path()).arg("validate").arg(o).output().unwrap();
        assert!(v.status.success(), "{o} does not pass validate: {}", String::from_utf8_lossy(&v.stdout));
    }
    let lines = cp850_lines(&fs::read(dir.path().join(&outputs[0])).unwrap());
    for want in case.in_sage {
        assert!(lines.iter().any(|l| l == want), "{}: no field '{want}' in the Sage file", case.file);
    }

    let unused = warnings(&report, "unused_columns");
    if case.unused.is_empty() {
        assert!(unused.is_empty(), "{}: {unused:#?}", case.file);
    } else {
        assert_eq!(unused.len(), 1, "{}: one warning for the input: {unused:#?}", case.file);
        let m = unused[0]["message"].as_str().unwrap();
        for (column, line) in case.unused {
            assert!(m.contains(&format!("\"{column}\"")) && m.contains(line), "{}: {column}, {line} in {m}", case.file);
        }
        for column in case.not_unused {
            assert!(!m.contains(&format!("\"{column}\"")), "{}: {column} is not unused: {m}", case.file);
        }
    }
    (report, lines)
}

// --- WooCommerce ------------------------------------------------------------------------

/// WebToffee, the layout of the plugin's own older sample (49 columns, `refunded_total`, line
/// items packed without `sub_total`: `…|quantity:2|total:33.33|refunded:0.00|meta:|tax:6.67`).
#[test]
fn webtoffee_sample_layout_49_columns_without_subtotal() {
    let (report, lines) = check(&Case {
        file: "woocommerce/webtoffee_sample_49.csv",
        divers: false,
        in_sage: &["3e étage", "Résidence Les Tilleuls, bât. C"],
        unused: &[],
        not_unused: &[],
    });
    // The unit price is the line total ÷ quantity, its rate from the line's tax.
    let candle = record(&lines, "CHLI", 2, "BOUG-FIG");
    assert_eq!((candle[11].as_str(), candle[32].as_str()), ("16,6650", "20,0000"));
    let tea = record(&lines, "CHLI", 2, "THE-SENCHA");
    assert_eq!((tea[11].as_str(), tea[32].as_str()), ("8,5300", "5,5000"));
    // Said once for the export, counted over its orders (the cancelled one too: it was read).
    let said: Vec<&Value> = warnings(&report, "guessed")
        .into_iter()
        .filter(|w| w["message"].as_str().unwrap().contains("sub_total"))
        .collect();
    assert_eq!(said.len(), 1, "{said:#?}");
    assert_eq!(said[0]["count"], 5);
    assert_eq!(report["totals"]["documents_created"], 4);
    assert_eq!(report["totals"]["documents_skipped"], 1, "the cancelled order");
}

/// WebToffee, the layout of the plugin's newer sample (50 columns, `customer_email`,
/// `refund_items`, a raw newline in `shipping_items`, dd-mm-YYYY dates, variation pairs).
#[test]
fn webtoffee_sample_layout_50_columns_without_subtotal() {
    let (report, lines) = check(&Case {
        file: "woocommerce/webtoffee_sample_50.csv",
        divers: false,
        in_sage: &["Porte 16, 3e étage"],
        unused: &[],
        not_unused: &[],
    });
    let plaid = record(&lines, "CHLI", 2, "PLAID-BIO-GRIS");
    assert_eq!(plaid[11], "41,6700");
    assert!(lines.iter().any(|l| l == "Emballage cadeau"), "the fee is a line");
    // Three invoices, and a credit note for order 2102's refund (refund_items, 12.00).
    assert_eq!(report["totals"]["documents_created"], 4);
    assert_eq!(report["totals"]["credit_notes_created"], 1);
    let credit = report["documents"].as_array().unwrap().iter().find(|d| d["type"] == "credit_note").unwrap();
    assert_eq!((credit["order"].as_str(), credit["invoice"].as_str()), (Some("2102"), Some("WEB2102")));
    assert!(warnings(&report, "totals").is_empty(), "{:#?}", warnings(&report, "totals"));
}

/// WebToffee, the current layout: `sub_total` and `tax_data` in the line items, `meta:`
/// columns. A VAT plugin's key the dialect does not know is named with the line that reads it.
#[test]
fn webtoffee_current_layout_with_subtotal() {
    let (report, lines) = check(&Case {
        file: "woocommerce/webtoffee_current_subtotal.csv",
        divers: false,
        in_sage: &["3e étage, porte droite", "Bâtiment A, 3e étage"],
        unused: &[("meta:_billing_numero_tva", "vat_number = \"meta:_billing_numero_tva\"")],
        not_unused: &["meta:_wc_order_attribution_source_type", "order_key", "customer_user_agent", "line_item_1"],
    });
    assert!(
        warnings(&report, "guessed").iter().all(|w| !w["message"].as_str().unwrap().contains("sub_total")),
        "sub_total is there: no guess"
    );
    // The coupon stays on its lines: price before it, the discount beside it.
    let agenda = record(&lines, "CHLI", 2, "AGENDA-27");
    assert_eq!(agenda[11], "20,8350");
}

/// AlgolPlus, products as rows with "populate other columns" on (every row repeats the order),
/// a user-configured header as merchants export it (quoted labels, `Address 1&2`).
#[test]
fn algolplus_products_as_rows_populated() {
    let (report, lines) = check(&Case {
        file: "woocommerce/algolplus_products_rows.csv",
        divers: false,
        in_sage: &["Sac cabas en toile de lin", "Boîte à thé en métal"],
        unused: &[],
        not_unused: &[],
    });
    assert_eq!(report["totals"]["documents_created"], 3);
    // Both lines of one address cell stay together ("Address 1&2" is not split).
    assert!(lines.iter().any(|l| l == "7 rue des Lilas, 3e étage"), "the address cell");
}

/// AlgolPlus with its default-checked fields and "populate" off (the old default): the rows
/// after an order's first leave every order column empty, its number too. Products without
/// SKU go on the "divers" article.
#[test]
fn algolplus_default_fields_one_row_per_order() {
    let (report, lines) = check(&Case {
        file: "woocommerce/algolplus_default_fields.csv",
        divers: true,
        in_sage: &["12 rue Victor-Hugo, 3e étage", "Tasse à expresso (lot de 2)"],
        unused: &[],
        not_unused: &[],
    });
    assert_eq!(report["totals"]["documents_created"], 2);
    assert!(warnings(&report, "skipped").is_empty(), "no row left out: {:#?}", warnings(&report, "skipped"));
    let divers: u64 = warnings(&report, "divers_article").iter().map(|w| w["count"].as_u64().unwrap()).sum();
    assert_eq!(divers, 2, "{:#?}", warnings(&report, "divers_article"));
    let cup = record(&lines, "CHLI", 2, "TASSE-ESP");
    assert_eq!(cup[11], "12,5000");
}

// --- PrestaShop -------------------------------------------------------------------------

/// Back office (Symfony grid), Customers › Export, English back office (8.x, with Group).
#[test]
fn prestashop_back_office_customers_english() {
    let (report, _) = check(&Case {
        file: "prestashop/customer_2026-11-24_091502.csv",
        divers: false,
        in_sage: &["Zoé N'Diaye"],
        unused: &[],
        not_unused: &[],
    });
    let matched = report["customers"].as_array().unwrap().iter().find(|c| c["shop_id"] == "14").unwrap();
    assert_eq!((matched["action"].as_str(), matched["code"].as_str()), (Some("matched"), Some("DUPRESSOIR")));
}

/// The same export from a French back office (translated headers, French amounts).
#[test]
fn prestashop_back_office_customers_french() {
    check(&Case {
        file: "prestashop/customer_2026-11-24_091733.csv",
        divers: false,
        in_sage: &["Menuiserie Lacroix & Fils"],
        unused: &[],
        not_unused: &[],
    });
}

/// The legacy controller export of 1.6 (`id`, a BOM, raw sums).
#[test]
fn prestashop_legacy_16_customers() {
    check(&Case {
        file: "prestashop/customer_2026-11-24_092010.csv",
        divers: false,
        in_sage: &["Imprimerie Collin"],
        unused: &[],
        not_unused: &[],
    });
}

/// SQL Manager (1.7+), a query aliased with the French back office's labels: "Adresse (2)"
/// is read, a loyalty code no field takes is named.
#[test]
fn prestashop_sql_manager_french_labels() {
    let (_, lines) = check(&Case {
        file: "prestashop/request_sql_3.csv",
        divers: false,
        in_sage: &["3e étage, porte gauche", "Bâtiment B, 2e étage", "Boîte 3"],
        unused: &[("Code fidélité", "no field matches")],
        not_unused: &["Adresse (2)", "Date de naissance", "Téléphone portable"],
    });
    let perrot = record(&lines, "CCLI", 5, "Louise Perrot");
    assert_eq!((perrot[7].as_str(), perrot[8].as_str()), ("14 rue de la Roquette", "3e étage, porte gauche"));
}

/// SQL Manager of 1.6: every value quoted with a trailing `;`, no newline at the end, the raw
/// field names as aliases.
#[test]
fn prestashop_sql_manager_16_field_names() {
    check(&Case {
        file: "prestashop/request_sql_16.csv",
        divers: false,
        in_sage: &["3e étage droite", "Lot 7"],
        unused: &[("other", "no field matches")],
        not_unused: &["address2", "ape"],
    });
}

/// `inspect` gives the account `convert` gives: what is read, what is not and holds data
/// (with the line that would read it), what is of no use in Sage.
#[test]
fn inspect_names_the_columns_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path()).arg("inspect").arg(corpus("prestashop/request_sql_3.csv")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("address2     ← Adresse (2)"), "{text}");
    assert!(text.contains("not used:   \"Code fidélité\" (holding data"), "{text}");
    assert!(text.contains("ignored:    \"Date de naissance\""), "{text}");
    assert!(
        text.contains("[unused_columns]") && text.contains("\"Code fidélité\" (no field matches its name)"),
        "{text}"
    );
}

// --- Failed records and failed inputs --------------------------------------------------

/// A copy of a corpus file with `edit` applied, written in `dir`.
fn edited(dir: &Path, rel: &str, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = fs::read_to_string(corpus(rel)).unwrap();
    let path = dir.join(name);
    fs::write(&path, edit(text)).unwrap();
    path
}

/// Two orders of an export fail for the same reason, the others convert: the input is
/// `partial` (console and JSON), the exit code 1, the console says the reason once with its
/// count and first records, the JSON keeps every error.
#[test]
fn a_partly_failed_input_is_partial_and_its_errors_are_grouped() {
    let dir = site(false);
    // Without the guest order 1056 (whose customer code depends on the profile's codification),
    // and with the SKUs of orders 1052 and 1054 removed.
    let input = edited(dir.path(), "woocommerce/webtoffee_sample_49.csv", "sans_sku.csv", |t| {
        t.split("\r\n")
            .filter(|l| !l.starts_with("1056,"))
            .map(|l| {
                if l.starts_with("1052,") || l.starts_with("1054,") {
                    l.replace("|sku:BOUG-FIG|", "|sku:|").replace("|sku:SAV-ANESSE|", "|sku:|")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    });
    let (report, code, stdout) = convert(dir.path(), &input);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(report["inputs"][0]["status"], "partial", "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "every error is kept: {errors:#?}");
    assert!(errors.iter().all(|e| e["field"] == "line_sku"), "{errors:#?}");
    assert!(stdout.contains("PARTIAL ") && stdout.contains("sans_sku.csv"), "{stdout}");
    assert!(stdout.contains("→ out/sans_sku.txt") || stdout.contains("sans_sku.txt"), "{stdout}");
    assert!(stdout.contains("2 error(s) in"), "{stdout}");
    assert!(stdout.contains("(×2 like this: order 1052 (line 2), order 1054 (line 4))"), "{stdout}");
    assert_eq!(stdout.matches("has no SKU").count(), 1, "said once: {stdout}");
    // What converted is there, and valid.
    assert_eq!(report["totals"]["documents_created"], 1);
    let v = passerelle(dir.path()).args(["validate", "out/sans_sku.txt"]).output().unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

/// Every record of an input failed and nothing was written: the input failed, as a whole.
#[test]
fn an_input_whose_every_record_failed_is_failed() {
    let dir = site(false);
    let (report, code, stdout) = convert(dir.path(), &corpus("woocommerce/algolplus_default_fields.csv"));
    assert_eq!(code, 1, "{stdout}");
    let i = &report["inputs"][0];
    assert_eq!(i["status"], "failed", "{report:#}");
    assert!(i["error"].as_str().unwrap().contains("none of its 2 record(s)"), "{i:#}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
    assert!(stdout.contains("FAILED  "), "{stdout}");
    assert!(!dir.path().join("out/algolplus_default_fields.txt").exists());
    assert!(warnings(&report, "no_output").is_empty(), "not 'nothing new to import'");
}

/// WebToffee rows whose order number is empty everywhere: nothing can be converted, and that
/// is a failed input (exit 1), not "nothing new to import"; `watch` puts it in `errors/`.
#[test]
fn a_file_without_any_order_number_is_a_failed_input() {
    let dir = site(false);
    let blank_number = |t: String| {
        t.split("\r\n")
            .enumerate()
            .map(|(i, l)| match (i, l.split_once(',')) {
                (0, _) | (_, None) => l.to_string(),
                // order_id, then order_number emptied.
                (_, Some((id, rest))) => {
                    format!("{id},{}", rest.split_once(',').map(|(_, r)| format!(",{r}")).unwrap())
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let input = edited(dir.path(), "woocommerce/webtoffee_sample_49.csv", "sans_numero.csv", blank_number);
    let (report, code, stdout) = convert(dir.path(), &input);
    assert_eq!(code, 1, "{stdout}");
    let i = &report["inputs"][0];
    assert_eq!(i["status"], "failed", "{i:#}");
    let e = i["error"].as_str().unwrap();
    assert!(e.contains("none of its 5 row(s) has an order number") && e.contains("\"order_number\""), "{e}");
    assert!(warnings(&report, "no_output").is_empty());

    // The drop folder: the file goes to errors/ with its note.
    let watch = dir.path().join("depot");
    fs::create_dir_all(watch.join("inbox")).unwrap();
    fs::create_dir_all(watch.join("gescom")).unwrap();
    fs::copy(corpus("gescom_shops.csv"), watch.join("gescom/clients.csv")).unwrap();
    fs::copy(dir.path().join("profile.toml"), watch.join("profile.toml")).unwrap();
    set(&watch, "settle_ms", "50");
    set(&watch, "min_age_ms", "50");
    fs::write(watch.join("inbox/sans_numero.csv"), fs::read(&input).unwrap()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = passerelle(dir.path()).arg("watch").arg("--dir").arg(&watch).arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let errors: Vec<String> = fs::read_dir(watch.join("errors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(errors.iter().any(|f| f.ends_with("_sans_numero.csv")), "{errors:?}");
    let note = errors.iter().find(|f| f.ends_with("_sans_numero.csv.error.txt")).expect("a note");
    let note = fs::read_to_string(watch.join("errors").join(note)).unwrap();
    assert!(note.contains("order number"), "{note}");
    let out_dir = watch.join("out");
    assert!(!out_dir.exists() || fs::read_dir(&out_dir).unwrap().next().is_none(), "nothing in out/");
}
