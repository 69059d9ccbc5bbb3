//! What each subcommand does and prints; `main` maps the result to the exit code.
//! 0: everything converted or valid; 1: an input or record failed; 2: usage or profile error.

use std::path::Path;

use crate::cli::{
    Cli, ClientsCommand, Command, ConvertArgs, InspectArgs, ProfileCommand, TemplateCommand, ValidateArgs, WatchArgs,
};
use crate::convert::{self, ConvertOptions};
use crate::i18n::{Lang, Msg};
use crate::profile::{Profile, check};
use crate::report::Warnings;
use crate::sage::Layout;
use crate::shop::{self, ShopFile};
use crate::t;
use crate::warning_kind::WarningKind;

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    let lang = Lang::detect(cli.lang);
    match cli.command {
        Command::Convert(a) => convert_cmd(a, lang),
        Command::Profile(ProfileCommand::Init { file, force }) => profile_init(&file, force, lang),
        Command::Profile(ProfileCommand::Check { file, clients }) => profile_check(&file, clients.as_deref(), lang),
        Command::Inspect(a) => inspect(a, lang),
        Command::Validate(a) => validate(a, lang),
        Command::Clients(ClientsCommand::Inspect { file, profile, notes }) => {
            clients_inspect(&file, profile.as_deref(), notes, lang)
        }
        Command::Template(c) => template_cmd(c, lang),
        Command::Watch(a) => watch(a, lang),
    }
}

fn convert_cmd(a: ConvertArgs, lang: Lang) -> u8 {
    // Long inputs show how far they are read, on a terminal only.
    crate::progress::enable(lang == Lang::Fr);
    let opts = ConvertOptions {
        profile: a.profile,
        clients: a.clients,
        out: a.out,
        report: a.report,
        html: a.html,
        state: a.state,
        dry_run: a.dry_run,
        force: a.force,
        inputs: a.inputs,
        entries: false,
        lang,
    };
    match convert::convert(&opts) {
        Ok(report) => {
            print!("{}", report.human_for(crate::report::SummaryFor::Convert, lang));
            if let Some(path) = &opts.html {
                println!("{}", t!(lang, Msg::SumHtml, path = path.display()));
            }
            if report.failed() { FAILED } else { OK }
        }
        Err(e) => {
            eprintln!("passerelle: {}", e.for_people(lang));
            USAGE
        }
    }
}

fn profile_init(file: &Path, force: bool, lang: Lang) -> u8 {
    match write_user_file(file, crate::profile::default_profile(lang).as_bytes(), force, lang) {
        Ok(()) => {
            println!("{}", t!(lang, Msg::Wrote, file = file.display()));
            OK
        }
        Err(message) => {
            eprintln!("passerelle: {message}");
            USAGE
        }
    }
}

/// Writes a file the user named (`profile init`, `template copy`): never over an existing
/// file unless `force`; its folder is created when missing (`templates/mine.toml` in a new
/// folder is the natural first try).
fn write_user_file(file: &Path, bytes: &[u8], force: bool, lang: Lang) -> Result<(), String> {
    if file.exists() && !force {
        return Err(t!(lang, Msg::FileExists, file = file.display()));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    }
    crate::atomic::write_atomic(file, bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

fn profile_check(file: &Path, clients: Option<&Path>, lang: Lang) -> u8 {
    let text = match crate::fsguard::read_text(file, crate::fsguard::MAX_TEXT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("passerelle: cannot read {}: {e}", file.display());
            return USAGE;
        }
    };
    let mut profile = match crate::setup::parse_checked(&text) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                println!("{}", t!(lang, Msg::ChkProblem, file = file.display(), p = p.for_people(lang)));
            }
            println!("{}", t!(lang, Msg::ChkProblems, file = file.display(), n = problems.len()));
            return USAGE;
        }
    };
    profile.base_dir =
        file.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| ".".into());
    let mut problems = crate::setup::template_rules(&profile, &text);
    problems.extend(check_against_clients(&profile, &text, clients, lang));
    for p in &problems {
        println!("{}", t!(lang, Msg::ChkProblem, file = file.display(), p = p.for_people(lang)));
    }
    // Limits that depend on the shop's data: said, not fatal.
    for p in crate::setup::advice(&profile, &text) {
        println!("{}", t!(lang, Msg::ChkWarning, file = file.display(), p = p.for_people(lang)));
    }
    if problems.is_empty() {
        println!("{}", t!(lang, Msg::ChkOk, file = file.display()));
        OK
    } else {
        println!("{}", t!(lang, Msg::ChkProblems, file = file.display(), n = problems.len()));
        USAGE
    }
}

/// The checks that need the client list: the single account and the template must exist.
fn check_against_clients(profile: &Profile, text: &str, clients: Option<&Path>, lang: Lang) -> Vec<check::Problem> {
    let mut out = Vec::new();
    let cs = &profile.customers;
    let needs = cs.mode == crate::profile::Mode::Single || !cs.template.trim().is_empty();
    let layout = Layout::builtin(profile.output.sage_version).expect("checked");
    let index = match convert::load_clients(profile, layout, clients) {
        Ok(ix) => ix,
        Err(e) => {
            if needs || profile.clients_file().is_some() {
                out.push(check::Problem {
                    line: check::find_line(text, "clients.file"),
                    key: "clients.file".into(),
                    message: e.for_people(lang),
                });
            }
            return out;
        }
    };
    if cs.mode == crate::profile::Mode::Single && index.by_code(&cs.single_account).is_none() {
        out.push(check::Problem {
            line: check::find_line(text, "customers.single_account"),
            key: "customers.single_account".into(),
            message: format!("\"{}\" is not in the client list {}", cs.single_account, index.source.path),
        });
    }
    if !cs.template.trim().is_empty() && index.by_code(&cs.template).is_none() {
        out.push(check::Problem {
            line: check::find_line(text, "customers.template"),
            key: "customers.template".into(),
            message: format!("\"{}\" is not in the client list {}", cs.template, index.source.path),
        });
    }
    out
}

fn inspect(a: InspectArgs, lang: Lang) -> u8 {
    let profile = match convert::load_profile(a.profile.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("passerelle: {e}");
            return USAGE;
        }
    };
    let mut code = OK;
    // Files that complete another one (PrestaShop resources, Magento addresses) are joined to
    // the other files inspected with them, as `convert` does.
    let joined = std::sync::Arc::new(shop::Joined::gather(&a.inputs, &profile.input));
    for input in &a.inputs {
        println!("{}", input.display());
        match shop::open_in_run(input, &profile.input, std::sync::Arc::clone(&joined)) {
            Ok(mut file) => {
                let headers = file.headers();
                println!("{}", t!(lang, Msg::InsPlatform, v = file.platform()));
                println!("{}", t!(lang, Msg::InsKind, v = crate::report::kind_label(file.kind(), lang)));
                if let ShopFile::Companion(c) = &file {
                    println!("{}", t!(lang, Msg::InsGeneration, v = c.generation));
                    println!("{}", t!(lang, Msg::InsRecords, v = c.records));
                    let completes = crate::report::kind_label(c.completes, lang);
                    println!(
                        "{}",
                        t!(lang, Msg::InsCompanion, platform = c.platform, completes = completes, join = c.join)
                    );
                    continue;
                }
                println!("{}", t!(lang, Msg::InsGeneration, v = file.generation()));
                let guessed = if file.encoding_guessed() { Msg::InsGuessed.text(lang) } else { "" };
                println!("{}", t!(lang, Msg::InsEncoding, v = format!("{}{guessed}", file.encoding_label())));
                println!("{}", t!(lang, Msg::InsDelimiter, v = file.delimiter_label()));
                println!("{}", t!(lang, Msg::InsColumns, n = headers.len()));
                let mapped = file.mapped_columns();
                for (field, header) in &mapped {
                    println!("    {field:<12} ← {header}");
                }
                if file.column_use().is_none() {
                    let used: Vec<&String> = mapped.iter().map(|(_, h)| h).collect();
                    // A JSON path uses the key it starts with (`billing.city`, `meta:KEY` in meta_data).
                    let uses = |u: &str, h: &str| {
                        u == h
                            || u.strip_prefix(h).is_some_and(|rest| rest.starts_with('.'))
                            || (h == "meta_data" && u.starts_with("meta:"))
                    };
                    let unused: Vec<&str> = headers
                        .iter()
                        .filter(|h| !used.iter().any(|u| u.split(", ").any(|u| uses(u, h))))
                        .map(String::as_str)
                        .collect();
                    if !unused.is_empty() {
                        println!("{}", t!(lang, Msg::InsNotUsed, v = unused.join(", ")));
                    }
                }
                let mut w = Warnings::new(input.display().to_string());
                match &mut file {
                    ShopFile::Companion(_) => {}
                    ShopFile::Customers(reader) => {
                        for _ in 0..a.records {
                            match reader.next(&mut w) {
                                Ok(Some(c)) => println!(
                                    "  {}: id={} name={} email={} company={} siret={} vat={} zip={} city={} country={}",
                                    crate::report::subject(
                                        &format!("record {} (line {})", c.origin.record, c.origin.line),
                                        lang
                                    ),
                                    c.shop_id,
                                    crate::model::join_name(&c.firstname, &c.lastname),
                                    c.email,
                                    c.company,
                                    c.siret,
                                    c.vat_number,
                                    c.billing.zip,
                                    c.billing.city,
                                    c.billing.country
                                ),
                                Ok(None) => break,
                                Err(e) => {
                                    println!("{}", t!(lang, Msg::InsError, e = e));
                                    code = FAILED;
                                    break;
                                }
                            }
                        }
                    }
                    ShopFile::Orders(reader) => {
                        for _ in 0..a.records {
                            match reader.next(&mut w) {
                                Ok(Some(Ok(o))) => {
                                    let basis = match o.prices {
                                        Some(crate::model::PriceBasis::Incl) => "prices incl. tax",
                                        Some(crate::model::PriceBasis::Excl) => "prices excl. tax",
                                        None => "tax basis unknown",
                                    };
                                    println!(
                                        "  {}: {} | {} | customer {} <{}> | {} line(s) | total {} {} | {basis} | {}",
                                        crate::report::subject(
                                            &crate::model::order_subject(&o.number, o.origin.line),
                                            lang
                                        ),
                                        o.date.map(|d| d.to_string()).unwrap_or_default(),
                                        o.status.financial,
                                        o.customer.display_name(),
                                        o.customer.email,
                                        o.lines.len(),
                                        o.total_ttc.map(|t| t.to_string()).unwrap_or_default(),
                                        o.currency,
                                        if o.status.cancelled { "cancelled" } else { "" }
                                    );
                                    for l in &o.lines {
                                        use crate::model::{LineKind, PriceBasis};
                                        let (price, side, disc) = match o.prices {
                                            Some(PriceBasis::Excl) => (l.unit_price_ht, " HT", l.discount_ht),
                                            Some(PriceBasis::Incl) => (l.unit_price_ttc, " TTC", l.discount_ttc),
                                            None => (l.unit_price_ttc.or(l.unit_price_ht), "", l.discount_ttc),
                                        };
                                        let kind = match l.kind {
                                            LineKind::Product => "",
                                            LineKind::Fee => " (fee)",
                                            LineKind::Wrapping => " (gift wrapping)",
                                            LineKind::Shipping => " (shipping)",
                                            LineKind::Discount => " (discount)",
                                        };
                                        println!(
                                            "    {} × {} [{}]{kind} at {}{side}{} (VAT {})",
                                            l.quantity,
                                            l.name,
                                            l.sku,
                                            price.map(|p| p.to_string()).unwrap_or_default(),
                                            if disc.is_zero() { String::new() } else { format!(", discount {disc}") },
                                            l.tax_rate.map(|r| format!("{r}%")).unwrap_or_else(|| "?".into())
                                        );
                                    }
                                }
                                Ok(Some(Err(p))) => {
                                    println!("  order {} (line {}): error: {}: {}", p.order, p.line, p.field, p.message)
                                }
                                Ok(None) => break,
                                Err(e) => {
                                    println!("{}", t!(lang, Msg::InsError, e = e));
                                    code = FAILED;
                                    break;
                                }
                            }
                        }
                    }
                }
                if let Some(u) = file.column_use() {
                    // The same account as `convert` gives, over the records read here.
                    let quoted = |l: Vec<&str>| l.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
                    let (filled, empty, ignored) = (u.filled(), u.empty(), u.ignored());
                    if !filled.is_empty() {
                        println!("{}", t!(lang, Msg::InsNotUsedFilled, v = quoted(filled)));
                    }
                    if !empty.is_empty() {
                        println!("{}", t!(lang, Msg::InsNotUsedEmpty, v = quoted(empty)));
                    }
                    if !ignored.is_empty() {
                        println!("{}", t!(lang, Msg::InsIgnored, v = quoted(ignored)));
                    }
                    if let Some(m) = u.message() {
                        w.push(WarningKind::UnusedColumns, "header", "", m);
                    }
                }
                for wr in &w.list {
                    println!(
                        "  [{}] {}{}{}",
                        crate::report::warning_label(wr.kind, lang),
                        crate::report::subject(&wr.record, lang),
                        crate::report::colon(lang),
                        crate::report::warning_message(wr, lang)
                    );
                }
            }
            Err(e) => {
                println!("{}", t!(lang, Msg::InsError, e = e));
                code = FAILED;
            }
        }
    }
    code
}

fn validate(a: ValidateArgs, lang: Lang) -> u8 {
    let mut code = OK;
    for f in &a.files {
        // A shop export handed to validate by mistake: said in one line, not checked line by
        // line (which would print its content back as a list of errors).
        if let Some((platform, kind)) = shop_export_kind(f) {
            let kind = crate::report::kind_label(&kind, lang);
            println!("{}", t!(lang, Msg::ValShopExport, file = f.display(), platform = platform, kind = kind));
            code = FAILED;
            continue;
        }
        match crate::sage::validate::validate_file(f) {
            Ok(v) => {
                for finding in &v.findings {
                    println!("{}: {finding}", f.display());
                }
                let errors = v.errors();
                let verdict = if errors == 0 {
                    Msg::ValValid.text(lang).to_string()
                } else {
                    t!(lang, Msg::ValErrors, n = errors)
                };
                println!("{}: {verdict}; {}", f.display(), v.summary());
                if errors > 0 {
                    code = FAILED;
                }
            }
            Err(e) => {
                println!("{}", t!(lang, Msg::ValCannotRead, file = f.display(), e = e));
                code = FAILED;
            }
        }
    }
    code
}

/// The platform and kind of a shop export, recognised from its first bytes and its header
/// the way `convert` does; None for a Format Sage file or anything not recognised.
fn shop_export_kind(file: &Path) -> Option<(String, String)> {
    // Not a regular file (a FIFO, a device): `validate_file` says so, never waiting on it.
    let (_, head) = crate::fsguard::open_with_head(file, crate::fsguard::MAX_INPUT_BYTES, 8).ok()?;
    if crate::gescom::export::looks_like_format_sage(&head) {
        return None;
    }
    let shop = shop::open(file, &crate::profile::InputSection::default()).ok()?;
    Some((shop.platform().to_string(), shop.kind().to_string()))
}

fn clients_inspect(file: &Path, profile: Option<&Path>, max_notes: usize, lang: Lang) -> u8 {
    let profile = match convert::load_profile(profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("passerelle: {e}");
            return USAGE;
        }
    };
    let layout = Layout::builtin(profile.output.sage_version).expect("checked");
    let started = std::time::Instant::now();
    let ix = match crate::gescom::load(file, &profile.clients, layout, &[]) {
        Ok(ix) => ix,
        Err(e) => {
            println!("{}\n{}", file.display(), t!(lang, Msg::InsError, e = e));
            return FAILED;
        }
    };
    let elapsed = started.elapsed();
    let src = &ix.source;
    println!("{}", file.display());
    match &ix.export {
        Some(e) => {
            println!("{}", t!(lang, Msg::CliFormatSage, ver = e.version));
            for h in crate::gescom::export::histogram_lines(e) {
                println!("    {h}");
            }
            if e.mismatches.is_empty() {
                println!("{}", t!(lang, Msg::CliLayoutMatches, ver = layout.version));
            } else {
                println!("{}", t!(lang, Msg::CliLayoutDiffers, ver = layout.version));
                for m in &e.mismatches {
                    println!("    {m}");
                }
            }
        }
        None => {
            let format = src.format.to_uppercase();
            println!(
                "{}",
                t!(lang, Msg::CliFormatTable, format = format, encoding = src.encoding, delimiter = src.delimiter)
            );
            println!("{}", Msg::CliColumns.text(lang));
            for (h, f) in &src.columns {
                println!("    {h:<28} → {f}");
            }
            if !src.ignored.is_empty() {
                println!("{}", t!(lang, Msg::InsNotUsed, v = src.ignored.join(", ")));
            }
        }
    }
    let (siret, email, vat) = ix.count_with();
    println!("{}", t!(lang, Msg::CliClients, n = ix.len(), ms = elapsed.as_millis()));
    println!("{}", t!(lang, Msg::CliWith, siret = siret, email = email, vat = vat));
    let inv = ix.invalid;
    println!("{}", t!(lang, Msg::CliInvalid, siret = inv.siret, vat = inv.vat, codes = inv.codes));
    let conflicts = ix.conflicts();
    if conflicts.is_empty() {
        println!("{}", Msg::CliNoConflict.text(lang));
    } else {
        println!("{}", t!(lang, Msg::CliConflicts, n = conflicts.len()));
        for (kind, key, codes) in conflicts.iter().take(max_notes) {
            println!("    {kind} {key}: {}", codes.join(", "));
        }
    }
    match ix.update_refusal() {
        None => println!("{}", Msg::CliUpdatesPossible.text(lang)),
        Some(why) => println!("{}", t!(lang, Msg::CliUpdatesRefused, why = why)),
    }
    if !ix.notes.is_empty() {
        println!("{}", t!(lang, Msg::CliNotes, n = ix.notes.len()));
        for n in ix.notes.iter().take(max_notes) {
            println!("    {n}");
        }
        if ix.notes.len() > max_notes {
            println!("{}", t!(lang, Msg::CliNotesMore, n = ix.notes.len() - max_notes));
        }
    }
    OK
}

/// `passerelle template list | describe NAME [--markdown] | copy NAME FILE`.
fn template_cmd(c: TemplateCommand, lang: Lang) -> u8 {
    use crate::write::param::{describe, template};
    let layout = Layout::builtin(crate::profile::DEFAULT_SAGE_VERSION).expect("the default layout is built in");
    match c {
        TemplateCommand::List => {
            print!("{}", describe::list(layout));
            OK
        }
        TemplateCommand::Describe { name, markdown } => match template::load(&name, Path::new("."), layout) {
            Ok(t) => {
                let style = if markdown { describe::Style::Markdown } else { describe::Style::Text };
                print!("{}", describe::describe(&t, style));
                OK
            }
            Err(e) => {
                eprintln!("passerelle: {e}");
                USAGE
            }
        },
        TemplateCommand::Copy { name, file, force } => {
            let Some((_, text)) = template::BUILTIN.iter().find(|(n, _)| *n == name) else {
                eprintln!(
                    "passerelle: no built-in template \"{name}\"; built-in: {}",
                    template::builtin_names().join(", ")
                );
                return USAGE;
            };
            match write_user_file(&file, text.as_bytes(), force, lang) {
                Ok(()) => {
                    println!("{}", t!(lang, Msg::WroteTemplate, file = file.display()));
                    OK
                }
                Err(message) => {
                    eprintln!("passerelle: {message}");
                    USAGE
                }
            }
        }
    }
}

fn watch(a: WatchArgs, lang: Lang) -> u8 {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let poll = match a.poll {
        Some(s) if !(s.is_finite() && s > 0.0) => {
            eprintln!("passerelle: --poll takes a number of seconds greater than 0, e.g. --poll 10");
            return USAGE;
        }
        Some(s) => Some(std::time::Duration::from_secs_f64(s)),
        None => None,
    };
    let opts = crate::watch::WatchOptions { dir: a.dir, profile: a.profile, once: a.once, poll, lang };
    let mut w = match crate::watch::Watch::open(&opts) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("passerelle: {}", e.for_people(lang));
            return USAGE;
        }
    };
    let log = a.log.or_else(|| w.log_file());
    if let Err(e) = crate::watch::log::init(log.as_deref(), a.verbose) {
        eprintln!("passerelle: log file {}: {e}", log.as_deref().unwrap_or(Path::new("")).display());
        return USAGE;
    }
    // First Ctrl-C (or a service stop): finish the current file, then stop. A second one stops
    // at once, which is safe too: the next start finishes what was interrupted.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handler = ctrlc::set_handler(move || {
        if flag.load(Ordering::SeqCst) {
            eprintln!("passerelle: stopping now; the next start finishes the interrupted file");
            std::process::exit(130);
        }
        // Said before the flag is raised: once raised, the loop may end the process before
        // this thread gets to write.
        tracing::warn!("stopping after the current file (Ctrl-C again to stop at once)");
        flag.store(true, Ordering::SeqCst);
    });
    if let Err(e) = handler {
        tracing::warn!("Ctrl-C will stop the watcher abruptly (no handler: {e}); nothing is lost");
    }
    let summary = w.run(&stop);
    if opts.once { summary.exit_code() } else { OK }
}
