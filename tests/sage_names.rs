//! Code names Sage fields through the typed ids of `src/sage/fields.rs` (resolved when the
//! layout loads), never by a name looked up while records are written: a misspelt id does
//! not compile, a misspelt name would be a field silently left empty. This test keeps it so:
//! outside the id table and the unit tests, a string literal that is a Sage field name
//! (`"CT_Intitule"`, `"DO_Piece"`...) must be one of the few listed here, each with its
//! reason.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use passerelle::sage::Layout;

/// The id table: the one place where the code spells field names.
const TABLE: &str = "src/sage/fields.rs";

/// (file, name, why) of each literal allowed elsewhere.
const ALLOWED: &[(&str, &str, &str)] = &[
    // A column title of the user's article mapping file, not a field the code writes.
    ("src/gescom/articles.rs", "AR_Ref", "a header alias of the mapping file"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its unit tests (`#[cfg(test)]` then `mod ...` at the start of a
/// line: the module of tests at the end of a file).
fn without_tests(text: &str) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim_end() == "#[cfg(test)]" && lines.peek().is_some_and(|next| next.starts_with("mod ")) {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// Every field name of every record of every layout passerelle has.
fn sage_names() -> HashSet<String> {
    let mut names = HashSet::new();
    for &v in Layout::versions() {
        for rec in &Layout::builtin(v).unwrap().records {
            names.extend(rec.fields.iter().map(|f| f.name.clone()));
        }
    }
    names
}

/// (line, name) of every literal `"NAME"` that is a Sage field name.
fn sage_literals(code: &str, names: &HashSet<String>) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let parts: Vec<&str> = line.split('"').collect();
        // Odd pieces are inside quotes (good enough for the code's one-line literals).
        for inside in parts.iter().skip(1).step_by(2) {
            if names.contains(*inside) {
                found.push((n + 1, inside.to_string()));
            }
        }
    }
    found
}

#[test]
fn sage_field_names_are_spelt_only_in_the_id_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let names = sage_names();
    let mut unexpected = Vec::new();
    let mut in_table = 0;
    for path in &files {
        let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        let found = sage_literals(without_tests(&text), &names);
        if rel == TABLE {
            in_table = found.len();
            continue;
        }
        for (line, name) in found {
            if !ALLOWED.iter().any(|(f, n, _)| *f == rel && *n == name) {
                unexpected.push(format!("{rel}:{line}: \"{name}\""));
            }
        }
    }
    assert!(in_table > 50, "the id table lists the fields the code uses ({in_table} found)");
    assert!(
        unexpected.is_empty(),
        "Sage field names spelt outside {TABLE}: use the typed ids (Ccli::Intitule, Chen::Piece...), \
         or a name resolved against the layout when it comes from the profile or a template:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn the_scan_finds_names_and_skips_unit_tests() {
    let names = sage_names();
    assert!(["CT_Intitule", "N_CatCompta", "CTT_EMail", "DL_TTC"].iter().all(|n| names.contains(*n)));
    assert!(!names.contains("LC_ALL") && !names.contains("line_sku"));
    let code = "fn f(r: &mut Record) {\n    r.set_named(\"CT_Num\", \"LC_ALL\");\n}\n#[cfg(test)]\nmod tests {\n    \"DO_Piece\"\n}\n";
    assert_eq!(sage_literals(without_tests(code), &names), vec![(2, "CT_Num".to_string())]);
}
