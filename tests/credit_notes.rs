//! Refunds and cancellations become credit notes (factures d'avoir, `#CHEN` 1/7/3), per
//! platform, over three days of exports (tests/fixtures/refunds/make_*.py): orders converted
//! on day 1; on day 2 some are refunded whole, in part, or cancelled (exactly one credit note
//! each, naming its invoice, to the cent), and a new order partially refunded gets its
//! invoice and a credit note; day 2 again writes nothing; on day 3 larger refunds credit only
//! the difference. Goldens hold the credit notes byte for byte.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_golden, cp850_lines, fixture, passerelle};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

const PROFILE: &str = "profiles/orders_refunds.toml";

fn refunds(name: &str) -> PathBuf {
    fixture(&format!("refunds/{name}"))
}

struct Run {
    report: Value,
    code: i32,
    stdout: String,
    dir: PathBuf,
}

impl Run {
    fn documents(&self) -> &Vec<Value> {
        self.report["documents"].as_array().unwrap()
    }
    fn created(&self, kind: &str) -> Vec<&Value> {
        self.documents().iter().filter(|d| d["action"] == "created" && d["type"] == kind).collect()
    }
    fn warnings(&self, kind: &str) -> Vec<&Value> {
        self.report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
    }
    fn outputs(&self) -> Vec<String> {
        self.report["outputs"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_string()).collect()
    }
}

fn convert_with(dir: &Path, profile: &Path, inputs: &[PathBuf], extra: &[&str]) -> Run {
    let out = passerelle(dir)
        .args(["convert", "--profile"])
        .arg(profile)
        .args(["--out", "out", "--state", "state", "--report", "r.json"])
        .args(extra)
        .args(inputs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_slice(&fs::read(dir.join("r.json")).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)));
    Run { report, code: out.status.code().unwrap(), stdout, dir: dir.to_path_buf() }
}

fn convert(dir: &Path, inputs: &[PathBuf]) -> Run {
    convert_with(dir, &fixture(PROFILE), inputs, &[])
}

/// A document of a Format Sage file: its header fields, its lines' fields, and what Sage
/// will likely total (price × quantity − discount per line, tax added to HT lines, rounded
/// per line).
struct Doc {
    header: Vec<String>,
    lines: Vec<Vec<String>>,
    total: Decimal,
}

impl Doc {
    fn piece(&self) -> &str {
        &self.header[4]
    }
}

fn num(s: &str) -> Decimal {
    s.trim_end_matches('F').replace(',', ".").parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn documents(bytes: &[u8]) -> Vec<Doc> {
    let lines = cp850_lines(bytes);
    let mut docs: Vec<Doc> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match l.as_str() {
            "#CHEN" => {
                docs.push(Doc { header: lines[i + 1..i + 87].to_vec(), lines: Vec::new(), total: Decimal::ZERO })
            }
            "#CHLI" => {
                let f = lines[i + 1..i + 63].to_vec();
                let discount = if f[18].is_empty() { Decimal::ZERO } else { num(&f[18]) };
                let amount = round2(num(&f[11]) * num(&f[13]) - discount);
                let total = if f[10] == "1" {
                    amount
                } else {
                    round2(amount * (Decimal::ONE + num(&f[32]) / Decimal::ONE_HUNDRED))
                };
                let doc = docs.last_mut().unwrap();
                doc.total += total;
                doc.lines.push(f);
            }
            _ => {}
        }
    }
    docs
}

fn valid(bytes: &[u8]) {
    let v = passerelle::sage::validate::validate(bytes).unwrap();
    assert_eq!(v.errors(), 0, "{:?}", v.findings);
}

/// A credit note expected: the order, its piece, its invoice's piece, its total and lines.
struct Credit {
    order: &'static str,
    piece: &'static str,
    invoice: &'static str,
    total: &'static str,
    lines: usize,
}

struct Case {
    /// The golden files' prefix (`credit_notes/<name>_2.txt`).
    name: &'static str,
    days: [Vec<PathBuf>; 3],
    /// Orders invoiced on day 1.
    day1: &'static [&'static str],
    /// Credit notes of day 2, and the orders invoiced that day (refunded before their first
    /// conversion), and skipped (refunded whole before it).
    day2: Vec<Credit>,
    day2_invoices: &'static [&'static str],
    day2_skipped: &'static [&'static str],
    day3: Vec<Credit>,
}

/// Checks the credit notes of a run against `expected`, in the report and in its Format
/// Sage output; returns the output's documents.
fn check_credits(run: &Run, expected: &[Credit], golden: &str) -> Vec<Doc> {
    assert_eq!(run.code, 0, "{}\n{:#}", run.stdout, run.report["errors"]);
    let notes = run.created("credit_note");
    let got: Vec<(&str, &str, &str, u64)> = notes
        .iter()
        .map(|d| {
            (
                d["order"].as_str().unwrap(),
                d["piece"].as_str().unwrap(),
                d["invoice"].as_str().unwrap(),
                d["lines"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, &str, u64)> =
        expected.iter().map(|c| (c.order, c.piece, c.invoice, c.lines as u64)).collect();
    assert_eq!(got, want, "exactly one credit note per refunded order, naming its invoice");
    assert_eq!(run.report["totals"]["credit_notes_created"], expected.len());
    let outputs = run.outputs();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let bytes = fs::read(run.dir.join(&outputs[0])).unwrap();
    assert_golden(golden, &bytes);
    valid(&bytes);
    let docs = documents(&bytes);
    for c in expected {
        let doc = docs.iter().find(|d| d.piece() == c.piece).unwrap_or_else(|| panic!("{} in the file", c.piece));
        let h = &doc.header;
        assert_eq!(
            [h[0].as_str(), &h[1], &h[2]],
            ["1", "7", "3"],
            "{}: Domaine, Type, Provenance of an avoir",
            c.piece
        );
        assert_eq!((h[6].as_str(), h[69].as_str()), (c.invoice, c.invoice), "{}: Référence and N° FA origine", c.piece);
        assert_eq!(doc.total, c.total.parse::<Decimal>().unwrap(), "{}: credited to the cent", c.piece);
        assert_eq!(doc.lines.len(), c.lines);
        for l in &doc.lines {
            assert!(num(&l[13]) > Decimal::ZERO && num(&l[11]) >= Decimal::ZERO, "{}: positive: {l:?}", c.piece);
            assert_eq!(l[41], h[10], "the line's tiers is the document's");
        }
    }
    docs
}

fn three_days(case: Case) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let day1 = convert(d, &case.days[0]);
    assert_eq!(day1.code, 0, "{}", day1.stdout);
    let invoiced: Vec<&str> = day1.created("invoice").iter().map(|x| x["order"].as_str().unwrap()).collect();
    assert_eq!(invoiced, case.day1);
    assert!(day1.created("credit_note").is_empty());
    let clients: Vec<(String, String)> = day1
        .created("invoice")
        .iter()
        .map(|x| (x["piece"].as_str().unwrap().to_string(), x["customer"].as_str().unwrap().to_string()))
        .collect();

    let day2 = convert(d, &case.days[1]);
    let docs = check_credits(&day2, &case.day2, &format!("credit_notes/{}_2.txt", case.name));
    let invoiced: Vec<&str> = day2.created("invoice").iter().map(|x| x["order"].as_str().unwrap()).collect();
    assert_eq!(invoiced, case.day2_invoices, "refunded in part before their first conversion: invoiced");
    for order in case.day2_skipped {
        let e = day2.documents().iter().find(|x| x["order"] == *order).unwrap();
        assert_eq!((e["action"].as_str(), e["type"].as_str()), (Some("skipped"), Some("invoice")), "{e}");
    }
    // A credit note goes to its invoice's client.
    for note in day2.created("credit_note") {
        let invoice = note["invoice"].as_str().unwrap();
        if let Some((_, client)) = clients.iter().find(|(p, _)| p == invoice) {
            assert_eq!(note["customer"].as_str(), Some(client.as_str()), "{note}");
        }
    }
    // An invoice and its credit note in the same file: the invoice first.
    for order in case.day2_invoices {
        let invoice = day2.created("invoice").into_iter().find(|x| x["order"] == *order).unwrap();
        let at = |piece: &str| docs.iter().position(|x| x.piece() == piece).unwrap();
        let note = case.day2.iter().find(|c| c.order == *order).unwrap();
        assert!(at(invoice["piece"].as_str().unwrap()) < at(note.piece));
    }
    let warned = day2.warnings("credit_note_sign");
    assert_eq!(warned.len(), 1, "the sign is said once: {warned:#?}");
    assert_eq!(warned[0]["count"], 1);

    // The same export again: nothing to import, no file.
    let again = convert(d, &case.days[1]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(again.outputs().is_empty(), "{:?}", again.outputs());
    assert!(again.documents().iter().all(|x| x["action"] != "created"));
    for c in &case.day2 {
        let e = again.documents().iter().find(|x| x["order"] == c.order && x["type"] == "credit_note");
        let e = e.unwrap_or_else(|| panic!("{}: a credit-note entry saying why not", c.order));
        assert_eq!(e["action"], "skipped_already_converted", "{e}");
    }

    // Larger refunds: only the difference.
    let day3 = convert(d, &case.days[2]);
    check_credits(&day3, &case.day3, &format!("credit_notes/{}_3.txt", case.name));
    assert!(day3.created("invoice").is_empty());

    let ledger = fs::read_to_string(d.join("state/ledger.tsv")).unwrap();
    let credits = ledger.lines().filter(|l| l.starts_with("R\t")).count();
    assert_eq!(credits, case.day2.len() + case.day3.len(), "{ledger}");
}

#[test]
fn shopify_refunds_and_cancellations_become_credit_notes() {
    three_days(Case {
        name: "shopify",
        days: [vec![refunds("shopify_1.csv")], vec![refunds("shopify_2.csv")], vec![refunds("shopify_3.csv")]],
        day1: &["#2001", "#2002", "#2003", "#2004"],
        day2: vec![
            // Refunded whole: the invoice's lines (2 products and the shipping).
            Credit { order: "#2001", piece: "AV2001", invoice: "WEB2001", total: "66.40", lines: 3 },
            // 16.00 of 81.90: Shopify does not say which lines: the refund article.
            Credit { order: "#2002", piece: "AV2002", invoice: "WEB2002", total: "16.00", lines: 1 },
            // Cancelled: the whole invoice.
            Credit { order: "#2004", piece: "AV2004", invoice: "WEB2004", total: "18.40", lines: 2 },
            Credit { order: "#2005", piece: "AV2005", invoice: "WEB2005", total: "12.50", lines: 1 },
        ],
        day2_invoices: &["#2005"],
        day2_skipped: &["#2006"],
        day3: vec![
            // 32.00 refunded in all: the 16.00 more, under a second number.
            Credit { order: "#2002", piece: "AV2002A", invoice: "WEB2002", total: "16.00", lines: 1 },
            Credit { order: "#2003", piece: "AV2003", invoice: "WEB2003", total: "10.00", lines: 1 },
        ],
    });
}

#[test]
fn woocommerce_refunds_and_cancellations_become_credit_notes() {
    three_days(Case {
        name: "woocommerce",
        days: [vec![refunds("webtoffee_1.csv")], vec![refunds("webtoffee_2.csv")], vec![refunds("webtoffee_3.csv")]],
        day1: &["3001", "3002", "3003", "3004"],
        day2: vec![
            Credit { order: "3001", piece: "AV3001", invoice: "WEB3001", total: "47.28", lines: 3 },
            // One mug of two (refunded:9.90 on its line): that line, one unit.
            Credit { order: "3002", piece: "AV3002", invoice: "WEB3002", total: "11.88", lines: 1 },
            Credit { order: "3004", piece: "AV3004", invoice: "WEB3004", total: "21.48", lines: 2 },
            // A bonbon (3.60 HT at 5.5 %) and 3.00 HT of a mug: the two lines.
            Credit { order: "3005", piece: "AV3005", invoice: "WEB3005", total: "7.40", lines: 2 },
        ],
        day2_invoices: &["3005"],
        day2_skipped: &["3006"],
        day3: vec![
            // The shipping refunded too (17.76 in all): 5.88 more.
            Credit { order: "3002", piece: "AV3002A", invoice: "WEB3002", total: "5.88", lines: 1 },
            // 10.00 naming no line, on an order at 5.5 % and 20 %: one line per rate.
            Credit { order: "3003", piece: "AV3003", invoice: "WEB3003", total: "10.00", lines: 2 },
        ],
    });
}

#[test]
fn prestashop_order_slips_and_refund_states_become_credit_notes() {
    three_days(Case {
        name: "prestashop",
        days: [
            vec![refunds("prestashop_1.xml")],
            vec![refunds("prestashop_2.xml")],
            // Day 3's slips come in a file of their own, as /api/order_slip gives them.
            vec![refunds("prestashop_3.xml"), refunds("prestashop_slips_3.xml")],
        ],
        day1: &["RBTOTAL01", "RBPARTI02", "ANNULE303"],
        day2: vec![
            // Remboursé, with a slip for everything: the invoice's lines.
            Credit { order: "RBTOTAL01", piece: "AVRBTOTAL01", invoice: "WEBRBTOTAL01", total: "69.90", lines: 3 },
            // A slip for one poster of three: that line.
            Credit { order: "RBPARTI02", piece: "AVRBPARTI02", invoice: "WEBRBPARTI02", total: "15.00", lines: 1 },
            // Annulé.
            Credit { order: "ANNULE303", piece: "AVANNULE303", invoice: "WEBANNULE303", total: "19.90", lines: 2 },
            Credit { order: "NOUVEAU04", piece: "AVNOUVEAU04", invoice: "WEBNOUVEAU04", total: "35.00", lines: 1 },
        ],
        day2_invoices: &["NOUVEAU04"],
        day2_skipped: &[],
        day3: vec![
            // A second slip refunds the shipping.
            Credit { order: "RBPARTI02", piece: "AVRBPARTI02A", invoice: "WEBRBPARTI02", total: "4.90", lines: 1 },
        ],
    });
}

/// The REST API exports (JSON): WooCommerce's `refunds[]` (amounts only) and status, Magento's
/// `total_refunded` and the items' `qty_refunded` / `amount_refunded` / `tax_refunded`. Day 2
/// is the real-format corpus file with refunds added.
#[test]
fn rest_api_refunds_become_credit_notes() {
    let corpus = |rel: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_formats").join(rel);
    // The corpus file, how day 2 refunds it, the credit notes (order, piece, total, lines).
    type Case = (&'static str, fn(&mut Value), Vec<(&'static str, &'static str, &'static str, usize)>);
    let cases: [Case; 2] = [
        (
            "woocommerce_rest/orders.json",
            |v| {
                let orders = v.as_array_mut().unwrap();
                let by = |n: &str| orders.iter().position(|o| o["number"] == n).unwrap();
                let (a, b) = (by("5101"), by("5104"));
                orders[a]["refunds"] = serde_json::json!([{"id": 701, "reason": "Savon cassé", "total": "-5.40"}]);
                orders[b]["status"] = "refunded".into();
                orders[b]["refunds"] = serde_json::json!([{"id": 702, "reason": "Rétractation", "total": "-81.02"}]);
            },
            // 5.40 naming no line, on an invoice excluding tax: 4.50 HT at 20 %.
            vec![("5101", "AV5101", "5.40", 1), ("5104", "AV5104", "81.02", 1)],
        ),
        (
            "magento/orders.json",
            |v| {
                let orders = v["items"].as_array_mut().unwrap();
                let by = |n: &str| orders.iter().position(|o| o["increment_id"] == n).unwrap();
                let (a, b) = (by("000000145"), by("000000148"));
                orders[a]["status"] = "closed".into();
                orders[a]["state"] = "closed".into();
                orders[a]["total_refunded"] = 72.5.into();
                orders[b]["total_refunded"] = 5.into();
                let item = &mut orders[b]["items"][0];
                item["qty_refunded"] = 1.into();
                item["amount_refunded"] = 4.1667.into();
                item["tax_refunded"] = 0.8333.into();
            },
            vec![("000000145", "AV000000145", "72.50", 3), ("000000148", "AV000000148", "5.00", 1)],
        ),
    ];
    for (file, refund, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let day1 = convert(d, &[corpus(file)]);
        assert_eq!(day1.code, 0, "{file}: {}", day1.stdout);
        let mut v: Value = serde_json::from_slice(&fs::read(corpus(file)).unwrap()).unwrap();
        refund(&mut v);
        let day2_file = d.join("orders_2.json");
        fs::write(&day2_file, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        let day2 = convert(d, std::slice::from_ref(&day2_file));
        assert_eq!(day2.code, 0, "{file}: {}", day2.stdout);
        let got: Vec<(&str, &str, &str)> = day2
            .created("credit_note")
            .iter()
            .map(|x| (x["order"].as_str().unwrap(), x["piece"].as_str().unwrap(), x["invoice"].as_str().unwrap()))
            .collect();
        let want: Vec<(&str, &str, String)> = expected.iter().map(|(o, p, _, _)| (*o, *p, format!("WEB{o}"))).collect();
        assert_eq!(got.len(), want.len(), "{file}: {got:?}");
        for ((o, p, i), (wo, wp, wi)) in got.iter().zip(&want) {
            assert_eq!((*o, *p, *i), (*wo, *wp, wi.as_str()), "{file}");
        }
        let bytes = fs::read(d.join(&day2.outputs()[0])).unwrap();
        valid(&bytes);
        let docs = documents(&bytes);
        for (_, piece, total, lines) in &expected {
            let doc = docs.iter().find(|x| x.piece() == *piece).unwrap();
            assert_eq!((doc.total, doc.lines.len()), (total.parse().unwrap(), *lines), "{file}: {piece}");
            assert_eq!(doc.header[2], "3");
        }
        let again = convert(d, std::slice::from_ref(&day2_file));
        assert!(again.outputs().is_empty() && again.created("credit_note").is_empty(), "{file}: {}", again.stdout);
    }
}

/// `[orders] refunds = "skip"`: no credit note; each refund of a converted order is said, and
/// an order refunded in part before its first conversion is invoiced whole, as earlier
/// versions did.
#[test]
fn refunds_skip_writes_no_credit_note_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = fs::read_to_string(fixture(PROFILE)).unwrap();
    let list = fixture("gescom/export_ver33.txt").display().to_string().replace('\\', "/");
    let text = text.replace("\"../gescom/export_ver33.txt\"", &format!("'{list}'"));
    let profile = d.join("skip.toml");
    fs::write(&profile, text.replace("[orders]\n", "[orders]\nrefunds = \"skip\"\n")).unwrap();
    assert_eq!(convert_with(d, &profile, &[refunds("shopify_1.csv")], &[]).code, 0);
    let day2 = convert_with(d, &profile, &[refunds("shopify_2.csv")], &[]);
    assert_eq!(day2.code, 0, "{}", day2.stdout);
    assert!(day2.created("credit_note").is_empty());
    // One warning, counted: #2001, #2002, #2004.
    let said = day2.warnings("refund");
    assert_eq!((said.len(), said[0]["count"].as_u64()), (1, Some(3)), "{said:#?}");
    assert!(said[0]["message"].as_str().unwrap().contains("refunds = \"skip\""), "{said:#?}");
    for order in ["#2001", "#2002", "#2004"] {
        let e = day2.documents().iter().find(|x| x["order"] == order && x["type"] == "credit_note").unwrap();
        assert_eq!(e["action"], "skipped_already_converted", "{e}");
    }
    let partial = day2.warnings("partially_refunded");
    assert_eq!(partial.len(), 1);
    assert!(partial[0]["message"].as_str().unwrap().contains("12.50 of 54.00"), "{partial:#?}");
    let bytes = fs::read(d.join(&day2.outputs()[0])).unwrap();
    let docs = documents(&bytes);
    assert_eq!(docs.iter().map(|x| x.piece()).collect::<Vec<_>>(), ["WEB2005"]);
    assert!(!fs::read_to_string(d.join("state/ledger.tsv")).unwrap().contains("\nR\t"));
}

/// A ledger written before credit notes (O lines without the client): the credit note goes
/// to the client the customer resolves to (here the code issued on day 1), said.
#[test]
fn a_ledger_of_an_earlier_version_still_gives_credit_notes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(convert(d, &[refunds("shopify_1.csv")]).code, 0);
    let path = d.join("state/ledger.tsv");
    let old: String = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(
            |l| if l.starts_with("O\t") { l.split('\t').take(4).collect::<Vec<_>>().join("\t") } else { l.to_string() },
        )
        .map(|l| l + "\n")
        .collect();
    fs::write(&path, old).unwrap();
    let day2 = convert(d, &[refunds("shopify_2.csv")]);
    assert_eq!(day2.code, 0, "{}", day2.stdout);
    let notes: Vec<(&str, &str)> = day2
        .created("credit_note")
        .iter()
        .map(|x| (x["piece"].as_str().unwrap(), x["customer"].as_str().unwrap()))
        .collect();
    assert_eq!(
        notes,
        [("AV2001", "SHO000001"), ("AV2002", "SHO000002"), ("AV2004", "SHO000004"), ("AV2005", "SHO000005")]
    );
    let guessed = day2.warnings("guessed");
    assert!(
        guessed.iter().any(|w| w["message"].as_str().unwrap().contains("converted by an earlier version")),
        "{guessed:#?}"
    );
}

/// Day 1 and day 2 in one run (two inputs): the credit notes of the second file name the
/// invoices the first one wrote; a dry run of day 2 says the same and writes nothing.
#[test]
fn invoices_of_an_earlier_input_of_the_run_are_credited_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dry =
        convert_with(d, &fixture(PROFILE), &[refunds("webtoffee_1.csv"), refunds("webtoffee_2.csv")], &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stdout);
    assert_eq!(dry.created("credit_note").len(), 4);
    assert!(!d.join("state").exists() && !d.join("out").exists());
    let run = convert(d, &[refunds("webtoffee_1.csv"), refunds("webtoffee_2.csv")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let pieces = |r: &Run| -> Vec<(String, String)> {
        r.created("credit_note")
            .iter()
            .map(|x| (x["piece"].as_str().unwrap().to_string(), x["invoice"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(pieces(&run), pieces(&dry));
    assert_eq!(pieces(&run).len(), 4);
    let second = fs::read(d.join("out/webtoffee_2.txt")).unwrap();
    assert_golden("credit_notes/woocommerce_2.txt", &second);
}
