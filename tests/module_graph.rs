//! The pipeline runs one way: no module of `src/` depends, through any chain, on a module that
//! depends on it. Checked among the top-level modules (`table`, `resolve`, `write`...) and
//! among the files of each folder (`sage/layout.rs`, `sage/record.rs`...). The leaves stay
//! leaves, and `profile`, which every stage reads, uses only leaves.
//!
//! The source is read as text: comments, strings and `#[cfg(test)]` items are blanked out, then
//! every path that starts with `crate::`, `super::` or `self::` (and every `use` of a child
//! module) is resolved to the module it names, `use crate::{a, b::{c, d}}` groups included.
//! A name a module imports (`use super::record::Record` in `sage/mod.rs`) is followed to where it
//! comes from, so going through a re-export does not hide an edge. `main.rs` is the binary, not
//! part of the library's graph.
//!
//! On failure the message prints the graph, each cycle, and the lines that make its edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path below the crate root: `["write", "param", "template"]`.
type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

struct File {
    path: PathBuf,
    module: ModPath,
    /// Tokens with their line numbers, `#[cfg(test)]` items removed.
    toks: Vec<(Tok, usize)>,
}

/// One dependency: from a module to another, with where it is written.
struct Use {
    from: ModPath,
    to: ModPath,
    site: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The text with comments, string and character literals replaced by spaces (lines kept).
fn blank_literals(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
                out.push(' ');
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && at(i + 1) == 'r'))
            && !at(i.wrapping_sub(1)).is_alphanumeric()
            && at(i.wrapping_sub(1)) != '_'
            && {
                let mut k = if c[i] == 'b' { i + 2 } else { i + 1 };
                while at(k) == '#' {
                    k += 1;
                }
                at(k) == '"'
            }
        {
            // Raw string: r"…", r#"…"#, br#"…"#.
            let mut k = if c[i] == 'b' { i + 2 } else { i + 1 };
            let mut hashes = 0;
            while at(k) == '#' {
                hashes += 1;
                k += 1;
            }
            k += 1;
            loop {
                if k >= c.len() {
                    break;
                }
                if c[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#') {
                    k += 1 + hashes;
                    break;
                }
                k += 1;
            }
            for &ch in &c[i..k.min(c.len())] {
                blank(&mut out, ch);
            }
            i = k;
        } else if c[i] == '"' {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                if c[k] == '\\' {
                    k += 1;
                }
                k += 1;
            }
            for &ch in &c[i..(k + 1).min(c.len())] {
                blank(&mut out, ch);
            }
            i = k + 1;
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{e9}'), or a lifetime ('a), left alone.
            let end = if at(i + 1) == '\\' {
                let mut k = i + 2;
                while k < c.len() && c[k] != '\'' && c[k] != '\n' {
                    k += 1;
                }
                Some(k)
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(k) => {
                    for &ch in &c[i..(k + 1).min(c.len())] {
                        blank(&mut out, ch);
                    }
                    i = k + 1;
                }
                None => {
                    out.push(' ');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn tokenize(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            toks.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            toks.push((Tok::PathSep, line));
            i += 2;
        } else {
            toks.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    toks
}

fn is_punct(t: Option<&(Tok, usize)>, p: char) -> bool {
    matches!(t, Some((Tok::Punct(q), _)) if *q == p)
}

fn is_ident(t: Option<&(Tok, usize)>, s: &str) -> bool {
    matches!(t, Some((Tok::Ident(q), _)) if q == s)
}

/// Drops every item under `#[cfg(test)]` (test modules, test-only functions and imports).
fn drop_test_items(toks: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    let attr = |i: usize| {
        is_punct(toks.get(i), '#')
            && is_punct(toks.get(i + 1), '[')
            && is_ident(toks.get(i + 2), "cfg")
            && is_punct(toks.get(i + 3), '(')
            && is_ident(toks.get(i + 4), "test")
            && is_punct(toks.get(i + 5), ')')
            && is_punct(toks.get(i + 6), ']')
    };
    while i < toks.len() {
        if !attr(i) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        // Skip to the end of the item: a `;` or the block closing the first `{`, outside of
        // parentheses and brackets.
        i += 7;
        let mut nest = 0i32;
        while i < toks.len() {
            match &toks[i].0 {
                Tok::Punct('(') | Tok::Punct('[') => nest += 1,
                Tok::Punct(')') | Tok::Punct(']') => nest -= 1,
                Tok::Punct(';') if nest == 0 => {
                    i += 1;
                    break;
                }
                Tok::Punct('{') if nest == 0 => {
                    let mut depth = 0;
                    while i < toks.len() {
                        match toks[i].0 {
                            Tok::Punct('{') => depth += 1,
                            Tok::Punct('}') => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// One path of a `use` tree or of an expression, as written: `["crate", "write", "atomic"]`,
/// with the name it is imported under (`as`, or its last segment) when it comes from a `use`.
struct Written {
    segs: Vec<String>,
    alias: Option<String>,
    line: usize,
}

/// Parses a path tree at `i` (`a::b`, `a::{b, c::{d}}`, `a::*`, `a as b`) under `prefix`;
/// returns the index after it.
fn parse_tree(toks: &[(Tok, usize)], mut i: usize, prefix: Vec<String>, out: &mut Vec<Written>) -> usize {
    let line = toks.get(i).map_or(0, |t| t.1);
    if is_punct(toks.get(i), '{') {
        return parse_group(toks, i, prefix, out);
    }
    let mut segs = prefix;
    while let Some((Tok::Ident(s), _)) = toks.get(i) {
        segs.push(s.clone());
        i += 1;
        if toks.get(i).map(|t| &t.0) != Some(&Tok::PathSep) {
            break;
        }
        i += 1;
        if is_punct(toks.get(i), '{') {
            return parse_group(toks, i, segs, out);
        }
        if is_punct(toks.get(i), '*') {
            out.push(Written { segs, alias: None, line });
            return i + 1;
        }
    }
    let mut alias = segs.last().cloned();
    if is_ident(toks.get(i), "as") {
        if let Some((Tok::Ident(a), _)) = toks.get(i + 1) {
            alias = Some(a.clone());
        }
        i += 2;
    }
    if segs.last().is_some_and(|s| s == "self") {
        segs.pop();
        alias = segs.last().cloned();
    }
    out.push(Written { segs, alias, line });
    i
}

fn parse_group(toks: &[(Tok, usize)], mut i: usize, prefix: Vec<String>, out: &mut Vec<Written>) -> usize {
    i += 1; // `{`
    loop {
        match toks.get(i) {
            None => return i,
            Some((Tok::Punct('}'), _)) => return i + 1,
            Some((Tok::Punct(','), _)) => i += 1,
            _ => {
                let next = parse_tree(toks, i, prefix.clone(), out);
                i = if next == i { i + 1 } else { next };
            }
        }
    }
}

/// Every crate-internal path a file writes, split into `use` declarations (which also define
/// names of the module) and paths in code.
fn written_paths(file: &File, children: &BTreeSet<String>) -> (Vec<Written>, Vec<Written>) {
    let toks = &file.toks;
    let mut uses = Vec::new();
    let mut code = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let prev = if i > 0 { toks.get(i - 1) } else { None };
        let after_sep = matches!(prev, Some((Tok::PathSep, _))) || is_punct(prev, '$');
        if is_ident(toks.get(i), "use") {
            let mut all = Vec::new();
            let mut k = i + 1;
            if toks.get(k).map(|t| &t.0) == Some(&Tok::PathSep) {
                k += 1;
            }
            let end = parse_tree(toks, k, Vec::new(), &mut all);
            for w in all {
                let first = w.segs.first().map(String::as_str).unwrap_or("");
                if matches!(first, "crate" | "super" | "self") || children.contains(first) {
                    uses.push(w);
                }
            }
            i = end.max(i + 1);
        } else if !after_sep
            && matches!(toks.get(i), Some((Tok::Ident(s), _)) if s == "crate" || s == "super" || s == "self")
            && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::PathSep)
        {
            let mut all = Vec::new();
            let end = parse_tree(toks, i, Vec::new(), &mut all);
            for mut w in all {
                w.alias = None;
                code.push(w);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    (uses, code)
}

/// `segs` as written in `module`, made absolute (`crate`, `super`, `self`, or a child module).
fn absolute(module: &ModPath, segs: &[String]) -> ModPath {
    let mut base = module.clone();
    let mut rest = segs;
    match segs.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &segs[1..];
        }
        Some("self") => rest = &segs[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    base
}

/// The module an absolute path names: its longest prefix that is a module, after following
/// the names modules import.
fn target(
    abs: &ModPath,
    modules: &BTreeSet<ModPath>,
    imports: &BTreeMap<ModPath, BTreeMap<String, ModPath>>,
) -> ModPath {
    let mut abs = abs.clone();
    for _ in 0..16 {
        let k = (0..=abs.len()).rev().find(|&k| modules.contains(&abs[..k].to_vec())).unwrap_or(0);
        let module = abs[..k].to_vec();
        let next = abs.get(k).and_then(|name| imports.get(&module).and_then(|m| m.get(name)));
        match next {
            Some(to) if *to != abs[..=k] => {
                let mut followed = to.clone();
                followed.extend(abs[k + 1..].iter().cloned());
                abs = followed;
            }
            _ => return module,
        }
    }
    abs
}

fn name(m: &[String]) -> String {
    if m.is_empty() { "crate".to_string() } else { m.join("::") }
}

/// The strongly connected components with more than one member (Tarjan).
fn cycles(nodes: &BTreeSet<String>, edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(t: &mut T, v: &str) {
        t.index.insert(v.to_string(), t.next);
        t.low.insert(v.to_string(), t.next);
        t.next += 1;
        t.stack.push(v.to_string());
        t.on.insert(v.to_string());
        for w in t.edges.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(&w);
                let done = w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for n in nodes {
        if !t.index.contains_key(n) {
            visit(&mut t, n);
        }
    }
    t.out
}

/// Every dependency between modules of `src/` (tests aside).
fn uses_of(src: &Path) -> (BTreeSet<ModPath>, Vec<Use>) {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<File> = paths
        .into_iter()
        .filter(|p| p != &src.join("main.rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            File {
                module: module_of(src, &p),
                toks: drop_test_items(tokenize(&blank_literals(&text))),
                path: p.strip_prefix(root).unwrap_or(&p).to_path_buf(),
            }
        })
        .collect();
    let modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
    let children_of = |m: &ModPath| -> BTreeSet<String> {
        modules
            .iter()
            .filter(|c| c.len() == m.len() + 1 && c.starts_with(m))
            .map(|c| c.last().unwrap().clone())
            .collect()
    };
    let mut imports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
    let mut written = Vec::new();
    for f in &files {
        let (uses, code) = written_paths(f, &children_of(&f.module));
        for w in uses.into_iter().chain(code) {
            let abs = absolute(&f.module, &w.segs);
            if let Some(alias) = &w.alias {
                imports.entry(f.module.clone()).or_default().insert(alias.clone(), abs.clone());
            }
            let site = format!("{}:{}: {}", f.path.display(), w.line, w.segs.join("::"));
            written.push((f.module.clone(), abs, site));
        }
    }
    let uses =
        written.into_iter().map(|(from, abs, site)| Use { to: target(&abs, &modules, &imports), from, site }).collect();
    (modules, uses)
}

#[test]
fn modules_depend_on_each_other_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, uses) = uses_of(&src);

    // For each folder (the crate root included), the edges between its children: a file of
    // `from` that names something of `to`, both directly under `parent`.
    let mut graphs: BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Vec<String>>>> = BTreeMap::new();
    for u in &uses {
        let common = u.from.iter().zip(&u.to).take_while(|(a, b)| a == b).count();
        if common < u.from.len() && common < u.to.len() {
            let parent = u.from[..common].to_vec();
            graphs
                .entry(parent)
                .or_default()
                .entry(u.from[common].clone())
                .or_default()
                .entry(u.to[common].clone())
                .or_default()
                .push(u.site.clone());
        }
    }

    let mut picture = String::new();
    let mut problems = String::new();
    for (parent, graph) in &graphs {
        let nodes: BTreeSet<String> = modules
            .iter()
            .filter(|m| m.len() == parent.len() + 1 && m.starts_with(parent))
            .map(|m| m.last().unwrap().clone())
            .collect();
        let edges: BTreeMap<String, BTreeSet<String>> =
            graph.iter().map(|(k, v)| (k.clone(), v.keys().cloned().collect())).collect();
        picture += &format!("{}:\n", name(parent));
        for (from, tos) in &edges {
            picture += &format!("  {from} → {}\n", tos.iter().cloned().collect::<Vec<_>>().join(", "));
        }
        let found = cycles(&nodes, &edges);
        if found.is_empty() {
            for (depth, layer) in layers(&nodes, &edges).iter().enumerate() {
                picture += &format!("  layer {depth}: {}\n", layer.join(", "));
            }
        }
        for comp in found {
            problems += &format!("cycle in {}: {}\n", name(parent), comp.join(", "));
            for from in &comp {
                for (to, sites) in &graph[from] {
                    if comp.contains(to) {
                        problems += &format!("  {from} → {to}\n");
                        for s in sites.iter().take(4) {
                            problems += &format!("      {s}\n");
                        }
                        if sites.len() > 4 {
                            problems += &format!("      … and {} more\n", sites.len() - 4);
                        }
                    }
                }
            }
        }
    }

    // The leaves stay leaves, and the profile, which every stage reads, uses only leaves (modules
    // that use no other): a rule that needs a stage belongs in `setup` (ARCHITECTURE.md,
    // "Modules depend on each other one way").
    let root = graphs.get(&Vec::new()).cloned().unwrap_or_default();
    for module in ["atomic", "diagnostics", "fsguard", "text", "profile"] {
        for (to, sites) in root.get(module).into_iter().flatten() {
            if module != "profile" {
                problems += &format!("{module} is a leaf: it must not use {to}: {}\n", sites[0]);
            } else if root.contains_key(to) {
                problems += &format!("profile must use only leaves, not {to}: {}\n", sites[0]);
            }
        }
    }

    if std::env::var_os("MODULE_GRAPH").is_some() {
        println!("{picture}");
    }
    assert!(problems.is_empty(), "module graph (tests aside):\n{picture}\n{problems}");
}

/// The modules of an acyclic graph by depth: layer 0 uses no sibling, layer n only layers
/// below n.
fn layers(nodes: &BTreeSet<String>, edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn depth(n: &str, edges: &BTreeMap<String, BTreeSet<String>>, memo: &mut BTreeMap<String, usize>) -> usize {
        if let Some(d) = memo.get(n) {
            return *d;
        }
        let d = edges.get(n).into_iter().flatten().map(|m| depth(m, edges, memo) + 1).max().unwrap_or(0);
        memo.insert(n.to_string(), d);
        d
    }
    let mut memo = BTreeMap::new();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in nodes {
        let d = depth(n, edges, &mut memo);
        if out.len() <= d {
            out.resize(d + 1, Vec::new());
        }
        out[d].push(n.clone());
    }
    out
}

#[test]
fn the_scanner_sees_groups_nested_braces_super_and_re_exports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n");
    write(
        "a.rs",
        "use crate::{b::{self, X}, c::Y as Z};\n// crate::d::in_a_comment\nfn f() { let s = \"crate::d::x\"; let c = '{'; }\n",
    );
    write("b/mod.rs", "mod x;\nmod y;\npub use x::X;\n");
    write("b/x.rs", "pub struct X;\nfn g() -> super::super::c::Y { todo!() }\n");
    write("b/y.rs", "fn h() { let _ = super::X; }\n#[cfg(test)]\nmod tests { use crate::d::T; }\n");
    write("c.rs", "pub struct Y;\nfn k<'a>(s: &'a str) { crate::d::f(s) }\n");
    write("d.rs", "pub fn f(_: &str) {}\n");
    let (_, uses) = uses_of(src);
    let edges: BTreeSet<String> =
        uses.iter().filter(|u| u.from != u.to).map(|u| format!("{} → {}", name(&u.from), name(&u.to))).collect();
    let expected: BTreeSet<String> = ["a → b", "a → b::x", "a → c", "b → b::x", "b::x → c", "b::y → b::x", "c → d"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(edges, expected);
}
