//! `passerelle convert`: the pipeline. Reads the profile and the client list once, then each
//! input in turn: detect, read, resolve, write. One input failing never stops the others; its
//! output never appears and the codes it would have issued are not kept.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::error::InputError;
use crate::gescom::{self, ClientIndex};
use crate::profile::{Profile, ProfileError};
use crate::report::{CustomerAction, CustomerReport, InputReport, RecordError, Report, Status, Warnings};
use crate::resolve::customer::{Outcome, Resolver, SetupError};
use crate::sage::Layout;
use crate::shop::{self, ShopFile};
use crate::state::{State, StateError};
use crate::write::Outputs;

#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    pub profile: Option<PathBuf>,
    pub clients: Option<PathBuf>,
    pub out: PathBuf,
    pub report: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub dry_run: bool,
    pub force: bool,
    pub inputs: Vec<PathBuf>,
}

/// Errors that stop the whole run (exit code 2): nothing can be converted safely.
#[derive(Debug, thiserror::Error)]
pub enum CriticalError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("client list: {0}")]
    Clients(InputError),
    #[error(
        "no client list: set [clients] file in the profile or pass --clients FILE. passerelle needs the list of existing clients to match customers and to never reuse a code"
    )]
    NoClientList,
    #[error("profile: {0}")]
    Setup(#[from] SetupError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("output folder {}: {source}", path.display())]
    Out { path: PathBuf, source: std::io::Error },
    #[error("profile: output.sage_version {0} has no layout")]
    Layout(u32),
}

/// The run's date: `PASSERELLE_TODAY=YYYY-MM-DD` pins it (tests, re-runs), else today.
pub fn today() -> Date {
    std::env::var("PASSERELLE_TODAY")
        .ok()
        .and_then(|s| s.parse::<Date>().ok())
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date())
}

/// Loads the profile: the given file, else `profile.toml` of the current folder, else the
/// built-in defaults.
pub fn load_profile(path: Option<&Path>) -> Result<Profile, ProfileError> {
    match path {
        Some(p) => Profile::load(p),
        None if Path::new("profile.toml").is_file() => Profile::load(Path::new("profile.toml")),
        None => {
            let mut p = Profile::parse("", "built-in defaults")?;
            p.base_dir = PathBuf::from(".");
            Ok(p)
        }
    }
}

/// Reads the client list named by `--clients` or the profile.
pub fn load_clients(
    profile: &Profile,
    layout: &'static Layout,
    cli: Option<&Path>,
) -> Result<ClientIndex, CriticalError> {
    let path = match cli {
        Some(p) => p.to_path_buf(),
        None => profile.clients_file().ok_or(CriticalError::NoClientList)?,
    };
    let keep = [profile.customers.template.clone(), profile.customers.single_account.clone()];
    gescom::clients::load(&path, &profile.clients, layout, &keep).map_err(CriticalError::Clients)
}

pub fn convert(opts: &ConvertOptions) -> Result<Report, CriticalError> {
    let profile = load_profile(opts.profile.as_deref())?;
    let layout =
        Layout::builtin(profile.output.sage_version).ok_or(CriticalError::Layout(profile.output.sage_version))?;
    let index = load_clients(&profile, layout, opts.clients.as_deref())?;
    let state_dir = opts.state.clone().unwrap_or_else(|| profile.default_state_dir());
    let mut state = State::load(&state_dir)?;
    let today = today();
    let mut resolver = Resolver::new(&profile, &index, layout, today)?;
    let mut report = Report { dry_run: opts.dry_run, ..Default::default() };

    let mut list_w = Warnings::new(index.source.path.clone());
    for n in &index.notes {
        list_w.push("client_list", "client list", "", n.clone());
    }
    let cs = &profile.customers;
    for (on, name) in [
        (cs.update_billing_address, "update_billing_address"),
        (cs.update_delivery_addresses, "update_delivery_addresses"),
        (cs.update_custom_fields, "update_custom_fields"),
    ] {
        if on {
            list_w.push(
                "update_refused",
                "profile",
                name,
                "updating an existing client needs its complete record from a Format Sage export of the client list (Sage blanks every field an update leaves empty); with this client list, existing clients are never rewritten",
            );
        }
    }
    report.warnings.append(&mut list_w.list);

    if !opts.dry_run {
        std::fs::create_dir_all(&opts.out).map_err(|source| CriticalError::Out { path: opts.out.clone(), source })?;
    }
    let mut names = HashSet::new();
    for input in &opts.inputs {
        let saved = state.clone();
        let mut w = Warnings::new(input.display().to_string());
        let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
        let targets = Outputs::targets(&opts.out, &stem);
        let mut ir = InputReport {
            path: input.display().to_string(),
            platform: None,
            kind: None,
            encoding: None,
            delimiter: None,
            records: 0,
            status: Status::Ok,
            error: None,
            outputs: Vec::new(),
        };
        let result = match targets.iter().find(|t| !names.insert((*t).clone())) {
            Some(t) => Err(InputError::Other {
                path: input.clone(),
                message: format!("another input of this run also writes {}: rename one of them", t.display()),
            }),
            None => convert_one(input, &stem, &profile, &mut resolver, &mut state, opts, &mut ir, &mut report, &mut w),
        };
        match result {
            Ok(written) => {
                for t in &written {
                    ir.outputs.push(t.display().to_string());
                    report.outputs.push(t.display().to_string());
                }
                if written.is_empty() && !opts.dry_run {
                    w.push(
                        "no_output",
                        &ir.path,
                        "",
                        "nothing new to import (every customer exists already): no file written",
                    );
                }
            }
            Err(e) => {
                state = saved;
                ir.status = Status::Failed;
                ir.error = Some(e.to_string());
                // Customers of a failed input were not written: drop them from the report.
                report.customers.retain(|c| c.input != ir.path || c.action == CustomerAction::Failed);
            }
        }
        report.warnings.append(&mut w.list);
        report.inputs.push(ir);
    }
    if let Some(path) = &opts.report {
        crate::write::atomic::write_atomic(path, report.to_json().as_bytes())
            .map_err(|source| CriticalError::Out { path: path.clone(), source })?;
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn convert_one(
    input: &Path,
    stem: &str,
    profile: &Profile,
    resolver: &mut Resolver,
    state: &mut State,
    opts: &ConvertOptions,
    ir: &mut InputReport,
    report: &mut Report,
    w: &mut Warnings,
) -> Result<Vec<PathBuf>, InputError> {
    let mut file = shop::open(input, &profile.input)?;
    ir.platform = Some(file.platform().to_string());
    ir.kind = Some(file.kind().to_string());
    ir.encoding = Some(file.table().encoding_label());
    ir.delimiter = Some(shop::sniff::delimiter_label(file.table().delimiter));
    if file.table().sniffed.guessed {
        w.push(
            "guessed",
            &ir.path,
            "encoding",
            format!("not UTF-8: read as {} (set [input] encoding to force another)", file.table().encoding_label()),
        );
    }
    let io_err = |source| InputError::Io { path: opts.out.join(stem), source };
    let mut out = if opts.dry_run {
        None
    } else {
        Some(Outputs::create(&opts.out, stem, profile.output.sage_version).map_err(io_err)?)
    };
    let platform = file.platform().to_string();
    let ShopFile::Customers(reader) = &mut file;
    while let Some(c) = reader.next(w)? {
        ir.records += 1;
        let subject = shop::customers::record_subject(&c);
        let outcome = resolver.resolve(&c, &platform, state, &subject, w);
        let mut entry = CustomerReport {
            input: ir.path.clone(),
            record: c.origin.record,
            shop_id: c.shop_id.clone(),
            email: c.email.clone(),
            name: c.display_name(),
            code: outcome.code().map(str::to_string),
            action: CustomerAction::Failed,
            matched_by: None,
            detail: String::new(),
        };
        match outcome {
            Outcome::Existing { by, detail, .. } => {
                entry.action = CustomerAction::Matched;
                entry.matched_by = Some(by);
                entry.detail = detail;
            }
            Outcome::Single { .. } => entry.action = CustomerAction::SingleAccount,
            Outcome::New { code, detail, records } => {
                entry.action = CustomerAction::Created;
                entry.detail = detail;
                if let Some(out) = out.as_mut() {
                    out.client(&records, &format!("{subject}, client {code}"), w).map_err(io_err)?;
                }
            }
            Outcome::Failed { field, message } => {
                entry.detail = message.clone();
                report.errors.push(RecordError { input: ir.path.clone(), record: subject.clone(), field, message });
            }
        }
        report.customers.push(entry);
    }
    let Some(out) = out else { return Ok(Vec::new()) };
    if out.is_empty() {
        return Ok(Vec::new());
    }
    // State first: if the output then fails, the next run sees codes issued but absent from
    // the client list and writes those clients again; the reverse order could issue a code twice.
    let state_dir = opts.state.clone().unwrap_or_else(|| profile.default_state_dir());
    state.save(&state_dir).map_err(|e| InputError::Other { path: input.to_path_buf(), message: e.to_string() })?;
    out.finish().map_err(io_err)
}
