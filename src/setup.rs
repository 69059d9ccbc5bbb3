//! The profile checked against the stages it sets up. `profile` is a leaf every stage reads: it
//! parses the TOML against its schema. The rules that span keys or need a stage are here, above
//! the stages: expression syntax and piece lengths (`resolve`), the `#VER` and `#CCLI` field
//! names (`sage`), template files (`write::param`), canonical column names (`shop`), encodings
//! and delimiters (`table`), the representative's name (`gescom`). `convert`, `watch` and the
//! commands load profiles through `load_profile`, so every run sees every rule.

use std::path::Path;

use crate::profile::check::{self, Locator, Problem, find_line};
use crate::profile::{Profile, ProfileError};

/// Reads and checks a profile file. Every problem that can be found without the client list is
/// reported at once, each with its line.
pub fn load_profile(path: &Path) -> Result<Profile, ProfileError> {
    let (p, text) = Profile::read(path)?;
    let invalid = |problems| ProfileError::Invalid { path: path.display().to_string(), problems };
    let problems = rules(&p, &text);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // Template files are named relative to the profile's folder: checked once it is known.
    let problems = template_rules(&p, &text);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    Ok(p)
}

/// A profile from its text (`name` for messages), every rule but the template files' checked.
pub fn parse_profile(text: &str, name: &str) -> Result<Profile, ProfileError> {
    parse_checked(text).map_err(|problems| ProfileError::Invalid { path: name.to_string(), problems })
}

/// Parses `text` into a profile, or returns every problem found.
pub fn parse_checked(text: &str) -> Result<Profile, Vec<Problem>> {
    let profile = check::parse_typed(text)?;
    let problems = rules(&profile, text);
    if problems.is_empty() { Ok(profile) } else { Err(problems) }
}

/// The `[output]` rules that need the profile's folder (template files are relative to it), so
/// `load_profile` and `profile check` run them once the folder is known. Each problem is on
/// the line of its entry in `templates`; a template file's own problems keep their line there.
pub fn template_rules(p: &Profile, text: &str) -> Vec<Problem> {
    use crate::write::param::{TemplateError, template};
    let mut out = Vec::new();
    let out_cfg = &p.output;
    let at = Locator::new(text);
    if !out_cfg.sage && out_cfg.templates.is_empty() {
        out.push(Problem {
            line: at.line("output.sage"),
            key: "output.sage".into(),
            message: "sage = false and no templates: nothing would be written".into(),
        });
    }
    let Some(layout) = crate::sage::Layout::builtin(out_cfg.sage_version) else {
        return out; // reported by `rules`
    };
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, entry) in out_cfg.templates.iter().enumerate() {
        let line = at.element_line("output.templates", i);
        let key = format!("output.templates[{i}]");
        match template::load(entry, &p.base_dir, layout) {
            Ok(t) => {
                if let Some((_, first)) = names.iter().find(|(n, _)| *n == t.name) {
                    out.push(Problem {
                        line,
                        key,
                        message: format!(
                            "\"{entry}\" is named {} like templates[{first}]: both would write <input>.{}.*; rename one file",
                            t.name, t.name
                        ),
                    });
                } else {
                    names.push((t.name.clone(), i));
                }
            }
            Err(TemplateError::Invalid { file, problems }) => {
                for tp in problems {
                    out.push(Problem { line, key: key.clone(), message: format!("template {file}: {tp}") });
                }
            }
            Err(e) => out.push(Problem { line, key, message: e.to_string() }),
        }
    }
    out
}

/// A piece expression that cannot give a number of at most 13 characters, or the same number
/// for every document.
fn piece_limits(e: &crate::resolve::expr::Expr, text: &str, p: &Profile) -> Option<String> {
    let max = crate::resolve::order::PIECE_MAX;
    if e.vars().next().is_none() {
        return Some(format!("\"{text}\" has no placeholder: every document would get the same number"));
    }
    let (fixed, unbounded) = piece_length(e, p);
    (fixed > max).then(|| {
        let how = if unbounded.is_empty() { "up to" } else { "at least" };
        format!("\"{text}\" gives {how} {fixed} characters: a piece number holds at most {max}")
    })
}

/// Characters of a piece expression's result that are known (the literal text once cleaned,
/// dates, the client code at its longest), and the placeholders whose length depends on the
/// shop.
pub fn piece_length(e: &crate::resolve::expr::Expr, p: &Profile) -> (usize, Vec<&'static str>) {
    use crate::resolve::expr::Var;
    let literal = crate::text::remove_accents(&e.literal()).chars().filter(char::is_ascii_alphanumeric).count();
    let code = &p.customers.code;
    let code_len = std::iter::once(code.length)
        .chain(code.by_platform.keys().map(|k| code.for_platform(k).length))
        .max()
        .unwrap_or(17) as usize;
    let mut fixed = literal;
    let mut unbounded = Vec::new();
    for v in e.vars() {
        match v {
            Var::Today | Var::OrderDate => fixed += 6,
            Var::Code => fixed += code_len,
            other => unbounded.push(other.name()),
        }
    }
    (fixed, unbounded)
}

/// Advice that does not stop a run: limits that depend on the shop's data. `profile check`
/// prints them as warnings.
pub fn advice(p: &Profile, text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |key: &str, message: String| {
        out.push(Problem { line: find_line(text, key), key: key.to_string(), message });
    };
    let o = &p.orders;
    if o.piece.trim().is_empty() {
        push(
            "orders.piece",
            "empty (the default of earlier versions): read as \"sage\", documents are written without a piece number; write an expression such as \"WEB{order.number}\" (today's default) to number them, or \"sage\" to keep Sage's numbering".into(),
        );
    } else if o.piece_by_sage() {
        push(
            "orders.piece",
            "\"sage\": documents are written without a piece number for Sage to number them; whether Sage accepts that is unverified (every run says so)".into(),
        );
    } else if let Ok(e) = crate::resolve::expr::Expr::parse(&o.piece)
        && e.vars().next().is_some()
    {
        let max = crate::resolve::order::PIECE_MAX;
        let (fixed, unbounded) = piece_length(&e, p);
        // What cleaning removes from the literal text ('-', spaces, '/'...).
        let kept = |c: char| {
            let plain = crate::text::remove_accents(&c.to_string());
            !plain.is_empty() && plain.chars().all(|x| x.is_ascii_alphanumeric())
        };
        let dropped: String = e.literal().chars().filter(|c| !kept(*c)).collect();
        if !dropped.is_empty() {
            push(
                "orders.piece",
                format!("\"{dropped}\" of \"{}\" is dropped: a piece number holds only A-Z and 0-9", o.piece),
            );
        }
        // Shop order numbers: Shopify #1001…, PrestaShop references and Magento numbers of 9.
        const TYPICAL: usize = 9;
        if !unbounded.is_empty() && fixed <= max && max - fixed < TYPICAL {
            push(
                "orders.piece",
                format!(
                    "\"{}\" leaves {} characters for {{{}}}: a longer shop number is cut (PrestaShop references and Magento numbers have {TYPICAL}); shorten the prefix",
                    o.piece,
                    max - fixed,
                    unbounded.join("}, {")
                ),
            );
        }
    }
    if o.refunds == crate::profile::orders::Refunds::CreditNote
        && o.document_type != crate::profile::orders::DocumentType::Facture
    {
        push(
            "orders.refunds",
            "\"credit_note\", but documents are not factures (document_type): credit notes answer invoices, so refunds of converted orders are only said in the report".into(),
        );
    }
    if o.credit_piece_by_sage() {
        push(
            "orders.credit_note_piece",
            "\"sage\" (or empty): credit notes are written without a piece number for Sage to number them; whether Sage accepts that is unverified (every run says so)".into(),
        );
    }
    if let Ok(e) = crate::resolve::expr::Expr::parse(&o.reference) {
        let fixed = e.literal().chars().count();
        if fixed > 17 {
            push(
                "orders.reference",
                format!("\"{}\" has {fixed} characters of text: a référence holds 17, the rest is cut", o.reference),
            );
        }
    }
    let mut sections = vec![(String::from("customers.code"), p.customers.code.clone())];
    for name in p.customers.code.by_platform.keys() {
        sections.push((format!("customers.code.by_platform.{name}"), p.customers.code.for_platform(name)));
    }
    for (base, code) in &sections {
        let fixed =
            code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>();
        let room = if code.counter_length > 0 { code.counter_length } else { code.length.saturating_sub(fixed) };
        if (1..4).contains(&room) {
            let mut line = find_line(text, &format!("{base}.length"));
            if line == 0 {
                line = find_line(text, base);
            }
            out.push(Problem {
                line,
                key: format!("{base}.length"),
                message: format!(
                    "only {room} digit(s) for the customer number: at most {} new clients can be numbered",
                    10u64.pow(room) - 1
                ),
            });
        }
    }
    out
}

/// Rules that involve more than one key or outside data (layouts, expression syntax).
fn rules(p: &Profile, text: &str) -> Vec<Problem> {
    let at = Locator::new(text);
    let mut out = Vec::new();
    let mut sections = vec![(String::from("customers.code"), p.customers.code.clone())];
    for name in p.customers.code.by_platform.keys() {
        sections.push((format!("customers.code.by_platform.{name}"), p.customers.code.for_platform(name)));
    }
    for (base, code) in &sections {
        code_rules(base, code, &at, &mut out);
    }
    rest_rules(p, &at, out)
}

fn code_rules(base: &str, code: &crate::profile::CodeSection, at: &Locator, out: &mut Vec<Problem>) {
    let mut push = |key: &str, message: String| {
        let full = format!("{base}.{key}");
        let mut line = at.line(&full);
        if line == 0 {
            line = at.line(base);
        }
        out.push(Problem { line, key: full, message });
    };
    if code.length == 0 || code.length > 17 {
        push("length", format!("{} is outside 1..=17 (Sage codes hold at most 17 characters)", code.length));
    }
    for (key, v) in [("prefix", &code.prefix), ("suffix", &code.suffix)] {
        if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
            push(key, format!("\"{v}\": only letters A-Z and digits are allowed in a client code"));
        }
    }
    for (i, part) in code.parts.iter().enumerate() {
        if part.length == 0 {
            push(&format!("parts[{i}]"), "length must be at least 1".into());
        }
    }
    let room = if code.counter_length > 0 {
        code.counter_length
    } else {
        code.length.saturating_sub(
            code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>(),
        )
    };
    let start_digits = code.counter_start.max(1).to_string().len() as u32;
    if room > 0 && start_digits > room {
        push(
            "counter_start",
            format!("{} has {start_digits} digits: only {room} fit in the code for the number", code.counter_start),
        );
    }
    if code.parts.len() > 4 {
        push("parts", format!("{} parts: at most 4 (Partie 1 to 4)", code.parts.len()));
    }
    let fixed = code.prefix.len() as u32 + code.suffix.len() as u32 + code.parts.iter().map(|p| p.length).sum::<u32>();
    if code.counter_length > 0 {
        if fixed + code.counter_length > code.length {
            push(
                "length",
                format!(
                    "prefix ({}) + parts ({}) + suffix ({}) + counter_length ({}) = {} exceeds length {}",
                    code.prefix.len(),
                    code.parts.iter().map(|p| p.length).sum::<u32>(),
                    code.suffix.len(),
                    code.counter_length,
                    fixed + code.counter_length,
                    code.length
                ),
            );
        }
    } else if fixed >= code.length {
        push(
            "length",
            format!(
                "prefix + parts + suffix take {fixed} characters of {}: no room is left for the customer number",
                code.length
            ),
        );
    }
}

fn rest_rules(p: &Profile, at: &Locator, mut out: Vec<Problem>) -> Vec<Problem> {
    let mut push = |key: &str, message: String| {
        out.push(Problem { line: at.line(key), key: key.to_string(), message });
    };
    if p.customers.mode == crate::profile::Mode::Single && p.customers.single_account.trim().is_empty() {
        push("customers.single_account", "mode = \"single\" needs the code of the one client account".into());
    }
    for (key, v) in [("watch.rescan_seconds", p.watch.rescan_seconds), ("watch.retry_seconds", p.watch.retry_seconds)] {
        if v == 0 {
            push(key, "must be at least 1 (second)".into());
        }
    }
    let acct = &p.customers.collective_account;
    if acct.is_empty() || acct.len() > 13 || !acct.chars().all(|c| c.is_ascii_alphanumeric()) {
        push(
            "customers.collective_account",
            format!("\"{acct}\" is not a general account (1 to 13 letters or digits)"),
        );
    }
    let Some(layout) = crate::sage::Layout::builtin(p.output.sage_version) else {
        let known: Vec<String> = crate::sage::Layout::versions().iter().map(|v| v.to_string()).collect();
        push(
            "output.sage_version",
            format!("no layout for #VER {}; known: {}", p.output.sage_version, known.join(", ")),
        );
        return out;
    };
    let ccli = layout.expect("CCLI");
    for (name, expr) in &p.customers.fields {
        let key = format!("customers.fields.{name}");
        if ccli.field(name).is_none() {
            push(
                &key,
                format!(
                    "#CCLI has no field {name} in #VER {} (names are Sage column names such as CT_Commentaire)",
                    layout.version
                ),
            );
        }
        if let Err(e) = crate::resolve::expr::Expr::parse(expr) {
            push(&key, e.to_string());
        }
    }
    for (key, v, max) in [
        ("customers.single_account", &p.customers.single_account, 17),
        ("customers.template", &p.customers.template, 17),
        ("orders.depot", &p.orders.depot, 35),
    ] {
        if v.chars().count() > max {
            push(key, format!("\"{v}\" has {} characters: Sage holds at most {max} here", v.chars().count()));
        }
    }
    if !p.customers.representative.trim().is_empty() {
        let (nom, prenom) = crate::gescom::clients::split_representative(&p.customers.representative);
        if nom.chars().count() > 35 || prenom.chars().count() > 35 {
            push(
                "customers.representative",
                format!(
                    "\"{}\": a collaborator's last and first names hold at most 35 characters each",
                    p.customers.representative
                ),
            );
        }
    }
    let o = &p.orders;
    if !o.piece_by_sage()
        && let Ok(e) = crate::resolve::expr::Expr::parse(&o.piece)
        && let Some(why) = piece_limits(&e, &o.piece, p)
    {
        push("orders.piece", why);
    }
    if !o.credit_piece_by_sage() {
        match crate::resolve::expr::Expr::parse(&o.credit_note_piece) {
            Err(e) => push("orders.credit_note_piece", e.to_string()),
            Ok(e) => {
                if let Some(why) = piece_limits(&e, &o.credit_note_piece, p) {
                    push("orders.credit_note_piece", why);
                }
            }
        }
    }
    if o.souche > 50 {
        push("orders.souche", format!("{} is outside 1..50 (0 = the dossier's default souche)", o.souche));
    }
    for (key, expr) in [("orders.reference", &o.reference), ("orders.piece", &o.piece)] {
        if let Err(e) = crate::resolve::expr::Expr::parse(expr) {
            push(key, e.to_string());
        }
    }
    if !(1..=30).contains(&o.default_payment_method) {
        push(
            "orders.default_payment_method",
            format!("{} is outside 1..30 (a mode de règlement of the dossier)", o.default_payment_method),
        );
    }
    for (label, idx) in &o.payment_methods {
        if !(1..=30).contains(idx) {
            push(&format!("orders.payment_methods.{label}"), format!("{idx} is outside 1..30"));
        }
    }
    let c = &o.accounting_categories;
    for (name, v) in [("france", c.france), ("eu", c.eu), ("eu_b2c", c.eu_b2c), ("export", c.export)] {
        if !(1..=50).contains(&v) {
            push(&format!("orders.accounting_categories.{name}"), format!("{v} is outside 1..50"));
        }
    }
    for (rate, code) in &o.tax_codes {
        if rate.replace(',', ".").trim_end_matches('%').trim().parse::<rust_decimal::Decimal>().is_err() {
            push(
                &format!("orders.tax_codes.{rate}"),
                format!("\"{rate}\" is not a VAT rate such as \"20\" or \"5.5\""),
            );
        }
        if code.len() > 5 || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            push(&format!("orders.tax_codes.{rate}"), format!("\"{code}\" is not a code taxe (at most 5 of A-Z, 0-9)"));
        }
    }
    for (key, art) in [
        ("orders.divers_article", &o.divers_article),
        ("orders.shipping_article", &o.shipping_article),
        ("orders.discount_article", &o.discount_article),
        ("orders.refund_article", &o.refund_article),
    ] {
        if art.chars().count() > 18 || art.trim().is_empty() {
            push(key, format!("\"{art}\" is not an article reference (1 to 18 characters)"));
        }
    }
    for (carrier, art) in &o.carriers {
        if art.chars().count() > 18 || art.trim().is_empty() {
            push(
                &format!("orders.carriers.{carrier}"),
                format!("\"{art}\" is not an article reference (1 to 18 characters)"),
            );
        }
    }
    for name in p.clients.columns.keys() {
        if ccli.field(name).is_none() {
            push(&format!("clients.columns.{name}"), format!("#CCLI has no field {name}"));
        }
    }
    for name in p.input.columns.keys() {
        if !crate::shop::CANONICAL_FIELDS.contains(&name.as_str()) {
            push(
                &format!("input.columns.{name}"),
                format!("unknown field; known: {}", crate::shop::CANONICAL_FIELDS.join(", ")),
            );
        }
    }
    for (key, enc) in [("input.encoding", &p.input.encoding), ("clients.encoding", &p.clients.encoding)] {
        if let Some(e) = enc
            && crate::table::sniff::encoding_by_label(e).is_none()
        {
            push(key, format!("unknown encoding \"{e}\" (utf-8, windows-1252, macintosh, ...)"));
        }
    }
    for (key, d) in [("input.delimiter", &p.input.delimiter), ("clients.delimiter", &p.clients.delimiter)] {
        if let Some(d) = d
            && crate::table::sniff::delimiter_by_label(d).is_none()
        {
            push(key, format!("\"{d}\" is not a delimiter: one character such as \";\" or \",\", or \"tab\""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{LineIndex, line_of};
    use crate::profile::check::PARSES;

    fn problems(text: &str) -> Vec<Problem> {
        parse_checked(text).err().unwrap_or_default()
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_all_reported_with_lines() {
        let p =
            problems("[customers]\nmode = \"per_customer\"\nserch_by_email = true\nuppercase_name = \"yes\"\n[nope]\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0].line, 3);
        assert!(p[0].message.contains("did you mean \"search_by_email\""), "{}", p[0]);
        assert_eq!(p[1].line, 4);
        assert!(p[1].message.contains("wrong type"));
        assert_eq!(p[2].line, 5);
    }

    /// Each problem used to parse the whole profile again to find its line: 10,000 unknown
    /// fields took minutes. The text is now parsed a fixed number of times.
    #[test]
    fn thousands_of_problems_parse_the_profile_a_fixed_number_of_times() {
        let keys: String = (0..10_000).map(|i| format!("X_{i} = \"{{customer.id}}\"\n")).collect();
        let text = format!("[customers]\ntemplate = \"MODELE\"\n[customers.fields]\n{keys}");
        let before = PARSES.with(|p| p.get());
        let problems = problems(&text);
        let parses = PARSES.with(|p| p.get()) - before;
        assert_eq!(problems.len(), 10_000);
        assert_eq!(problems[9_999].line, 10_003, "{}", problems[9_999]);
        assert!(parses <= 2, "{parses} parses for 10,000 problems");
        let idx = LineIndex::new("a\nbc\n\nd");
        for (offset, line) in [(0, 1), (1, 1), (2, 2), (4, 2), (5, 3), (6, 4), (99, 4)] {
            assert_eq!(idx.line(offset), line_of("a\nbc\n\nd", offset), "{offset}");
            assert_eq!(idx.line(offset), line, "{offset}");
        }
    }

    #[test]
    fn code_length_rules() {
        let p = problems("[customers.code]\nprefix = \"WEB\"\nlength = 18\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 3);
        let p = problems(
            "[customers.code]\nprefix = \"WEBSHOP\"\nparts = [{ field = \"lastname\", length = 3 }]\nlength = 10\ncounter_length = 2\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("exceeds length 10"), "{}", p[0]);
        let p = problems("[customers.code]\nprefix = \"ABCDEFGHI\"\nlength = 9\n");
        assert!(p[0].message.contains("no room"));
    }

    #[test]
    fn bad_enum_values_name_the_choices() {
        let p = problems("[customers]\nmode = \"singel\"\n");
        assert!(p[0].message.contains("did you mean \"single\""), "{}", p[0]);
    }

    #[test]
    fn single_mode_needs_an_account() {
        let p = problems("[customers]\nmode = \"single\"\n");
        assert_eq!(p[0].key, "customers.single_account");
    }

    #[test]
    fn field_expressions_are_checked() {
        let p = problems(
            "[customers.fields]\nCT_Commentaire = \"Client web {customer.id}\"\nCT_Nope = \"x\"\nCT_Qualite = \"{customer.unknown}\"\n",
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].line, 3);
        assert_eq!(p[1].line, 4);
    }

    #[test]
    fn watch_keys_are_checked() {
        let p = problems("[watch]\nsettle_ms = 50\nmin_age_s = 10\nrescan_seconds = 0\nlog_file = 3\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("did you mean \"min_age_ms\""), "{}", p[0]);
        assert_eq!(p[1].line, 5);
        let p = problems("[watch]\nrescan_seconds = 0\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("watch.rescan_seconds", 2));
    }

    #[test]
    fn every_limit_of_the_format_is_checked_with_its_line() {
        let p = problems("[customers.code]\nlength = 25\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.code.length", 2), "{p:?}");
        let p = problems("[customers.code]\ncounter_start = 1000000\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.code.counter_start", 2), "{p:?}");
        assert!(p[0].message.contains("only 6 fit"), "{}", p[0]);
        let p = problems(&format!("[orders]\nsouche = 51\ndepot = \"{}\"\n", "D".repeat(36)));
        assert_eq!(
            p.iter().map(|p| (p.key.as_str(), p.line)).collect::<Vec<_>>(),
            [("orders.depot", 3), ("orders.souche", 2)]
        );
        let p = problems("[orders.accounting_categories]\neu = 0\nexport = 51\n");
        assert_eq!(p.len(), 2, "{p:?}");
        let p = problems(&format!("[customers]\nsingle_account = \"{}\"\n", "C".repeat(18)));
        assert_eq!((p[0].key.as_str(), p[0].line), ("customers.single_account", 2), "{p:?}");
    }

    #[test]
    fn the_keys_of_credit_notes_are_checked() {
        let p = problems("[orders]\nrefunds = \"avoir\"\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.refunds", 2), "{p:?}");
        assert!(p[0].message.contains("\"credit_note\", \"skip\""), "{}", p[0]);
        let p = problems("[orders]\nrefund_article = \"\"\ncredit_note_piece = \"AVOIR\"\ncredit_note_origin = 1\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.credit_note_origin", 4), "{p:?}");
        let p = problems("[orders]\nrefund_article = \"\"\ncredit_note_piece = \"AVOIR\"\n");
        assert_eq!(
            p.iter().map(|p| (p.key.as_str(), p.line)).collect::<Vec<_>>(),
            [("orders.credit_note_piece", 3), ("orders.refund_article", 2)],
            "{p:?}"
        );
        assert!(p[0].message.contains("\"AVOIR\" has no placeholder"), "{}", p[0]);
        let p = problems("[orders]\ncredit_note_piece = \"AVOIR{order.numero}\"\n");
        assert_eq!((p[0].key.as_str(), p[0].line), ("orders.credit_note_piece", 2), "{p:?}");
        for ok in ["refunds = \"skip\"", "credit_note_piece = \"sage\"", "credit_note_piece = \"A{order.id}\""] {
            assert!(problems(&format!("[orders]\n{ok}\n")).is_empty(), "{ok}");
        }
        let text = "[orders]\ndocument_type = \"bon_de_commande\"\n";
        let said = advice(&parse_checked(text).unwrap(), text);
        assert!(said.iter().any(|a| a.key == "orders.refunds"), "{said:?}");
    }

    #[test]
    fn the_piece_expression_must_give_a_number_that_fits() {
        for (piece, says) in [
            ("WEB", "no placeholder"),
            ("BOUTIQUEFRANCE{order.number}", "at least 14 characters"),
            ("{code}{order.date}", "up to 15 characters"),
        ] {
            let p = problems(&format!("[orders]\ndate = \"order\"\npiece = \"{piece}\"\n"));
            assert_eq!(p.len(), 1, "{piece}: {p:?}");
            assert_eq!((p[0].key.as_str(), p[0].line), ("orders.piece", 3), "{piece}");
            assert!(p[0].message.contains(says.replace("\\", "").as_str()), "{piece}: {}", p[0]);
        }
        for ok in ["", "sage", "SAGE", "WEB{order.number}", "F{order.date}{order.id}"] {
            assert!(problems(&format!("[orders]\npiece = \"{ok}\"\n")).is_empty(), "{ok}");
        }
    }

    #[test]
    fn advice_is_given_for_limits_that_depend_on_the_shop() {
        let advice_of = |text: &str| advice(&parse_checked(text).unwrap(), text);
        assert!(
            advice_of(crate::profile::DEFAULT_PROFILE).is_empty(),
            "{:?}",
            advice_of(crate::profile::DEFAULT_PROFILE)
        );
        let a = advice_of("[orders]\npiece = \"FACT-WEB-{order.number}\"\n");
        assert_eq!(a.len(), 2, "{a:?}");
        assert!(a[0].message.contains("\"--\" of"), "{}", a[0]);
        assert!(a[1].message.contains("leaves 6 characters for {order.number}"), "{}", a[1]);
        assert!(a.iter().all(|p| p.line == 2));
        let a = advice_of("[orders]\npiece = \"sage\"\n");
        assert!(a[0].message.contains("unverified"), "{a:?}");
        let a = advice_of("[customers.code]\nprefix = \"WEBSHOP\"\nlength = 9\n");
        assert_eq!((a[0].key.as_str(), a[0].line), ("customers.code.length", 3), "{a:?}");
        assert!(a[0].message.contains("at most 99 new clients"), "{}", a[0]);
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let p = problems("[customers]\nmode = \n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 2);
    }
}
