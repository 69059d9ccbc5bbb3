//! What a new user meets in the first hour: the messages must say what to do next, and the
//! commands must not fail on what a newcomer naturally types.

mod common;
#[path = "watch_support/mod.rs"]
mod watch_site;

use std::fs;
use std::path::Path;

use common::{fixture, passerelle, sample};
use serde_json::Value;

/// The parts of the client-list hint a user needs: where to export it and which columns.
fn assert_export_hint(text: &str) {
    for part in [
        "How to get the client list",
        "Gestion Commerciale",
        "Format Sage",
        "CSV or Excel",
        "N° compte",
        "Intitulé",
        "Siret",
        "N° identifiant",
        "E-mail",
        "Compte collectif",
        "Catégorie comptable",
        "not verified",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
}

#[test]
fn profile_init_then_check_says_how_to_export_the_client_list() {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path()).args(["profile", "init", "profile.toml"]).assert().success();
    let out = passerelle(dir.path()).args(["profile", "check", "profile.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("clients.file") && text.contains("not found"), "{text}");
    assert_export_hint(&text);
}

#[test]
fn convert_without_the_client_list_says_how_to_export_it() {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path()).args(["profile", "init", "profile.toml"]).assert().success();
    let input = sample("shopify/customers_export.csv");
    // The file named by the profile is missing.
    let out = passerelle(dir.path()).args(["convert", "--profile", "profile.toml"]).arg(&input).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_export_hint(&String::from_utf8_lossy(&out.stderr));
    // No file named at all.
    let text = fs::read_to_string(dir.path().join("profile.toml")).unwrap();
    fs::write(dir.path().join("profile.toml"), text.replace("file = \"gescom/clients.csv\"", "file = \"\"")).unwrap();
    let out = passerelle(dir.path()).args(["convert", "--profile", "profile.toml"]).arg(&input).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no client list"), "{err}");
    assert_export_hint(&err);
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn watch_without_the_client_list_says_how_to_export_it() {
    let s = watch_site::site(watch_site::FAST);
    fs::remove_file(s.dir.join("gescom/clients.csv")).unwrap();
    let out = s.cmd().arg("--once").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_export_hint(&String::from_utf8_lossy(&out.stderr));
}

#[test]
fn template_copy_creates_the_folder_and_never_overwrites_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let target = Path::new("modèles").join("sage").join("clients.toml");
    passerelle(dir.path()).args(["template", "copy", "clients_csv"]).arg(&target).assert().success();
    let copied = fs::read_to_string(dir.path().join(&target)).unwrap();
    assert!(copied.contains("[") && !copied.is_empty());

    // An existing file is left alone, with a message that says how to replace it.
    fs::write(dir.path().join(&target), "# mine\n").unwrap();
    let out = passerelle(dir.path()).args(["template", "copy", "clients_csv"]).arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    assert_eq!(fs::read_to_string(dir.path().join(&target)).unwrap(), "# mine\n");

    // Asked for: replaced.
    passerelle(dir.path()).args(["template", "copy", "clients_csv", "--force"]).arg(&target).assert().success();
    assert_eq!(fs::read_to_string(dir.path().join(&target)).unwrap(), copied);

    // The same for `profile init` into a new folder.
    let profile = Path::new("boutique").join("profile.toml");
    passerelle(dir.path()).args(["profile", "init"]).arg(&profile).assert().success();
    assert!(dir.path().join(&profile).is_file());
    let out = passerelle(dir.path()).args(["profile", "init"]).arg(&profile).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn customer<'a>(r: &'a Value, shop_id: &str) -> &'a Value {
    r["customers"].as_array().unwrap().iter().find(|c| c["shop_id"] == shop_id).unwrap()
}

#[test]
fn a_rerun_says_issued_before_for_codes_an_earlier_run_issued() {
    let dir = tempfile::tempdir().unwrap();
    let run = |report: &str| {
        let out = passerelle(dir.path())
            .args(["convert", "--profile"])
            .arg(fixture("profiles/default.toml"))
            .args(["--out", "out", "--state", "state", "--report", report])
            .arg(fixture("shopify/customers_export_current.csv"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let r: Value = serde_json::from_slice(&fs::read(dir.path().join(report)).unwrap()).unwrap();
        (String::from_utf8_lossy(&out.stdout).into_owned(), r)
    };
    let (first, r1) = run("r1.json");
    assert!(first.contains("customers: 4 created,") && !first.contains("issued before"), "{first}");
    let c = customer(&r1, "7012345678901");
    assert_eq!((c["action"].as_str(), c["issued"].as_str()), (Some("created"), Some("this_run")));
    assert!(customer(&r1, "7012345678902")["issued"].is_null(), "a matched client has no issued code");

    // The client list was not refreshed: the same 4 clients are written again, under the
    // codes issued by the first run. They are not new.
    let (second, r2) = run("r2.json");
    assert!(
        second.contains(
            "customers: 0 created, 4 issued before and written again (not in the client list yet), 2 matched"
        ),
        "{second}"
    );
    let c = customer(&r2, "7012345678901");
    assert_eq!((c["action"].as_str(), c["issued"].as_str()), (Some("created"), Some("earlier")));
    assert_eq!(c["code"], "SHO000001");
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains("issued before") && detail.contains("2026-11-28"), "{detail}");
    assert_eq!(r2["totals"]["customers_created"], 4);
    assert_eq!(r2["totals"]["customers_issued_before"], 4);
}

/// `tests/fixtures/profiles/orders.toml` with its paths made absolute and `edit` applied.
fn orders_profile(dir: &Path, edit: (&str, &str)) -> std::path::PathBuf {
    let text = fs::read_to_string(fixture("profiles/orders.toml")).unwrap();
    assert_eq!(text.matches(edit.0).count(), 1, "{:?} once in orders.toml", edit.0);
    let list = fixture("gescom/export_ver33.txt");
    let text = text
        .replace("file = \"../gescom/export_ver33.txt\"", &format!("file = '{}'", list.display()))
        .replace(edit.0, edit.1);
    let path = dir.join("profile.toml");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_tax_code_hint_suggests_no_code_and_says_it_is_the_dossiers() {
    let dir = tempfile::tempdir().unwrap();
    let profile = orders_profile(dir.path(), ("\"5.5\" = \"C05\"\n", ""));
    let out = passerelle(dir.path())
        .args(["convert", "--profile"])
        .arg(&profile)
        .args(["--out", "out", "--state", "state", "--report", "r.json"])
        .arg(fixture("shopify/orders_export.csv"))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let w = r["warnings"].as_array().unwrap().iter().find(|w| w["kind"] == "tax_code_missing").expect("warned");
    let m = w["message"].as_str().unwrap();
    assert!(m.contains("VAT rate 5.5%"), "{m}");
    assert!(!m.contains("C20") && !m.contains("C05"), "no code of another rate, nor a guessed one: {m}");
    assert!(m.contains("\"5.5\" = \"<code>\"") && m.contains("your dossier"), "{m}");

    // The placeholder pasted as it is does not pass for a code.
    let pasted = orders_profile(dir.path(), ("\"5.5\" = \"C05\"", "\"5.5\" = \"<code>\""));
    let out = passerelle(dir.path()).args(["profile", "check"]).arg(&pasted).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("orders.tax_codes.5.5"));
}

#[test]
fn watch_once_says_only_what_applies_to_one_pass() {
    let s = watch_site::site(watch_site::FAST);
    // Enough warnings of one kind for the summary to leave some out.
    s.drop_file("customers_export.csv", &fs::read(sample("shopify/customers_export.csv")).unwrap());
    let out = s.cmd().arg("--once").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("more (all in the .report.json kept with the file)"), "{log}");
    assert!(!log.contains("--report"), "watch has no --report option:\n{log}");
    assert!(
        !log.contains("full scan every") && !log.contains("polling every"),
        "--once does not keep watching:\n{log}"
    );
    assert!(log.contains("then stopping (--once)"), "{log}");
}

#[test]
fn validate_on_a_shop_export_says_to_convert_it_and_prints_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    for (file, what) in [
        (fixture("shopify/orders_export.csv"), "(shopify orders)"),
        (sample("shopify/customers_export.csv"), "(shopify customers)"),
    ] {
        let out = passerelle(dir.path()).arg("validate").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "one line:\n{text}");
        assert!(
            text.contains(&format!("this is a shop export {what}")) && text.contains("passerelle convert"),
            "{text}"
        );
        let content = fs::read_to_string(&file).unwrap();
        let header = content.lines().next().unwrap();
        assert!(!text.contains(header) && !text.contains("@"), "no content printed:\n{text}");
    }
    // A Format Sage file is still checked as before.
    let out = passerelle(dir.path()).arg("validate").arg(fixture("gescom/export_ver33.txt")).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("shop export"));
}

#[test]
fn the_first_ten_minutes_say_how_to_get_passerelle_on_the_path() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("## First ten minutes").expect("the section");
    let rest = &readme[start + 3..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    assert!(section.contains("cargo install --path ."), "{section}");
}
