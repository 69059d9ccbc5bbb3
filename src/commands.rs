//! What each subcommand does and prints; `main` maps the result to the exit code.
//! 0: everything converted or valid; 1: an input or record failed; 2: usage or profile error.

use std::path::Path;

use crate::cli::{Cli, Command, ConvertArgs, InspectArgs, ProfileCommand, ValidateArgs, WatchArgs};
use crate::convert::{self, ConvertOptions};
use crate::profile::{DEFAULT_PROFILE, Profile, check};
use crate::report::Warnings;
use crate::sage::Layout;
use crate::shop::{self, ShopFile};

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Convert(a) => convert_cmd(a),
        Command::Profile(ProfileCommand::Init { file, force }) => profile_init(&file, force),
        Command::Profile(ProfileCommand::Check { file, clients }) => profile_check(&file, clients.as_deref()),
        Command::Inspect(a) => inspect(a),
        Command::Validate(a) => validate(a),
        Command::Watch(a) => watch(a),
    }
}

fn convert_cmd(a: ConvertArgs) -> u8 {
    let opts = ConvertOptions {
        profile: a.profile,
        clients: a.clients,
        out: a.out,
        report: a.report,
        state: a.state,
        dry_run: a.dry_run,
        force: a.force,
        inputs: a.inputs,
    };
    match convert::convert(&opts) {
        Ok(report) => {
            print!("{}", report.human());
            if report.failed() { FAILED } else { OK }
        }
        Err(e) => {
            eprintln!("passerelle: {e}");
            USAGE
        }
    }
}

fn profile_init(file: &Path, force: bool) -> u8 {
    if file.exists() && !force {
        eprintln!("passerelle: {} exists; use --force to overwrite it", file.display());
        return USAGE;
    }
    match crate::write::atomic::write_atomic(file, DEFAULT_PROFILE.as_bytes()) {
        Ok(()) => {
            println!("wrote {}", file.display());
            OK
        }
        Err(e) => {
            eprintln!("passerelle: cannot write {}: {e}", file.display());
            USAGE
        }
    }
}

fn profile_check(file: &Path, clients: Option<&Path>) -> u8 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("passerelle: cannot read {}: {e}", file.display());
            return USAGE;
        }
    };
    let mut profile = match check::parse_checked(&text) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                println!("{}: {p}", file.display());
            }
            println!("{}: {} problem(s)", file.display(), problems.len());
            return USAGE;
        }
    };
    profile.base_dir =
        file.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| ".".into());
    let problems = check_against_clients(&profile, &text, clients);
    for p in &problems {
        println!("{}: {p}", file.display());
    }
    if problems.is_empty() {
        println!("{}: ok", file.display());
        OK
    } else {
        println!("{}: {} problem(s)", file.display(), problems.len());
        USAGE
    }
}

/// The checks that need the client list: the single account and the template must exist.
fn check_against_clients(profile: &Profile, text: &str, clients: Option<&Path>) -> Vec<check::Problem> {
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
                    message: e.to_string(),
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

fn inspect(a: InspectArgs) -> u8 {
    let profile = match convert::load_profile(a.profile.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("passerelle: {e}");
            return USAGE;
        }
    };
    let mut code = OK;
    for input in &a.inputs {
        println!("{}", input.display());
        match shop::open(input, &profile.input) {
            Ok(mut file) => {
                let t = file.table();
                println!("  platform:   {}", file.platform());
                println!("  kind:       {}", file.kind());
                println!("  generation: {}", file.generation());
                println!("  encoding:   {}{}", t.encoding_label(), if t.sniffed.guessed { " (guessed)" } else { "" });
                println!("  delimiter:  {}", shop::sniff::delimiter_label(t.delimiter));
                println!("  columns:    {} in the header", t.headers.len());
                let mapped = file.mapped_columns();
                for (field, header) in &mapped {
                    println!("    {field:<12} ← {header}");
                }
                let used: Vec<&String> = mapped.iter().map(|(_, h)| h).collect();
                let unused: Vec<&str> = t.headers.iter().filter(|h| !used.contains(h)).map(String::as_str).collect();
                if !unused.is_empty() {
                    println!("  not used:   {}", unused.join(", "));
                }
                let mut w = Warnings::new(input.display().to_string());
                let ShopFile::Customers(reader) = &mut file;
                for _ in 0..a.records {
                    match reader.next(&mut w) {
                        Ok(Some(c)) => println!(
                            "  record {} (line {}): id={} name={} email={} company={} siret={} vat={} zip={} city={} country={}",
                            c.origin.record,
                            c.origin.line,
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
                            println!("  error: {e}");
                            code = FAILED;
                            break;
                        }
                    }
                }
                for wr in &w.list {
                    println!("  [{}] {}: {}", wr.kind, wr.record, wr.message);
                }
            }
            Err(e) => {
                println!("  error: {e}");
                code = FAILED;
            }
        }
    }
    code
}

fn validate(a: ValidateArgs) -> u8 {
    let mut code = OK;
    for f in &a.files {
        match crate::sage::validate::validate_file(f) {
            Ok(v) => {
                for finding in &v.findings {
                    println!("{}: {finding}", f.display());
                }
                let errors = v.errors();
                let verdict = if errors == 0 { "valid".to_string() } else { format!("{errors} error(s)") };
                println!("{}: {verdict}; {}", f.display(), v.summary());
                if errors > 0 {
                    code = FAILED;
                }
            }
            Err(e) => {
                println!("{}: cannot read: {e}", f.display());
                code = FAILED;
            }
        }
    }
    code
}

fn watch(a: WatchArgs) -> u8 {
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
    let opts = crate::watch::WatchOptions { dir: a.dir, profile: a.profile, once: a.once, poll };
    let mut w = match crate::watch::Watch::open(&opts) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("passerelle: {e}");
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
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("passerelle: stopping now; the next start finishes the interrupted file");
            std::process::exit(130);
        }
        tracing::warn!("stopping after the current file (Ctrl-C again to stop at once)");
    });
    if let Err(e) = handler {
        tracing::warn!("Ctrl-C will stop the watcher abruptly (no handler: {e}); nothing is lost");
    }
    let summary = w.run(&stop);
    if opts.once { summary.exit_code() } else { OK }
}
