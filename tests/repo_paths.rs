//! The repository must stand on its own: no text file may point to documents or folders that
//! exist only on the machine it was written on (a sibling `shared` folder, the design notes it
//! was built from, an absolute home or build path), and the relative links of the Markdown
//! documentation must lead to files that are in the repository. Both checks read every file
//! git knows (tracked, or new and not ignored), about 1.5 MB: a few milliseconds.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What points outside the repository. Spelt in pieces so that this file does not match itself.
fn forbidden() -> Vec<(&'static str, String)> {
    let docs =
        [concat!("CONTRACT", ".md"), concat!("FORMAT", "-SAGE"), concat!("SHOP", "-EXPORTS"), concat!("DESIGN", ".md")];
    let mut v: Vec<(&'static str, String)> =
        docs.iter().map(|d| ("a design note that is not in the repository", d.to_string())).collect();
    for p in
        [concat!("../", "shared"), concat!("..\\", "shared"), concat!("shared", "/docs"), concat!("shared", "/seed")]
    {
        v.push(("a folder outside the repository", p.to_string()));
    }
    v
}

/// Absolute paths of a build machine (home, work, Users and root folders at the top of the
/// file system) where a path starts: `watch/work/` or `DIR/work/` are folders of the
/// repository, not matches.
const ABSOLUTE: &[&str] =
    &[concat!("/", "home/"), concat!("/", "work/"), concat!("/", "Users/"), concat!("/", "root/")];

/// Files to check: those git tracks plus new ones it does not ignore. Without git (a source
/// archive), every file under the root except build output and version-control data.
fn files() -> Vec<PathBuf> {
    let root = root();
    let listed = Command::new("git")
        .current_dir(&root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    match listed {
        Some(o) => o
            .stdout
            .split(|b| *b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| root.join(String::from_utf8_lossy(n).as_ref()))
            .filter(|p| p.is_file())
            .collect(),
        None => {
            let mut out = Vec::new();
            walk(&root, &root, &mut out);
            out
        }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    // Build output and what runs leave behind (the .gitignore's folders).
    const SKIP: &[&str] = &["target", "out", "state", "samples/state", "watch/work", "watch/state"];
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        if e.file_name().to_string_lossy().starts_with('.') || SKIP.contains(&rel.as_str()) {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// Text of a file, or `None` for binary files (XLSX fixtures...). Bytes that are not UTF-8
/// (Windows-1252 fixtures) are read lossily: the patterns are ASCII.
fn text(p: &Path) -> Option<String> {
    let bytes = std::fs::read(p).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `needle` at the start of a path in `line`: not preceded by a character that continues a
/// name or a relative path.
fn absolute_at(line: &str, needle: &str) -> bool {
    line.match_indices(needle)
        .any(|(i, _)| line[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || "_.-~$}".contains(c))))
}

fn offences(name: &str, text: &str) -> Vec<String> {
    let forbidden = forbidden();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (what, needle) in &forbidden {
            if line.contains(needle.as_str()) {
                found.push(format!("{name}:{}: '{needle}': {what}", n + 1));
            }
        }
        for needle in ABSOLUTE {
            if absolute_at(line, needle) {
                found.push(format!("{name}:{}: '{needle}': an absolute path of a build machine", n + 1));
            }
        }
    }
    found
}

#[test]
fn no_file_points_outside_the_repository() {
    let files = files();
    assert!(files.len() > 50, "only {} files found under {}", files.len(), root().display());
    let mut found = Vec::new();
    for f in &files {
        if let Some(t) = text(f) {
            found.extend(offences(&rel(f), &t));
        }
    }
    assert!(
        found.is_empty(),
        "{} reference(s) to things outside the repository; point to ARCHITECTURE.md or docs/ instead, or state the fact itself:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_catches_what_it_is_for() {
    let note = concat!("FORMAT", "-SAGE.md");
    assert_eq!(offences("x", &format!("// see {note} §16")).len(), 1);
    assert_eq!(offences("x", concat!("[spec](../", "shared", "/docs/x.md)")).len(), 2);
    assert_eq!(offences("x", concat!("# Source: /", "work/shared/x")).len(), 1);
    assert_eq!(offences("x", concat!("\"/", "home/dev/passerelle\"")).len(), 1);
    for fine in
        ["watch/work/  files being converted", "DIR/work/", "/watch/work/", "docs/format-sage.md", "--out /tmp/bench"]
    {
        assert!(offences("x", fine).is_empty(), "{fine}");
    }
    let md = "[a](docs/x.md#y) [b](https://e.org) [c](#z)\n```\n[d](in/code.md)\n```\n![e](../up.png \"t\")";
    assert_eq!(links(md), vec![(1, "docs/x.md".to_string()), (5, "../up.png".to_string())]);
}

/// Relative targets of Markdown links and images: `[text](target)`, without a URL scheme or
/// an in-page anchor.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            let target = target.split('#').next().unwrap_or("");
            if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
                out.push((n + 1, target.to_string()));
            }
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn documentation_links_lead_to_files_of_the_repository() {
    let root = root();
    let mut docs: Vec<PathBuf> = files().into_iter().filter(|f| f.extension().is_some_and(|e| e == "md")).collect();
    docs.sort();
    assert!(docs.iter().any(|d| rel(d) == "README.md"), "README.md is not among the files");
    let root_canon = root.canonicalize().expect("root");
    let mut broken = Vec::new();
    for d in &docs {
        let Some(t) = text(d) else { continue };
        let dir = d.parent().expect("a file has a folder");
        for (line, target) in links(&t) {
            let p = dir.join(&target);
            let inside = p.canonicalize().map(|c| c.starts_with(&root_canon));
            match inside {
                Ok(true) => {}
                Ok(false) => broken.push(format!("{}:{line}: {target} leads outside the repository", rel(d))),
                Err(_) => broken.push(format!("{}:{line}: {target} does not exist", rel(d))),
            }
        }
    }
    assert!(broken.is_empty(), "broken documentation links:\n{}", broken.join("\n"));
}
