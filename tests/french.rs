//! The commands a person reads speak French in a French session (LANG=fr_FR.UTF-8) and
//! English with `--lang en`; what a program reads (JSON, kinds, profile keys) never changes.

mod common;

use std::path::Path;

use common::{fixture, passerelle};

/// stdout of `passerelle ARGS` in `dir` with `LANG=fr_FR.UTF-8`, and its exit code.
fn fr(dir: &Path, args: &[&str]) -> (String, Option<i32>) {
    let out = passerelle(dir).env("LANG", "fr_FR.UTF-8").args(args).output().unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code())
}

fn en(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--lang", "en"];
    all.extend_from_slice(args);
    let out = passerelle(dir).env("LANG", "fr_FR.UTF-8").args(&all).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} in\n{text}");
    }
}

#[test]
fn inspect_reads_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("shopify/orders_export.csv");
    let input = input.to_str().unwrap();
    let (text, code) = fr(dir.path(), &["inspect", input]);
    assert_eq!(code, Some(0), "{text}");
    assert_has(
        &text,
        &[
            "  plateforme : shopify",
            "  type :       commandes",
            "  encodage :   ",
            "  séparateur : ",
            "  commande #1001 (ligne 2): ",
        ],
    );
    // A warning of the reader: French label, French message.
    assert_has(&text, &["[valeur déduite] commande #1001 : pas de colonnes prénom/nom"]);
    assert_has(
        &en(dir.path(), &["inspect", input]),
        &[
            "  platform:   shopify",
            "  kind:       orders",
            "  order #1001 (line 2): ",
            "[guessed] order #1001: no first/last",
        ],
    );
}

#[test]
fn validate_and_clients_inspect_read_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture("gescom/export_ver33.txt");
    let export = export.to_str().unwrap();
    let (text, code) = fr(dir.path(), &["validate", export]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(": valide; "), "{text}");
    assert!(en(dir.path(), &["validate", export]).contains(": valid; "));

    let shop = fixture("shopify/orders_export.csv");
    let (text, code) = fr(dir.path(), &["validate", shop.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_has(&text, &["c'est un export de boutique (shopify commandes), pas un fichier au Format Sage"]);

    let (text, code) = fr(dir.path(), &["clients", "inspect", export]);
    assert_eq!(code, Some(0), "{text}");
    assert_has(
        &text,
        &[
            "  format :     export au Format Sage, #VER 33, CP850",
            "  clients :    ",
            "  avec SIRET : ",
            "  conflits :   ",
        ],
    );
    assert_has(
        &en(dir.path(), &["clients", "inspect", export]),
        &["  format:     Format Sage export, #VER 33", "  conflicts:  "],
    );
}

#[test]
fn profile_check_reads_in_french() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), "[customers]\nsufix = \"X\"\n").unwrap();
    let (text, code) = fr(dir.path(), &["profile", "check", "p.toml"]);
    assert_eq!(code, Some(2));
    assert!(text.contains("p.toml : 1 problème(s)"), "{text}");
    assert!(en(dir.path(), &["profile", "check", "p.toml"]).contains("p.toml: 1 problem(s)"));
}

#[test]
fn a_first_run_without_client_list_says_how_to_export_it_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let (_, code) = fr(dir.path(), &["profile", "init", "profil.toml"]);
    assert_eq!(code, Some(0));
    let (text, code) = fr(dir.path(), &["profile", "check", "profil.toml"]);
    assert_eq!(code, Some(2));
    assert_has(
        &text,
        &[
            "profil.toml : ligne ",
            " : clients.file : liste des clients ",
            "Pour obtenir la liste des clients depuis Sage 100 Gestion Commerciale",
            "Fichier > Exporter > Format Sage",
            "N° compte",
            "profil.toml : 1 problème(s)",
        ],
    );
    let input = fixture("shopify/orders_export.csv");
    let out = passerelle(dir.path())
        .env("LANG", "fr_FR.UTF-8")
        .args(["convert", "--profile", "profil.toml", "--out", "out", input.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_has(&err, &["passerelle: liste des clients ", "introuvable", "Structure > Clients"]);
    // In English, the same facts.
    let out = passerelle(dir.path())
        .args(["convert", "--profile", "profil.toml", "--out", "out", input.to_str().unwrap()])
        .output()
        .unwrap();
    assert_has(&String::from_utf8_lossy(&out.stderr), &["not found", "How to get the client list"]);
}

#[test]
fn watch_start_errors_read_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .env("LANG", "fr_FR.UTF-8")
        .args(["watch", "--once", "--dir", "absent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_has(&String::from_utf8_lossy(&out.stderr), &["pas de dossier de dépôt ", "--dir DOSSIER"]);
}
