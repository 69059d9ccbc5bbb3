//! `convert --html`: the report for people, parsed as a browser would (scraper): its
//! structure, one row per order and customer matching the JSON report, escaping, no external
//! reference, both languages; and the console summary in French or English by the locale.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{fixture, passerelle};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

/// The injected name: it must reach the page as text, never as markup.
const EVIL: &str = "<script>alert('x')</script>";

/// The Shopify orders fixture with a customer named with markup, in `dir`.
fn orders_with_markup(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(fixture("shopify/orders_export.csv")).unwrap();
    assert!(text.contains("Léa Fontaine"));
    let path = dir.join("orders_export.csv");
    fs::write(&path, text.replace("Léa Fontaine", &format!("Léa {EVIL} Fontaine"))).unwrap();
    path
}

struct Run {
    dir: tempfile::TempDir,
    page: Html,
    raw: String,
    report: Value,
    code: i32,
    stdout: String,
}

fn run(profile: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let input = orders_with_markup(dir.path());
    let mut cmd = passerelle(dir.path());
    cmd.args(["convert", "--profile"]).arg(fixture(profile)).args([
        "--out",
        "out",
        "--state",
        "state",
        "--report",
        "r.json",
        "--html",
        "rapport/r.html",
    ]);
    cmd.args(args).arg(&input);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let raw = fs::read_to_string(dir.path().join("rapport/r.html"))
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let report = serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    Run { page: Html::parse_document(&raw), raw, report, code: out.status.code().unwrap(), stdout, dir }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn all(page: &Html, s: &str) -> Vec<String> {
    page.select(&sel(s)).map(text).collect()
}

/// The rows of the table in section `id`, each as its cells' texts.
fn rows(page: &Html, id: &str) -> Vec<Vec<String>> {
    page.select(&sel(&format!("section#{id} tbody tr"))).map(|tr| tr.select(&sel("td")).map(text).collect()).collect()
}

fn headers(page: &Html, id: &str) -> Vec<String> {
    all(page, &format!("section#{id} thead th"))
}

/// Nothing the page would fetch or run: no script, no external resource, no link out.
fn self_contained(run: &Run) {
    let page = &run.page;
    assert_eq!(page.select(&sel("script")).count(), 0, "no script element");
    for tag in ["link", "img", "iframe", "object", "embed", "base", "form", "audio", "video", "source"] {
        assert_eq!(page.select(&sel(tag)).count(), 0, "no <{tag}>");
    }
    for e in page.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            assert!(!name.starts_with("on"), "event handler {name}={value}");
            if ["href", "src", "action", "srcset", "poster", "data", "formaction"].contains(&name) {
                assert!(value.starts_with('#'), "{name}={value}: only links inside the page");
            }
            assert!(name != "style" || !value.contains("url("), "style={value}");
        }
    }
    let style: String = page.select(&sel("style")).map(|s| s.text().collect::<String>()).collect();
    assert!(!style.is_empty(), "inline CSS");
    for bad in ["url(", "@import", "http:", "https:", "@font-face"] {
        assert!(!style.contains(bad), "the CSS fetches nothing ({bad})");
    }
    assert!(!run.raw.contains("http://") && !run.raw.contains("https://"), "no address at all");
}

#[test]
fn the_page_says_per_order_what_the_json_says_and_escapes_shop_values() {
    let r = run("profiles/orders.toml", &["--lang", "en"], &[]);
    assert_eq!(r.code, 1, "#1007 fails alone: {}", r.stdout);
    assert!(r.stdout.contains("report for people: rapport/r.html"), "{}", r.stdout);
    let page = &r.page;
    self_contained(&r);
    assert!(r.raw.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.select(&sel("html[lang=en]")).count(), 1);
    assert_eq!(page.select(&sel("head meta[charset=utf-8]")).count(), 1);
    assert_eq!(all(page, "title"), ["passerelle: conversion report"]);
    let ids: Vec<&str> = page.select(&sel("section")).filter_map(|s| s.value().attr("id")).collect();
    assert_eq!(ids, ["summary", "import", "inputs", "orders", "customers", "errors", "warnings"]);
    // Every internal link has its target.
    let targets: Vec<&str> = page.select(&sel("[id]")).filter_map(|e| e.value().attr("id")).collect();
    for a in page.select(&sel("a[href]")) {
        let target = a.value().attr("href").unwrap().trim_start_matches('#');
        assert!(targets.contains(&target), "#{target}");
    }
    assert!(all(page, "p.banner.bad").len() == 1, "one order failed: said at the top");

    // The input: what was recognised.
    let inputs = rows(page, "inputs");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0][1], "shopify");
    assert_eq!(inputs[0][2], "orders");
    let generation = r.report["inputs"][0]["generation"].as_str().unwrap();
    assert!(!generation.is_empty());
    assert_eq!(inputs[0][3], generation);
    assert!(inputs[0][4].starts_with("utf-8"), "{:?}", inputs[0]);
    assert_eq!(inputs[0][5], r.report["inputs"][0]["records"].to_string());
    assert_eq!(inputs[0][6], "converted in part");

    // One row per order, as in the JSON report, with its amounts.
    let docs = r.report["documents"].as_array().unwrap();
    let orders = rows(page, "orders");
    assert_eq!(orders.len(), docs.len());
    let h = headers(page, "orders");
    let col = |name: &str| h.iter().position(|c| c == name).unwrap_or_else(|| panic!("{name} in {h:?}"));
    for (row, d) in orders.iter().zip(docs) {
        assert_eq!(row[col("Order")], d["order"].as_str().unwrap());
        assert_eq!(row[col("Client")], d["customer"].as_str().unwrap());
        assert_eq!(row[col("Piece")], d["piece"].as_str().unwrap());
        assert_eq!(row[col("Lines")], d["lines"].to_string());
        let status = match d["action"].as_str().unwrap() {
            "created" => "created",
            "skipped" => "skipped",
            "failed" => "failed",
            "skipped_already_converted" => "already converted",
            other => panic!("{other}"),
        };
        assert_eq!(row[col("Status")], status);
        if d["action"] == "created" && d["order"] != "#1004" {
            assert!(d["total_ht"].is_string() && d["total_ttc"].is_string(), "{d}");
        }
        for (k, c) in [("total_ht", "HT"), ("total_ttc", "TTC")] {
            let unknown = if d["action"] == "created" { "—" } else { "" };
            let want = d[k].as_str().unwrap_or(unknown);
            assert_eq!(row[col(c)].replace(',', ""), want, "{k} of {}", d["order"]);
        }
        // The warnings the JSON gives this order are in its row.
        for i in d["warnings"].as_array().into_iter().flatten() {
            let w = &r.report["warnings"][i.as_u64().unwrap() as usize];
            assert!(row[col("Notes")].contains(w["kind"].as_str().unwrap()), "{w} in {row:?}");
        }
    }
    // #1001: 2 × 24.00 + 12.50 + shipping 5.90 TTC at 20 %.
    let d1001 = docs.iter().find(|d| d["order"] == "#1001").unwrap();
    assert_eq!(d1001["total_ttc"], "66.40");
    assert_eq!(d1001["total_ht"], "55.34");
    // #1004 has a rate the lines do not carry (tax_rate_unknown): its HT cannot be computed.
    let d1004 = docs.iter().find(|d| d["order"] == "#1004").unwrap();
    assert_eq!((d1004["total_ht"].clone(), d1004["total_ttc"].clone()), (Value::Null, Value::from("45.90")));
    let row1001 = orders.iter().find(|o| o[0] == "#1001").unwrap();
    assert_eq!(row1001[col("TTC")], "66.40");
    // How each client was found or made.
    let row1002 = orders.iter().find(|o| o[0] == "#1002").unwrap();
    assert!(row1002[col("How the client was found or made")].starts_with("found by SIRET"), "{row1002:?}");
    let how = |o: &str| orders.iter().find(|r| r[0] == o).unwrap()[col("How the client was found or made")].clone();
    assert!(how("#1001").starts_with("created"), "{}", how("#1001"));
    assert!(!how("#1001").contains("#1001"), "the row names its order once: {}", how("#1001"));
    // #1008: the same new client, given its second delivery address by this order.
    assert!(
        how("#1008").starts_with("found by code and updated") && how("#1008").contains("delivery address"),
        "{}",
        how("#1008")
    );
    assert!(how("#1009").starts_with("found by e-mail and updated"), "{}", how("#1009"));
    let row1007 = orders.iter().find(|o| o[0] == "#1007").unwrap();
    assert!(row1007[col("Notes")].contains("has no SKU"), "{row1007:?}");
    // The tax_rate_unknown warning of #1004 is on its row (and nowhere else in the table).
    let with_rate_warning: Vec<&String> =
        orders.iter().filter(|o| o[col("Notes")].contains("tax_rate_unknown")).map(|o| &o[0]).collect();
    assert_eq!(with_rate_warning, ["#1004"]);

    // Customers: one row per entry of the JSON, the markup of the shop as text.
    let customers = r.report["customers"].as_array().unwrap();
    let crow = rows(page, "customers");
    assert_eq!(crow.len(), customers.len());
    assert!(crow.iter().any(|c| c[1] == format!("Léa {EVIL} Fontaine")), "{crow:?}");
    assert!(r.raw.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!r.raw.contains(EVIL), "never as markup");

    // Totals: the sum of the created documents.
    let summary = rows(page, "summary");
    let value = |label: &str| summary.iter().find(|r| r[0] == label).map(|r| r[1].clone()).unwrap();
    assert_eq!(value("Documents created"), "6");
    assert_eq!(value("Orders failed"), "1");
    let sum: rust_decimal::Decimal = docs
        .iter()
        .filter(|d| d["action"] == "created")
        .map(|d| d["total_ttc"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(value("Total TTC of the documents created").replace(',', ""), format!("{sum:.2}"));
    let note = all(page, "section#summary p.muted").join(" ");
    assert!(note.contains("1 document(s) have an amount that cannot be computed"), "{note}");

    // The steps to import: the file written, through Format Sage, clients first.
    let steps = all(page, "section#import ol.steps > li");
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(
        steps.iter().any(|s| s.contains("Fichier > Importer > Format Sage") && s.contains("out/orders_export.txt"))
    );
    assert!(all(page, "section#import p.note")[0].contains("Not verified"));

    // Errors and warnings, grouped.
    assert!(all(page, "section#errors h3")[0].starts_with("1 error(s) in"));
    let kinds = all(page, "section#warnings h3");
    for w in r.report["warnings"].as_array().unwrap() {
        let kind = w["kind"].as_str().unwrap();
        assert!(kinds.iter().any(|k| k.starts_with(&format!("{kind}:"))), "{kind} in {kinds:?}");
    }
}

#[test]
fn french_by_the_locale_english_by_the_flag() {
    // LANG=fr_FR.UTF-8: the summary and the page in French.
    let fr = run("profiles/orders.toml", &[], &[("LANG", "fr_FR.UTF-8")]);
    for line in
        ["clients : ", "documents : 6 créé(s) (pièces WEB1001 à WEB1009)", "1 erreur(s) dans ", "avertissement(s) : "]
    {
        assert!(fr.stdout.contains(line), "{line} in\n{}", fr.stdout);
    }
    assert!(fr.stdout.contains("PARTIEL "), "{}", fr.stdout);
    assert!(fr.stdout.contains("rapport à lire : rapport/r.html"), "{}", fr.stdout);
    self_contained(&fr);
    let page = &fr.page;
    assert_eq!(page.select(&sel("html[lang=fr]")).count(), 1);
    assert_eq!(
        all(page, "section h2"),
        [
            "En bref",
            "Importer dans Sage 100 Gestion Commerciale",
            "Fichiers lus",
            "Commandes",
            "Clients",
            "Erreurs",
            "Avertissements"
        ]
    );
    let h = headers(page, "orders");
    assert!(h.contains(&"N° de pièce".to_string()) && h.contains(&"Commande".to_string()), "{h:?}");
    let orders = rows(page, "orders");
    let row = orders.iter().find(|o| o[0] == "#1001").unwrap();
    assert!(row.contains(&"66,40".to_string()), "a decimal comma: {row:?}");
    assert!(row.contains(&"créé".to_string()), "{row:?}");
    assert_eq!(rows(page, "inputs")[0][2], "commandes");
    let steps = all(page, "section#import ol.steps > li");
    assert!(steps.iter().any(|s| s.contains("Dans la Gestion Commerciale, menu Fichier > Importer > Format Sage")));
    // Warning kinds read in French, each with what it means; the JSON keeps the kind's name.
    let kinds = all(page, "section#warnings h3");
    let warnings = fr.report["warnings"].as_array().unwrap();
    assert!(!warnings.is_empty());
    for w in warnings {
        let kind = passerelle::report::WarningKind::from_name(w["kind"].as_str().unwrap()).unwrap();
        let (label, meaning) = kind.french();
        assert!(kinds.iter().any(|k| k.starts_with(&format!("{label} : "))), "{label} in {kinds:?}");
        assert!(all(page, "section#warnings p.muted").iter().any(|p| p == meaning), "{meaning}");
        assert!(fr.stdout.contains(&format!("  [{label}] ")), "[{label}] in\n{}", fr.stdout);
        assert!(!fr.stdout.contains(&format!("[{}]", kind.as_str())) || label == kind.as_str(), "{}", fr.stdout);
    }
    // Messages from the catalogue read in French, subjects too; the JSON keeps English.
    assert!(fr.stdout.contains("  [valeur déduite] commande #1001 : billing_name : pas de colonnes prénom/nom : chaque nom de cet export est coupé à son premier espace"), "{}", fr.stdout);
    assert!(
        fr.stdout.contains("2 taux de TVA (5.5%, 20%) et l'export ne dit pas quelle ligne a lequel"),
        "{}",
        fr.stdout
    );
    assert!(
        warnings.iter().any(|w| w["message"].as_str().unwrap().starts_with("no first/last name columns: every name"))
    );
    assert!(warnings.iter().all(|w| !w["record"].as_str().unwrap().contains("commande")));
    for line in [
        "[écarté] commande #1005 (ligne 10) : status : commande annulée : non importée",
        "contient des caractères absents de cp850 : œ (U+0153) → oe",
        "commande #1007 (ligne 12) : line_sku : une ligne de produit n'a pas de SKU : la commande n'est pas convertie.",
    ] {
        assert!(fr.stdout.contains(line), "{line} in\n{}", fr.stdout);
    }
    // The failed order's row and the errors table of the page in French too.
    let failed = rows(page, "orders").into_iter().find(|o| o[0] == "#1007").unwrap();
    assert!(failed.iter().any(|c| c.contains("line_sku : une ligne de produit n'a pas de SKU")), "{failed:?}");
    let errors = all(page, "section#errors td");
    assert!(errors.iter().any(|c| c.starts_with("une ligne de produit n'a pas de SKU")), "{errors:?}");
    assert!(fr.report["errors"][0]["message"].as_str().unwrap().starts_with("a product line has no SKU"));
    // The keys of the JSON never change with the language.
    assert_eq!(fr.report["documents"][0]["action"], "created");
    assert_eq!(fr.report["inputs"][0]["kind"], "orders");

    // --lang en wins over the locale.
    let en = run("profiles/orders.toml", &["--lang", "en"], &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "fr_FR.UTF-8")]);
    assert!(en.stdout.contains("documents: 6 created (pièces WEB1001 to WEB1009)"), "{}", en.stdout);
    assert_eq!(en.page.select(&sel("html[lang=en]")).count(), 1);
    // And LC_ALL wins over LANG.
    let en = run("profiles/orders.toml", &[], &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "C")]);
    assert!(en.stdout.contains("documents: 6 created"), "{}", en.stdout);
    drop((fr.dir, en.dir));
}

#[test]
fn a_dry_run_page_says_would_be_and_names_the_files_a_real_run_would_write() {
    let r = run("profiles/orders.toml", &["--dry-run", "--lang", "fr"], &[]);
    self_contained(&r);
    assert!(!r.dir.path().join("out").exists(), "nothing written");
    assert_eq!(all(&r.page, "p.banner.dry").len(), 1);
    let orders = rows(&r.page, "orders");
    assert!(orders.iter().any(|o| o.contains(&"serait créé".to_string())), "{orders:?}");
    let import = all(&r.page, "section#import p");
    assert!(import[0].starts_with("Simulation : rien n'a été écrit, rien à importer"), "{import:?}");
    // The steps a real run would give, with the file it would write.
    let steps = all(&r.page, "section#import ol.steps > li");
    assert!(steps.iter().any(|s| s.contains("out/orders_export.txt")), "{steps:?}");
    assert_eq!(headers(&r.page, "inputs").last().map(String::as_str), Some("Serait écrit / erreur"));
    assert!(rows(&r.page, "inputs")[0].last().unwrap().contains("orders_export.txt"));
    assert_eq!(r.report["outputs"], serde_json::json!([]), "nothing was written");
    assert_eq!(r.report["would_write"], serde_json::json!(["out/orders_export.txt"]));
    assert!(r.stdout.contains("→ out/orders_export.txt (serait écrit)"), "{}", r.stdout);
    assert!(r.stdout.contains("documents : 6 à créer"), "{}", r.stdout);
}

#[test]
fn import_steps_name_each_template_clients_first() {
    let dir = tempfile::tempdir().unwrap();
    let profile_dir = dir.path().join("profil");
    fs::create_dir_all(&profile_dir).unwrap();
    let profile = fs::read_to_string(fixture("profiles/orders.toml"))
        .unwrap()
        .replace("file = \"../gescom/export_ver33.txt\"", &format!("file = {:?}", fixture("gescom/export_ver33.txt")));
    fs::write(
        profile_dir.join("p.toml"),
        format!("{profile}\n[output]\ntemplates = [\"document_lines_csv\", \"clients_csv\"]\n"),
    )
    .unwrap();
    let input = orders_with_markup(dir.path());
    let out = passerelle(dir.path())
        .args(["convert", "--profile", "profil/p.toml", "--out", "out", "--state", "state", "--html", "r.html"])
        .args(["--lang", "en"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let page = Html::parse_document(&fs::read_to_string(dir.path().join("r.html")).unwrap());
    let steps = all(&page, "section#import ol.steps > li");
    let at =
        |needle: &str| steps.iter().position(|s| s.contains(needle)).unwrap_or_else(|| panic!("{needle} in {steps:?}"));
    let sage = at("out/orders_export.txt");
    let clients = at("template clients_csv");
    let lines = at("template document_lines_csv");
    assert!(sage < clients && clients < lines, "Format Sage, then client templates, then lines: {steps:?}");
    assert!(steps[clients].contains("out/orders_export.clients_csv.csv"), "{}", steps[clients]);
    assert!(steps[clients].contains("passerelle template describe clients_csv"), "{}", steps[clients]);
    assert!(steps[lines].contains("out/orders_export.document_lines_csv.csv"), "{}", steps[lines]);
    assert!(!steps[sage].contains(".csv"), "template files are not Format Sage files: {}", steps[sage]);
}

#[test]
fn watch_writes_the_page_in_its_language() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dépôt");
    fs::create_dir_all(root.join("gescom")).unwrap();
    fs::create_dir_all(root.join("inbox")).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(repo.join("watch/gescom/clients.csv"), root.join("gescom/clients.csv")).unwrap();
    let profile = fs::read_to_string(repo.join("watch/profile.toml"))
        .unwrap()
        .replace("settle_ms = 3000", "settle_ms = 50")
        .replace("min_age_ms = 5000", "min_age_ms = 0");
    fs::write(root.join("profile.toml"), profile).unwrap();
    fs::copy(repo.join("tests/fixtures/watch/clients lyon marseille.csv"), root.join("inbox/clients.csv")).unwrap();
    let out = passerelle(dir.path())
        .args(["watch", "--once", "--dir"])
        .arg(&root)
        .env("LANG", "fr_FR.UTF-8")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("1 converti(s), 0 converti(s) en partie, 0 en échec, 0 doublon(s)"), "{log}");
    assert!(log.contains("« clients.csv » converti →"), "{log}");
    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert_eq!(pages.len(), 1);
    let page_path = pages.pop().unwrap();
    assert!(page_path.with_extension("txt").is_file(), "beside its output");
    let page = Html::parse_document(&fs::read_to_string(&page_path).unwrap());
    assert_eq!(page.select(&sel("html[lang=fr]")).count(), 1);
    // The paths it names are where the files are now, not the work folder.
    let inputs = rows(&page, "inputs");
    assert!(inputs[0][0].contains("archive"), "{inputs:?}");
    assert!(!inputs[0][0].contains("work"), "{inputs:?}");
    let steps = all(&page, "section#import ol.steps > li");
    let txt = page_path.with_extension("txt").file_name().unwrap().to_string_lossy().into_owned();
    assert!(steps.iter().any(|s| s.contains(&txt)), "{txt} in {steps:?}");
    assert_eq!(rows(&page, "customers").len(), 2);
}

#[test]
fn an_html_path_that_is_a_file_of_the_run_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let profile = fs::read_to_string(fixture("profiles/orders.toml")).unwrap().replace(
        "../gescom/export_ver33.txt",
        &fixture("gescom/export_ver33.txt").display().to_string().replace('\\', "/"),
    );
    fs::write(d.join("profile.toml"), profile).unwrap();
    fs::write(d.join("orders_export.csv"), fs::read(fixture("shopify/orders_export.csv")).unwrap()).unwrap();
    fs::create_dir_all(d.join("state")).unwrap();
    fs::write(d.join("state/passerelle-state.json"), "{\"version\": 1, \"counter\": 0, \"issued\": {}}").unwrap();
    fs::write(d.join("notes.txt"), "à garder").unwrap();
    let clients = fixture("gescom/export_ver33.txt").display().to_string();
    let base = ["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "--lang", "en"];
    for (html, extra, what) in [
        ("orders_export.csv", None, "an input"),
        ("profile.toml", None, "the profile"),
        (clients.as_str(), None, "the client list"),
        ("state/passerelle-state.json", None, "a state file"),
        ("out/orders_export.txt", None, "the output of"),
        ("notes.txt", None, "an existing file, not a report of passerelle"),
        ("r.json", Some("r.json"), "it is the --report file"),
    ] {
        let read = |p: &str| fs::read(if Path::new(p).is_absolute() { PathBuf::from(p) } else { d.join(p) }).ok();
        let before = read(html);
        let mut cmd = passerelle(d);
        cmd.args(base).args(["--html", html]);
        if let Some(r) = extra {
            cmd.args(["--report", r]);
        }
        let o = cmd.arg("orders_export.csv").output().unwrap();
        let said = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{html}: {said}");
        assert!(said.contains("--html") && said.contains(what), "{html}: {said}");
        assert_eq!(read(html), before, "{html} untouched");
        assert!(!d.join("out").exists() && !d.join("state/ledger.tsv").exists(), "{html}: nothing written");
    }
    // An earlier page is replaced; a folder for it is made.
    for _ in 0..2 {
        let o = passerelle(d).args(base).args(["--html", "pages/r.html", "orders_export.csv"]).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "#1007 fails: {}", String::from_utf8_lossy(&o.stderr));
        assert!(fs::read_to_string(d.join("pages/r.html")).unwrap().starts_with("<!DOCTYPE html>"));
    }
    // A run stopped at once (the client list is missing) still leaves its page, saying why.
    let o = passerelle(d)
        .args([
            "convert",
            "--profile",
            "profile.toml",
            "--clients",
            "absent.csv",
            "--html",
            "stop.html",
            "--lang",
            "fr",
        ])
        .arg("orders_export.csv")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let page = Html::parse_document(&fs::read_to_string(d.join("stop.html")).unwrap());
    let banner = all(&page, "div.banner.bad").join(" ");
    assert!(banner.contains("rien n'a été écrit") && banner.contains("absent.csv"), "{banner}");
}
