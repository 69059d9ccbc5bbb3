//! The Format Sage export reader as it was before it sliced lines out of its buffer (every
//! line copied and decoded): kept for the tests only, as the reference the streaming reader
//! must match exactly (same clients, keys, blocks, notes, record counts and errors).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::error::InputError;
use crate::gescom::index::{Client, ClientIndex, Delivery, ExportInfo, Source, address_key, norm_code};
use crate::sage::Layout;
use crate::sage::fields::{Ccli, FieldId};
use crate::sage::parse::{LineReader, tag_of};

/// The record being read. Its line buffers are reused from one record to the next: an
/// export of 200,000 clients is millions of lines.
struct Pending {
    active: bool,
    tag: String,
    line: u64,
    offset: u64,
    lines: Vec<String>,
    n: usize,
    /// Whether the lines' text is needed (client blocks) or only their count.
    keep_text: bool,
}

impl Pending {
    fn push(&mut self, text: &str) {
        if self.keep_text {
            if self.n < self.lines.len() {
                self.lines[self.n].clear();
                self.lines[self.n].push_str(text);
            } else {
                self.lines.push(text.to_string());
            }
        }
        self.n += 1;
    }
}

/// Reads a Format Sage export. `layout` is the layout passerelle writes: the export is read
/// with its own #VER's layout when one is known, and every difference is noted.
pub fn load_export(path: &Path, layout: &'static Layout, keep: &[String]) -> Result<ClientIndex, InputError> {
    let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    load_export_from(path, file, layout, keep)
}

/// `load_export` of a file already opened (and checked) from `path`.
pub fn load_export_from(
    path: &Path,
    file: File,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let io = |source| crate::sage::parse::line_error(path, source);
    let mut r = LineReader::new(BufReader::with_capacity(256 * 1024, file));
    let bad = |line: u64, message: String| InputError::Malformed { path: path.to_path_buf(), line, message };
    let first = r.next_line().map_err(io)?.ok_or(InputError::Empty { path: path.to_path_buf() })?;
    // The file is one the profile names: say what was expected, never quote what is there.
    if first.text != "#FLG 000" {
        return Err(bad(1, "a Format Sage file starts with the line '#FLG 000'".into()));
    }
    let second = r.next_line().map_err(io)?.ok_or_else(|| bad(2, "no #VER line".into()))?;
    let version = second
        .text
        .strip_prefix("#VER ")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| bad(2, "line 2 of a Format Sage file is '#VER nn' (the version number)".into()))?;
    let own = Layout::builtin(version);
    let read_with = own.unwrap_or(layout);
    let ccli = read_with.expect("CCLI");
    let ccli_children: Vec<String> = ccli.children.clone();

    let mut info = ExportInfo { version, ..Default::default() };
    let mut notes = Vec::new();
    if version != layout.version {
        info.mismatches.push(format!("your dossier exports #VER {version}; passerelle writes #VER {}", layout.version));
    }
    if own.is_none() {
        notes.push(format!(
            "no layout is known for #VER {version}: the export is read with the #VER {} layout, which only holds if its records have the same fields",
            layout.version
        ));
    }
    let keep: Vec<String> = keep.iter().map(|k| norm_code(k)).filter(|k| !k.is_empty()).collect();
    let mut ix = ClientIndex::new(Source {
        path: path.display().to_string(),
        file: path.to_path_buf(),
        format: "format sage".into(),
        encoding: "cp850".into(),
        delimiter: String::new(),
        ..Default::default()
    });
    ix.carried = (1..=ccli.fixed as u16).collect();

    let mut client: Option<Client> = None;
    let mut skipped_short = 0usize;
    let mut finish =
        |p: &Pending, end: u64, client: &mut Option<Client>, ix: &mut ClientIndex, notes: &mut Vec<String>| {
            let lines = &p.lines[..p.n.min(p.lines.len())];
            let count = p.n;
            let e = info.histogram.entry(p.tag.clone()).or_insert((0, usize::MAX, 0));
            e.0 += 1;
            e.1 = e.1.min(count);
            e.2 = e.2.max(count);
            match p.tag.as_str() {
                "CCLI" => {
                    if let Some(done) = client.take() {
                        ix.push(done);
                    }
                    if lines.len() < ccli.fixed {
                        skipped_short += 1;
                        notes.push(format!(
                        "line {}: #CCLI of {} lines, {} expected: its fields cannot be located, the client is left out",
                        p.line,
                        lines.len(),
                        ccli.fixed
                    ));
                        return;
                    }
                    let at = |pos: usize| lines[pos - 1].clone();
                    let field = |id: Ccli| ccli.index_of(id.name()).map(|i| lines[i].clone()).unwrap_or_default();
                    let code = at(1);
                    let mut c = Client {
                        intitule: field(Ccli::Intitule),
                        siret: field(Ccli::Siret),
                        email: field(Ccli::EMail),
                        vat: field(Ccli::Identifiant),
                        address_key: Some(address_key(&[
                            &field(Ccli::Adresse),
                            &field(Ccli::Complement),
                            &field(Ccli::CodePostal),
                            &field(Ccli::Ville),
                            &field(Ccli::Pays),
                        ])),
                        cat_compta: Some(field(Ccli::NCatCompta)).filter(|s| !s.is_empty()),
                        collective: Some(field(Ccli::CgNumPrinc)).filter(|s| !s.is_empty()),
                        line: p.line,
                        block: Some((p.offset, end - p.offset)),
                        ..Default::default()
                    };
                    if keep.contains(&norm_code(&code)) {
                        c.fields =
                            lines.iter().take(ccli.fixed).enumerate().map(|(i, v)| (i as u16 + 1, v.clone())).collect();
                    }
                    c.code = code;
                    *client = Some(c);
                }
                tag if ccli_children.iter().any(|t| t == tag) => {
                    let Some(c) = client.as_mut() else {
                        notes.push(format!("line {}: #{tag} without a #CCLI before it", p.line));
                        return;
                    };
                    if let Some((offset, _)) = c.block {
                        c.block = Some((offset, end - offset));
                    }
                    match tag {
                        "CCDL" if lines.len() >= 7 => c.deliveries.push(Delivery {
                            intitule: lines[0].clone(),
                            key: address_key(&[&lines[1], &lines[2], &lines[3], &lines[4], &lines[6]]),
                        }),
                        "MCTT" if lines.len() >= 8 && !lines[7].is_empty() => c.contact_emails.push(lines[7].clone()),
                        _ => {}
                    }
                }
                _ => {
                    if let Some(done) = client.take() {
                        ix.push(done);
                    }
                }
            }
        };
    let mut end_offset = 0u64;
    let mut cur =
        Pending { active: false, tag: String::new(), line: 0, offset: 0, lines: Vec::new(), n: 0, keep_text: false };
    while let Some(line) = r.next_line().map_err(io)? {
        end_offset = line.offset + line.len;
        if line.text == "#DEV" || line.text.starts_with("#DEV ") {
            return Err(bad(
                line.number as u64,
                "#DEV: this is a Comptabilité file, not a Gestion Commerciale export".into(),
            ));
        }
        if line.text == "#FIN" {
            if cur.active {
                finish(&cur, line.offset, &mut client, &mut ix, &mut notes);
                cur.active = false;
            }
            break;
        }
        match tag_of(&line.text) {
            Some(tag) => {
                if cur.active {
                    finish(&cur, line.offset, &mut client, &mut ix, &mut notes);
                }
                cur.active = true;
                cur.tag.clear();
                cur.tag.push_str(tag);
                cur.line = line.number as u64;
                cur.offset = line.offset;
                cur.n = 0;
                // Only client blocks need their lines; other records are only counted.
                cur.keep_text = tag == "CCLI" || ccli_children.iter().any(|t| t == tag);
            }
            None if cur.active => cur.push(&line.text),
            None => notes.push(format!("line {}: '{}' is outside any record", line.number, line.text)),
        }
    }
    if cur.active {
        finish(&cur, end_offset, &mut client, &mut ix, &mut notes);
    }
    if let Some(done) = client.take() {
        ix.push(done);
    }
    if r.bom || r.utf8_high && !r.any_invalid_utf8 {
        notes.push(
            "the export is UTF-8, not CP850: it was re-encoded after Sage wrote it; accented letters may be wrong"
                .into(),
        );
    }
    // Compare each record type with the layout passerelle writes.
    for (tag, &(n, min, max)) in &info.histogram {
        let Some(rl) = layout.record(tag) else { continue };
        let fits = |k: usize| {
            if rl.tail > 0 { k >= rl.fixed && (k - rl.fixed).is_multiple_of(rl.tail) } else { k == rl.fixed }
        };
        if !fits(min) || !fits(max) {
            let expected = if rl.tail > 0 {
                format!("{} (+ {} per {})", rl.fixed, rl.tail, rl.tail_label.as_deref().unwrap_or("extra"))
            } else {
                rl.fixed.to_string()
            };
            let got = if min == max { min.to_string() } else { format!("{min} to {max}") };
            info.mismatches.push(format!(
                "#{tag} has {got} lines in your export ({n} records), {expected} in passerelle's layout"
            ));
        }
    }
    info.updatable = info.mismatches.is_empty() && skipped_short == 0;
    for m in &info.mismatches {
        notes.push(m.clone());
    }
    ix.notes.splice(0..0, notes);
    ix.export = Some(info);
    Ok(ix)
}
