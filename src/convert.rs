//! `passerelle convert`: the pipeline. Reads the profile and the client list once, then each
//! input in turn: detect, read, resolve, write. One input failing never stops the others; its
//! output never appears and the codes it would have issued are not kept.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;

use crate::error::InputError;
use crate::gescom::articles::Articles;
use crate::gescom::{self, ClientIndex, ListCache};
use crate::ledger::{InvoiceRef, Ledger};
use crate::model::{Order, Platform};
use crate::profile::{Profile, ProfileError};
use crate::report::{
    CustomerAction, CustomerReport, Diag, DocumentAction, DocumentKind, DocumentReport, InputReport, RecordError,
    Report, Said, Status, Warnings,
};
use crate::resolve::credit::{self, NoCredit, Refunded};
use crate::resolve::customer::{Met, Outcome, Resolver, SearchAhead, SetupError, search_ahead};
use crate::resolve::order::{DocClient, DocumentBuilder, PreparedAhead, prepare_ahead};
use crate::resolve::plan::{self, BlockSource, ClientWrite, NoClient};
use crate::sage::{Layout, Record};
use crate::shop::{self, Joined, ShopFile};
use crate::spill::SpillTo;
use crate::state::{State, StateError};
use crate::warning_kind::WarningKind;
use crate::write::placed::Placements;
use crate::write::sage::EncodedLines;
use crate::write::{Destination, OutputSet, Outputs};

#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    pub profile: Option<PathBuf>,
    pub clients: Option<PathBuf>,
    pub out: PathBuf,
    pub report: Option<PathBuf>,
    /// The same report as an HTML page for people (`--html`).
    pub html: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub dry_run: bool,
    pub force: bool,
    pub inputs: Vec<PathBuf>,
    /// Keep every customer and document entry in the returned report (implied by `report`;
    /// the watcher wants them too). Without it only totals are kept.
    pub entries: bool,
    /// Language of what is written for people (the HTML page).
    pub lang: crate::i18n::Lang,
}

/// An order said partially refunded whose export gives no refunded amount.
const UNSTATED: &str = "said partially refunded, but the export gives no refunded amount: no credit note is written; record the refund in Sage";

/// Errors that stop the whole run (exit code 2): nothing can be converted safely.
#[derive(Debug, thiserror::Error)]
pub enum CriticalError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("client list: {0}")]
    Clients(InputError),
    #[error(
        "no client list: set [clients] file in the profile or pass --clients FILE. passerelle needs the list of existing clients to match customers and to never reuse a code.\n{}",
        crate::i18n::Msg::ErrExportHowto.text(crate::i18n::Lang::En)
    )]
    NoClientList,
    #[error(
        "client list {} not found: passerelle needs the list of existing clients to match customers and to never reuse a code.\n{}",
        path.display(), crate::i18n::Msg::ErrExportHowto.text(crate::i18n::Lang::En)
    )]
    ClientListMissing { path: PathBuf },
    #[error("profile: {0}")]
    Setup(#[from] SetupError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("output folder {}: {source}", path.display())]
    Out { path: PathBuf, source: std::io::Error },
    /// A path the run would write is one it reads or writes otherwise (`--report` over an
    /// input, the profile, the client list...): refused before anything is written.
    #[error("{flag} {}: {what}", path.display())]
    Refused { flag: &'static str, path: PathBuf, what: String },
    #[error("state folder {}: cannot {action} it: {source}. It keeps the codes issued and the orders converted: choose a folder you can write (--state DIR)", path.display())]
    StateDir { path: PathBuf, action: &'static str, source: std::io::Error },
    #[error("profile: output.sage_version {0} has no layout")]
    Layout(u32),
    #[error("profile: output.templates: {0}")]
    Template(#[from] crate::write::param::TemplateError),
    #[error("article mapping: {0}")]
    Articles(InputError),
    #[error("profile: {0}")]
    Orders(String),
}

impl CriticalError {
    /// The error as a person reads it in `lang`: what stops most first runs (no client list,
    /// a folder that cannot be written) in full; for the others the frame, the detail as the
    /// error gives it (in English).
    pub fn for_people(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::{Lang, Msg};
        use crate::t;
        if lang == Lang::En {
            return self.to_string();
        }
        let howto = Msg::ErrExportHowto.text(lang);
        match self {
            CriticalError::NoClientList => format!("{}\n{howto}", Msg::ErrNoClientList.text(lang)),
            CriticalError::ClientListMissing { path } => {
                format!("{}\n{howto}", t!(lang, Msg::ErrClientListMissing, path = path.display()))
            }
            CriticalError::Clients(e) => t!(lang, Msg::ErrClientList, e = e),
            CriticalError::Setup(e) => t!(lang, Msg::ErrProfile, e = e),
            CriticalError::Out { path, source } => t!(lang, Msg::ErrOut, path = path.display(), e = source),
            CriticalError::StateDir { path, action, source } => {
                // The actions fsguard::probe_writable names.
                let action = match *action {
                    "create" => "le créer",
                    "write in" => "y écrire",
                    other => other,
                };
                t!(lang, Msg::ErrStateDir, path = path.display(), action = action, e = source)
            }
            CriticalError::Articles(e) => t!(lang, Msg::ErrArticles, e = e),
            CriticalError::Layout(_) | CriticalError::Template(_) | CriticalError::Orders(_) => {
                t!(lang, Msg::ErrProfile, e = self.to_string().trim_start_matches("profile: "))
            }
            CriticalError::Profile(_) | CriticalError::State(_) | CriticalError::Refused { .. } => self.to_string(),
        }
    }
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
        Some(p) => crate::setup::load_profile(p),
        None if Path::new("profile.toml").is_file() => crate::setup::load_profile(Path::new("profile.toml")),
        None => {
            let mut p = crate::setup::parse_profile("", "built-in defaults")?;
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
    let (path, keep) = client_list(profile, cli)?;
    gescom::load(&path, &profile.clients, layout, &keep).map_err(|e| client_list_error(&path, e))
}

/// `load_clients` through `lists`: read again only if the file changed since it was kept.
pub fn load_clients_kept(
    profile: &Profile,
    layout: &'static Layout,
    cli: Option<&Path>,
    lists: &mut ListCache,
) -> Result<Arc<ClientIndex>, CriticalError> {
    let (path, keep) = client_list(profile, cli)?;
    lists.load(&path, &profile.clients, layout, &keep).map_err(|e| client_list_error(&path, e))
}

/// The client list's file, and the clients whose every field is kept.
fn client_list(profile: &Profile, cli: Option<&Path>) -> Result<(PathBuf, [String; 2]), CriticalError> {
    let path = match cli {
        Some(p) => p.to_path_buf(),
        None => profile.clients_file().ok_or(CriticalError::NoClientList)?,
    };
    Ok((path, [profile.customers.template.clone(), profile.customers.single_account.clone()]))
}

fn client_list_error(path: &Path, e: InputError) -> CriticalError {
    match e {
        InputError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            CriticalError::ClientListMissing { path: path.to_path_buf() }
        }
        e => CriticalError::Clients(e),
    }
}

/// Converts `opts.inputs`. A critical error (exit 2) writes nothing, except the `--report`
/// saying why, when its path is safe to write.
pub fn convert(opts: &ConvertOptions) -> Result<Report, CriticalError> {
    convert_with(opts, None)
}

/// `convert`, taking the client list from `lists` while its file is unchanged (the watcher).
pub fn convert_with(opts: &ConvertOptions, lists: Option<&mut ListCache>) -> Result<Report, CriticalError> {
    let mut guard = PathGuard::from_options(opts);
    let result = convert_run(opts, &mut guard, lists);
    if let Err(e) = &result
        && !matches!(e, CriticalError::Refused { .. })
    {
        // Best effort: the error itself is what the caller reports.
        if let Some(path) = &opts.report
            && guard.may_write_error_report(path)
        {
            let _ = crate::atomic::write_atomic(path, error_report(opts, e).to_json().as_bytes());
        }
        if let Some(path) = &opts.html
            && guard.may_write_error_report(path)
        {
            let page = crate::html::page(&error_report(opts, e), opts.lang);
            let _ = crate::atomic::write_atomic(path, page.as_bytes());
        }
    }
    result
}

/// The report of a run stopped by `e` before any input was converted.
fn error_report(opts: &ConvertOptions, e: &CriticalError) -> Report {
    let message = e.to_string();
    let mut report = Report {
        dry_run: opts.dry_run,
        would_write: opts.dry_run.then(Vec::new),
        error: Some(message.clone()),
        ..Default::default()
    };
    for input in &opts.inputs {
        report.inputs.push(InputReport {
            path: input.display().to_string(),
            platform: None,
            kind: None,
            generation: None,
            encoding: None,
            delimiter: None,
            records: 0,
            status: Status::Failed,
            error: Some(format!("not converted: {message}")),
            outputs: Vec::new(),
            would_write: Vec::new(),
            joined_to: Vec::new(),
        });
    }
    report.errors.push(RecordError {
        input: String::new(),
        record: "run".into(),
        field: String::new(),
        message,
        message_fr: None,
    });
    report
}

/// What a run reads or keeps, which a path it writes (`--report`) must never be. Filled as
/// the profile is read; `complete` once everything is known.
struct PathGuard {
    /// (path, what it is, for the message).
    known: Vec<(PathBuf, String)>,
    complete: bool,
}

impl PathGuard {
    fn from_options(opts: &ConvertOptions) -> PathGuard {
        let mut g = PathGuard { known: Vec::new(), complete: false };
        for i in &opts.inputs {
            g.add(i, format!("an input of this run ({})", i.display()));
        }
        if let Some(p) = &opts.profile {
            g.add(p, "the profile".into());
        }
        if let Some(c) = &opts.clients {
            g.add(c, "the client list".into());
        }
        if let Some(s) = &opts.state {
            g.state(s);
        }
        g
    }

    fn add(&mut self, path: &Path, what: String) {
        self.known.push((path.to_path_buf(), what));
    }

    fn state(&mut self, dir: &Path) {
        self.add(dir, "the state folder".into());
        for name in [crate::state::STATE_FILE, crate::ledger::LEDGER_FILE, crate::state::SEEN_FILE] {
            self.add(&dir.join(name), format!("a state file ({name})"));
        }
    }

    /// Everything the profile names, and the outputs each input would be written to.
    fn profile(&mut self, profile: &Profile, outputs: &OutputSet, opts: &ConvertOptions, state_dir: &Path) {
        match &profile.path {
            Some(p) => self.add(p, "the profile".into()),
            None if opts.profile.is_none() && Path::new("profile.toml").is_file() => {
                self.add(Path::new("profile.toml"), "the profile".into())
            }
            None => {}
        }
        if opts.clients.is_none()
            && let Some(c) = profile.clients_file()
        {
            self.add(&c, "the client list".into());
        }
        if let Some(a) = profile.orders.articles.as_deref().filter(|a| !a.trim().is_empty()) {
            self.add(&profile.resolve_path(a), "the article mapping file".into());
        }
        for t in &profile.output.templates {
            let p = profile.resolve_path(t);
            if p.is_file() {
                self.add(&p, "a template file".into());
            }
        }
        self.state(state_dir);
        self.add(&opts.out, "the output folder".into());
        for input in &opts.inputs {
            for t in Outputs::targets(&opts.out, &output_stem(input), outputs) {
                self.add(&t, format!("where the output of {} goes", input.display()));
            }
        }
        self.complete = true;
    }

    /// What `path` is among the known paths, if anything (or a folder).
    fn conflict(&self, path: &Path) -> Option<String> {
        if path.is_dir() {
            return Some("a folder".into());
        }
        self.known.iter().find(|(p, _)| crate::fsguard::same_file(p, path)).map(|(_, what)| what.clone())
    }

    /// Refuses `path` given to `flag` if it is one of the run's files, or an existing file
    /// that is not an earlier report (yesterday's output, a typo): a report is replaced, never
    /// anything else.
    fn refuse(&self, flag: &'static str, path: &Path) -> Result<(), CriticalError> {
        let what = match self.conflict(path) {
            Some(what) => Some(format!("it is {what}")),
            None if path.symlink_metadata().is_ok() && !looks_like_report(path) => {
                Some("it is an existing file, not a report of passerelle".into())
            }
            None => None,
        };
        match what {
            Some(what) => Err(CriticalError::Refused {
                flag,
                path: path.to_path_buf(),
                what: format!("{what}; it would be overwritten. Choose another file"),
            }),
            None => Ok(()),
        }
    }

    /// The error report goes to `path` only if it cannot be one of the run's files. When the
    /// profile could not be read (its client list is unknown), only a new file or an earlier
    /// report is written over.
    fn may_write_error_report(&self, path: &Path) -> bool {
        if self.conflict(path).is_some() {
            return false;
        }
        self.complete || !path.exists() || looks_like_report(path)
    }
}

/// Does this file look like a report passerelle wrote (JSON with its keys, or its HTML page)?
fn looks_like_report(path: &Path) -> bool {
    let Ok(f) = crate::fsguard::open_regular(path, 1 << 30) else { return false };
    let mut head = Vec::new();
    use std::io::Read;
    if f.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    (text.trim_start().starts_with('{') && text.contains("\"inputs\"")) || crate::html::is_page(&text)
}

/// The stem an input's outputs are named after (`orders_export.csv` → `orders_export`).
fn output_stem(input: &Path) -> String {
    input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into())
}

fn convert_run(
    opts: &ConvertOptions,
    guard: &mut PathGuard,
    lists: Option<&mut ListCache>,
) -> Result<Report, CriticalError> {
    let profile = load_profile(opts.profile.as_deref())?;
    let layout =
        Layout::builtin(profile.output.sage_version).ok_or(CriticalError::Layout(profile.output.sage_version))?;
    let outputs = OutputSet::from_profile(&profile, layout)?;
    let state_dir = opts.state.clone().unwrap_or_else(|| profile.default_state_dir());
    guard.profile(&profile, &outputs, opts, &state_dir);
    // Every file the run writes besides its outputs: not one of the run's files, and its
    // folder there, before anything is written.
    if let (Some(report), Some(html)) = (&opts.report, &opts.html)
        && crate::fsguard::same_file(report, html)
    {
        return Err(CriticalError::Refused {
            flag: "--html",
            path: html.clone(),
            what: "it is the --report file; the two would overwrite each other. Choose another file".into(),
        });
    }
    for (flag, path) in [("--report", &opts.report), ("--html", &opts.html)] {
        if let Some(path) = path {
            guard.refuse(flag, path)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
                std::fs::create_dir_all(dir).map_err(|e| CriticalError::Refused {
                    flag,
                    path: path.to_path_buf(),
                    what: format!("its folder cannot be created: {e}"),
                })?;
            }
        }
    }
    let index = match lists {
        Some(lists) => load_clients_kept(&profile, layout, opts.clients.as_deref(), lists)?,
        None => Arc::new(load_clients(&profile, layout, opts.clients.as_deref())?),
    };
    let articles = match &profile.orders.articles {
        Some(a) if !a.trim().is_empty() => {
            Some(Articles::load(&profile.resolve_path(a)).map_err(CriticalError::Articles)?)
        }
        _ => None,
    };
    {
        // Before anything is written: a state folder or an output folder that cannot be
        // written stops the run now, not after the first input (a dry run checks what it
        // can without writing).
        // A folder made for the first check is taken back if the second fails.
        let probe = |dir: &Path| {
            if opts.dry_run { dry_probe(dir).map(|()| None) } else { crate::fsguard::probe_writable(dir) }
        };
        let made = probe(&state_dir).map_err(|(action, source)| CriticalError::StateDir {
            path: state_dir.clone(),
            action,
            source,
        })?;
        if let Err((action, source)) = probe(&opts.out) {
            if let Some(first) = made {
                crate::fsguard::undo_created(&first, &state_dir);
            }
            return Err(CriticalError::Out {
                path: opts.out.clone(),
                source: std::io::Error::new(source.kind(), format!("cannot {action} it: {source}")),
            });
        }
    }
    // Temporary files where the ledger's go: the state folder, a dry run's the system's.
    let spill_to = if opts.dry_run { SpillTo::Temp } else { SpillTo::Dir(state_dir.clone()) };
    let state = State::load_in(&state_dir, spill_to.clone())?;
    let ledger = Ledger::open(&state_dir, opts.dry_run)?;
    let today = today();
    let mut resolver = Resolver::new(&profile, &index, layout, today)?;
    resolver.spill_to(spill_to);
    let builder = DocumentBuilder::new(&profile, layout, articles.as_ref(), today).map_err(CriticalError::Orders)?;
    let mut report = Report {
        dry_run: opts.dry_run,
        would_write: opts.dry_run.then(Vec::new),
        keep: opts.entries || opts.report.is_some() || opts.html.is_some(),
        written_as: written_as(&outputs),
        ..Default::default()
    };
    let mut list_w = Warnings::new(index.source.path.clone());
    for n in &index.notes {
        list_w.push(WarningKind::ClientList, "client list", "", n.clone());
    }
    for n in &ledger.recovered {
        list_w.push(WarningKind::LedgerRecovered, "ledger", "", n.clone());
    }
    report.warnings.append(&mut list_w.list);
    let joined = Arc::new(Joined::gather(&opts.inputs, &profile.input));
    let mut run = Run {
        profile: &profile,
        index: &index,
        outputs: &outputs,
        opts,
        state_dir,
        state,
        ledger,
        resolver,
        builder,
        report,
        dest: if opts.dry_run { Destination::Nowhere(Default::default()) } else { Destination::Files },
        names: HashSet::new(),
        reserved: opts.report.iter().chain(&opts.html).cloned().collect(),
        placements: Placements::default(),
        joined: Arc::clone(&joined),
        companions: Vec::new(),
        used_by: vec![Vec::new(); joined.files.len()],
        read: HashSet::new(),
    };
    for input in &opts.inputs {
        run.input(input);
    }
    run.settle_companions();
    let mut report = run.report;
    // The outputs are in place: a report that cannot be written is an error of the run
    // (exit 1, printed), not a reason to say that nothing was converted (exit 2). The page
    // comes second, so that it says when the JSON could not be written.
    if let Some(path) = &opts.report
        && let Err(e) = crate::atomic::write_atomic(path, report.to_json().as_bytes())
    {
        report.errors.push(RecordError {
            message_fr: None,
            input: String::new(),
            record: "report".into(),
            field: String::new(),
            message: format!("{}: cannot write the report: {e}", path.display()),
        });
    }
    if let Some(path) = &opts.html
        && let Err(e) = crate::atomic::write_atomic(path, crate::html::page(&report, opts.lang).as_bytes())
    {
        report.errors.push(RecordError {
            message_fr: None,
            input: String::new(),
            record: "report".into(),
            field: String::new(),
            message: format!("{}: cannot write the HTML report: {e}", path.display()),
        });
    }
    Ok(report)
}

/// What a dry run can check of a folder the real run writes, without writing: that it, or
/// the first of its parents that exists, is a folder (`probe_writable` does the rest).
fn dry_probe(dir: &Path) -> Result<(), (&'static str, std::io::Error)> {
    let mut p = Some(dir);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(md) = std::fs::metadata(d) {
            if md.is_dir() {
                return Ok(());
            }
            let what = crate::fsguard::describe(&md);
            let message = if d == dir {
                format!("it is {what}, not a folder")
            } else {
                format!("{} is {what}, not a folder", d.display())
            };
            return Err(("create", std::io::Error::new(std::io::ErrorKind::AlreadyExists, message)));
        }
        p = d.parent();
    }
    Ok(())
}

/// The formats of the run's outputs, as the HTML report's import steps name them.
fn written_as(outputs: &OutputSet) -> crate::report::WrittenAs {
    crate::report::WrittenAs {
        sage: outputs.sage,
        templates: outputs
            .templates
            .iter()
            .map(|t| crate::report::TemplateNote {
                name: t.name.clone(),
                label: t.label.clone(),
                extension: t.extension.clone(),
                per_client: t.per == crate::write::param::Per::Client,
            })
            .collect(),
    }
}

/// Everything one run shares across its inputs.
struct Run<'a> {
    profile: &'a Profile,
    index: &'a ClientIndex,
    outputs: &'a OutputSet,
    opts: &'a ConvertOptions,
    state_dir: PathBuf,
    state: State,
    ledger: Ledger,
    resolver: Resolver<'a>,
    builder: DocumentBuilder<'a>,
    report: Report,
    /// Files, or nowhere for a dry run (which keeps the clients it would write).
    dest: Destination,
    /// Output files of this run: a later input takes another name.
    names: HashSet<PathBuf>,
    /// Files the run writes besides the outputs (the report): no output takes their name.
    reserved: Vec<PathBuf>,
    /// Where the records of each client created in this run were written: a later order of
    /// the same customer with a new delivery address reads them back to write them again.
    placements: Placements,
    /// The records of the run's companion files (inputs that complete another one).
    joined: Arc<Joined>,
    /// Companion inputs: their entry in `report.inputs` and their index in `joined.files`.
    companions: Vec<(usize, usize)>,
    /// By companion (index in `joined.files`): the inputs its records were joined to.
    used_by: Vec<Vec<String>>,
    /// (platform, kind) of the inputs read: a companion needs one it completes.
    read: HashSet<(String, String)>,
}

/// What the reading thread did for an order ahead of its conversion (nothing for an order
/// its status skips, or that could not be read).
#[derive(Default)]
struct OrderAhead {
    prepared: Option<PreparedAhead>,
    searched: Option<SearchAhead>,
    /// The document's lines made ahead, once written: back to the reading thread with the
    /// order, freed by the thread that made them.
    written: Vec<crate::sage::Record>,
    /// The document's lines encoded ahead, when Format Sage alone takes them: written with
    /// the client's code, then freed on the reading thread as well.
    encoded: Option<EncodedLines>,
    /// What the order is called in warnings, its ledger key and what it shows of refunds,
    /// found there as well (with `prepared`; its status was checked there too).
    subject: String,
    key: String,
    refunded: Option<Refunded>,
}

/// The report entry of a document of `order` (no lines, no detail yet). Its texts only when
/// `keep`, as `customer_entry`'s.
fn document_entry(
    ir: &InputReport,
    order: &str,
    kind: DocumentKind,
    action: DocumentAction,
    keep: bool,
) -> DocumentReport {
    let text = |s: &str| if keep { s.to_string() } else { String::new() };
    DocumentReport {
        input: text(&ir.path),
        order: text(order),
        customer: String::new(),
        piece: String::new(),
        lines: 0,
        action,
        detail: String::new(),
        kind,
        invoice: None,
        total_ht: None,
        total_ttc: None,
        warnings: Vec::new(),
    }
}

/// The report entry of a customer, failed until the outcome says otherwise.
/// Its texts only when `keep`: a report that keeps no entries counts them, by action.
fn customer_entry(ir: &InputReport, c: &crate::model::Customer, code: Option<&str>, keep: bool) -> CustomerReport {
    let text = |s: &str| if keep { s.to_string() } else { String::new() };
    CustomerReport {
        input: text(&ir.path),
        record: c.origin.record,
        shop_id: text(&c.shop_id),
        email: text(&c.email),
        name: if keep { c.display_name() } else { String::new() },
        code: code.map(text),
        action: CustomerAction::Failed,
        matched_by: None,
        detail: String::new(),
        issued: None,
    }
}

/// What a credit note answers: the order's ledger key, what the export says was refunded,
/// and, for an order refunded before its first conversion, the invoice just written in this
/// input with its client and prepared lines.
struct Credit<'k> {
    key: &'k str,
    refunded: Refunded,
    known: Option<(InvoiceRef, DocClient, crate::resolve::order::Prepared)>,
}

impl Run<'_> {
    /// A companion input: reported, not converted (its records serve the other inputs).
    fn companion(&mut self, input: &Path, index: usize) {
        let c = &self.joined.files[index];
        self.companions.push((self.report.inputs.len(), index));
        self.report.inputs.push(InputReport {
            path: input.display().to_string(),
            platform: Some(c.platform.to_string()),
            kind: Some(c.kind.clone()),
            generation: Some(c.generation.clone()),
            encoding: Some(c.encoding.clone()),
            delimiter: Some(c.delimiter.clone()),
            records: c.records,
            status: Status::Ok,
            error: None,
            outputs: Vec::new(),
            would_write: Vec::new(),
            joined_to: Vec::new(),
        });
    }

    /// Once every input is read: each companion says which inputs used it; one that completes
    /// no input of the run failed (alone it converts nothing).
    fn settle_companions(&mut self) {
        for (at, index) in std::mem::take(&mut self.companions) {
            let used_by = std::mem::take(&mut self.used_by[index]);
            let c = &self.joined.files[index];
            let ir = &mut self.report.inputs[at];
            if !self.read.contains(&(c.platform.to_string(), c.completes.to_string())) {
                ir.status = Status::Failed;
                ir.error = Some(shop::companions::alone(c).to_string());
                continue;
            }
            if used_by.is_empty() {
                let mut w = Warnings::new(ir.path.clone());
                w.push(
                    WarningKind::CompanionUnused,
                    &ir.path,
                    "",
                    format!(
                        "none of its records was needed by the {} {} of this run (joined {})",
                        c.platform, c.completes, c.join
                    ),
                );
                self.report.warnings.append(&mut w.list);
            }
            ir.joined_to = used_by;
        }
    }

    fn input(&mut self, input: &Path) {
        if let Some((index, _)) = self.joined.companion(input) {
            self.companion(input, index);
            return;
        }
        let mut w = Warnings::new(input.display().to_string());
        let stem = output_stem(input);
        let mut ir = InputReport {
            path: input.display().to_string(),
            platform: None,
            kind: None,
            generation: None,
            encoding: None,
            delimiter: None,
            records: 0,
            status: Status::Ok,
            error: None,
            outputs: Vec::new(),
            would_write: Vec::new(),
            joined_to: Vec::new(),
        };
        self.state.begin();
        self.resolver.begin_input();
        let (entries, first_document) = (self.report.entries_mark(), self.report.documents.len());
        let first_error = self.report.errors.len();
        let totals_before = self.report.totals;
        let pieces_before = self.report.pieces.clone();
        let result = self.convert_input(input, &stem, &mut ir, &mut w);
        // The companions this input used (even if it failed: their records were read).
        for used in self.joined.take_used() {
            self.used_by[used].push(ir.path.clone());
        }
        if let (Some(p), Some(k)) = (&ir.platform, &ir.kind) {
            self.read.insert((p.clone(), k.clone()));
        }
        match &result {
            Ok(written) => {
                // The Format Sage file comes first among the files written.
                let sage = written.first().filter(|t| self.outputs.sage && t.extension().is_some_and(|e| e == "txt"));
                self.placements.input_done(sage.map(PathBuf::as_path), self.outputs.sage_version, self.dest.is_dry());
            }
            Err(_) => self.placements.input_failed(),
        }
        match result {
            Ok(written) => {
                for t in &written {
                    let (input, run) = if self.dest.is_dry() {
                        (&mut ir.would_write, self.report.would_write.get_or_insert_default())
                    } else {
                        (&mut ir.outputs, &mut self.report.outputs)
                    };
                    input.push(t.display().to_string());
                    run.push(t.display().to_string());
                }
                let failed = self.report.errors.len() - first_error;
                if failed > 0 && written.is_empty() && failed as u64 >= ir.records {
                    // Every record failed and nothing was written: the input failed, as a whole.
                    self.state.rollback();
                    self.resolver.rollback_input();
                    ir.status = Status::Failed;
                    ir.error = Some(format!(
                        "{input}: none of its {} record(s) could be converted (see the errors)",
                        ir.records,
                        input = input.display()
                    ));
                } else if failed > 0 {
                    ir.status = Status::Partial;
                } else if written.is_empty() {
                    w.push(WarningKind::NoOutput, &ir.path, "", "nothing new to import: no file written");
                }
            }
            Err(e) => {
                self.state.rollback();
                self.resolver.rollback_input();
                if let Err(le) = self.ledger.abort() {
                    w.push(WarningKind::Ledger, &ir.path, "", format!("the ledger could not record the failure: {le}"));
                }
                ir.status = Status::Failed;
                ir.error = Some(e.to_string());
                // Nothing of a failed input was written: what it said it created is void.
                self.report.totals = self.report.totals.keep_failures_since(&totals_before);
                self.report.pieces = pieces_before;
                self.report.void_input(&entries, &ir.path);
            }
        }
        // The documents of this input name their warnings by index in `w.list`: in the
        // report's list they come after the earlier inputs' warnings.
        let offset = self.report.warnings.len();
        if offset > 0 {
            for d in self.report.documents.iter_mut().skip(first_document) {
                d.warnings.iter_mut().for_each(|i| *i += offset);
            }
        }
        self.report.warnings.append(&mut w.list);
        self.report.inputs.push(ir);
    }

    fn convert_input(
        &mut self,
        input: &Path,
        stem: &str,
        ir: &mut InputReport,
        w: &mut Warnings,
    ) -> Result<Vec<PathBuf>, InputError> {
        let mut file = shop::open_in_run(input, &self.profile.input, Arc::clone(&self.joined))?;
        ir.platform = Some(file.platform().to_string());
        ir.kind = Some(file.kind().to_string());
        ir.generation = Some(file.generation().to_string()).filter(|g| !g.is_empty());
        ir.encoding = Some(file.encoding_label());
        ir.delimiter = Some(file.delimiter_label());
        if file.encoding_guessed() {
            w.push(
                WarningKind::Guessed,
                &ir.path,
                "encoding",
                format!("not UTF-8: read as {} (set [input] encoding to force another)", file.encoding_label()),
            );
        }
        let out_path = self.opts.out.join(stem);
        let io_err = |source| crate::write::output_error(input, out_path.clone(), source);
        let mut out = Outputs::open(&self.opts.out, stem, self.outputs, &self.dest).map_err(io_err)?;
        let platform = file.platform();
        match &mut file {
            // Read on a second thread, converted on this one (`shop::ahead`).
            ShopFile::Customers(reader) => {
                shop::ahead::each(
                    reader,
                    w,
                    |r, w| r.next(w),
                    |c, w| {
                        ir.records += 1;
                        self.customer(c, platform, ir, &mut out, w).map_err(io_err)
                    },
                )?;
            }
            // Surveyed before the run: only a file that changed since is met here.
            ShopFile::Companion(c) => return Err(shop::companions::alone(c)),
            ShopFile::Orders(reader) => {
                let mut reported = crate::resolve::reported::Reported::default();
                // Each order's entries name the warnings given from its reading to its writing.
                w.track_records();
                let _ = w.take_record();
                // The reading thread also prices each order's lines and searches its customer
                // in the list (all they need is fixed for the run), unless its status skips it,
                // or the last order converted here was converted earlier: an export of orders
                // already converted (yesterday's orders again) would make it work for nothing,
                // and there it sets the pace. Done or not, the result is the same.
                let (pricing, profile, index) = (Arc::clone(&self.builder.pricing), self.profile, self.index);
                let layout = Some(self.builder.layout());
                // The lines are encoded there too when Format Sage alone writes them (a
                // paramétrable file of lines needs their records).
                let encode = self.outputs.lines_encodable();
                let keep = self.report.keep;
                let converted_earlier = std::sync::atomic::AtomicBool::new(false);
                // New clients' texts are made ahead too, for a customer's first order, but only
                // while this thread waits for the conversion (`consumer_behind`).
                let met = (profile.customers.mode != crate::profile::Mode::Single).then(Met::new);
                let ahead = |o: &Result<Box<Order>, _>| match o {
                    Ok(o)
                        if !converted_earlier.load(std::sync::atomic::Ordering::Relaxed)
                            && plan::skip_reason(o, &profile.orders.statuses).is_none() =>
                    {
                        // An order refunded in part keeps its prepared lines: its credit
                        // note is made from them.
                        let refunded = credit::refunded(o);
                        let layout = layout.filter(|_| !matches!(refunded, Refunded::Part(_)));
                        let subject = crate::model::order_subject(&o.number, o.origin.line);
                        let mut prepared = prepare_ahead(&pricing, layout, o, &subject, keep, encode);
                        let encoded = match (&mut prepared.prepared, layout) {
                            // `build` then gets their total alone (`prepared.lines`).
                            (Ok((p, _)), Some(layout)) if encode && !p.lines.is_empty() => {
                                let mut lines =
                                    EncodedLines::new(layout.of(crate::sage::RecordKind::Chli), p.lines.len());
                                p.each_line_fields(layout, &profile.orders, |f| lines.push(f));
                                Some(lines)
                            }
                            _ => None,
                        };
                        OrderAhead {
                            prepared: Some(prepared),
                            searched: search_ahead(
                                profile,
                                index,
                                o,
                                &subject,
                                platform,
                                met.as_ref(),
                                shop::ahead::consumer_behind(),
                            ),
                            written: Vec::new(),
                            encoded,
                            subject,
                            key: plan::ledger_key(platform, o),
                            refunded: Some(refunded),
                        }
                    }
                    _ => OrderAhead::default(),
                };
                // The entries of the order converted last, its memory kept from one to the next.
                let mut warnings = Vec::new();
                shop::ahead::each_recycling(
                    reader,
                    w,
                    // Boxed: what is made ahead is some hundreds of bytes, moved from batch to
                    // batch (the order itself comes boxed from its reader).
                    |r, w| Ok(r.next(w)?.map(|next| Box::new((ahead(&next), next)))),
                    // Converted: the order goes back to its reader, to be filled again.
                    Some(|r: &mut shop::Orders, item: Box<(OrderAhead, shop::OrderResult)>| {
                        if let (_, Ok(order)) = *item {
                            r.recycle(order);
                        }
                    }),
                    |item, w| {
                        let (ahead, next) = &mut **item;
                        ir.records += 1;
                        let documents = self.report.documents.len();
                        let earlier = self.report.totals.documents_skipped_already_converted;
                        match next {
                            Ok(order) => {
                                self.order(order, ahead, platform, ir, &mut out, &mut reported, w).map_err(io_err)?
                            }
                            Err(p) => self.order_failed(&p.order, ir, p.line, &p.field, p.message.as_str()),
                        }
                        let skipped = self.report.totals.documents_skipped_already_converted > earlier;
                        converted_earlier.store(skipped, std::sync::atomic::Ordering::Relaxed);
                        w.take_record_into(&mut warnings);
                        for d in self.report.documents.iter_mut().skip(documents) {
                            d.warnings.clone_from(&warnings);
                        }
                        Ok(())
                    },
                )?;
            }
        }
        if let Some(message) = file.column_use().and_then(|u| u.message()) {
            w.push(WarningKind::UnusedColumns, "header", "", message);
        }
        let ledger_err =
            |e: std::io::Error| InputError::Other { path: input.to_path_buf(), message: format!("ledger: {e}") };
        // A lookup of the state or of the clients created that could not read its temporary
        // file answered "unknown": nothing of this input may be written (it could hold a
        // second code for a customer).
        if let Some(e) = self.state.error().or_else(|| self.resolver.created_error()) {
            return Err(InputError::Other { path: input.to_path_buf(), message: format!("state: {e}") });
        }
        if out.is_empty() {
            // Nothing new: no file, no batch to keep open.
            self.ledger.commit().map_err(ledger_err)?;
            return Ok(Vec::new());
        }
        // A name no file has yet: yesterday's output of an export with the same name may not
        // be imported yet, and an input may lie in the output folder.
        let free = self.free_stem(stem).map_err(|message| InputError::Other { path: input.to_path_buf(), message })?;
        out.retarget(&self.opts.out, &free);
        self.names.extend(Outputs::targets(&self.opts.out, &free, self.outputs));
        // State first: if the output then fails, the next run sees codes issued but absent
        // from the client list and writes those clients again; the reverse order could issue
        // a code twice. The ledger's batch is prepared before the rename, committed after.
        // A dry run keeps both in memory (its ledger is read-only), for its next inputs.
        // The output is readied meanwhile, on another thread (a large one takes the longest:
        // 0.3 s at 1,000,000 rows); only its rename waits for the state and the ledger.
        let to_write = out.to_write();
        let (mut job, mut sealed) = (out.sealing(), None);
        let (state, ledger, state_dir, dry) = (&mut self.state, &mut self.ledger, &self.state_dir, self.dest.is_dry());
        let prepared = std::thread::scope(|scope| {
            if job.is_some() {
                let seal = || sealed = job.take().map(|j| j.and_then(crate::write::sage::Sealing::run));
                // No thread to be had: done below, on this one.
                let _ = std::thread::Builder::new().name("passerelle-seal".into()).spawn_scoped(scope, seal);
            }
            if !dry {
                state
                    .save(state_dir)
                    .map_err(|e| InputError::Other { path: input.to_path_buf(), message: e.to_string() })?;
            }
            ledger.prepare(&to_write).map_err(ledger_err)
        });
        if let Some(j) = job.take() {
            sealed = Some(j.and_then(crate::write::sage::Sealing::run));
        }
        // Handed back before anything fails: the output's temporary file is then removed.
        if let Some(r) = sealed {
            out.sealed(r);
        }
        prepared?;
        let (written, finished) = out.finish();
        if let Err(e) = finished {
            if written.is_empty() {
                // Nothing in place: the input failed as a whole, and is undone.
                return Err(io_err(e));
            }
            // Some files are in place and will be imported: their codes and orders count as
            // converted (undoing them would write them twice); the missing file is an error.
            let shown: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            self.report.errors.push(crate::report::RecordError {
                message_fr: None,
                input: ir.path.clone(),
                record: "outputs".into(),
                field: String::new(),
                message: format!(
                    "{e}: the other outputs are in place ({}); to write the missing one, convert this file again with --force into another folder",
                    shown.join(", ")
                ),
            });
        }
        if let Err(e) = self.ledger.commit() {
            // The outputs are in place: the next start settles the batch from them.
            w.push(WarningKind::Ledger, &ir.path, "", format!("the ledger could not confirm this input's orders ({e}): the next run settles it from the files in place"));
        }
        Ok(written)
    }

    /// `stem`, else `stem-2`, `stem-3`...: the first whose every output name is free in the
    /// output folder (no file, not taken by this run, not the report). The names are taken
    /// for good when the files are renamed into place, which never replaces a file (see
    /// `AtomicFile::commit_new`).
    fn free_stem(&self, stem: &str) -> Result<String, String> {
        const MAX: u32 = 10_000;
        for n in 1..=MAX {
            let candidate = if n == 1 { stem.to_string() } else { format!("{stem}-{n}") };
            let targets = Outputs::targets(&self.opts.out, &candidate, self.outputs);
            let free = targets.iter().all(|t| {
                t.symlink_metadata().is_err()
                    && !self.names.contains(t)
                    && !self.reserved.iter().any(|r| crate::fsguard::same_file(r, t))
            });
            if free {
                return Ok(candidate);
            }
        }
        Err(format!(
            "{} already holds files named {stem} to {stem}-{MAX}: move the imported ones away",
            self.opts.out.display()
        ))
    }

    fn customer(
        &mut self,
        c: &crate::model::Customer,
        platform: Platform,
        ir: &InputReport,
        out: &mut Outputs,
        w: &mut Warnings,
    ) -> std::io::Result<()> {
        let subject = shop::customers::record_subject(c);
        let outcome = self.resolver.resolve(c, platform, &mut self.state, &mut Diag::new(&subject, w));
        let mut entry = customer_entry(ir, c, outcome.code(), self.report.keep);
        match outcome {
            Outcome::Existing { code, by, detail, .. } => {
                entry.action = CustomerAction::Matched;
                entry.matched_by = Some(by);
                entry.detail = detail;
                let (index, layout) = (self.index, self.resolver.layout);
                let mut read = |cl: crate::gescom::index::ClientRef| {
                    crate::gescom::export::read_block(index, cl, layout).map_err(|e| e.to_string())
                };
                match self.resolver.customer_update(&code, c, &mut read, &mut Diag::new(&subject, w)) {
                    Ok(Some(u)) => {
                        entry.action = CustomerAction::Updated;
                        entry.detail = format!("{}; {}", entry.detail, u.detail);
                        out.client_block(&u.records, &format!("{subject}, client {code}"), w)?;
                    }
                    Ok(None) => {}
                    Err(message) => {
                        entry.action = CustomerAction::Failed;
                        entry.detail = message.clone();
                        self.report.errors.push(RecordError {
                            message_fr: None,
                            input: ir.path.clone(),
                            record: subject.clone(),
                            field: String::new(),
                            message,
                        });
                    }
                }
            }
            Outcome::Single { .. } => entry.action = CustomerAction::SingleAccount,
            Outcome::New { code, detail, records, issued } => {
                entry.action = CustomerAction::Created;
                entry.detail = detail;
                entry.issued = Some(issued);
                let range = out.client(&records, &format!("{subject}, client {code}"), w)?;
                self.place(&code, range);
            }
            Outcome::Failed { field, message } => {
                entry.detail = message.clone();
                self.report.errors.push(RecordError {
                    input: ir.path.clone(),
                    record: subject,
                    field,
                    message,
                    message_fr: None,
                });
            }
        }
        self.report.add_customer(entry);
        Ok(())
    }

    fn order_failed(&mut self, order: &str, ir: &InputReport, line: u64, field: &str, message: impl Into<Said>) {
        let record = format!("order {order} (line {line})");
        let Said { en: message, fr: message_fr } = message.into();
        let message = message.as_str();
        self.report.errors.push(RecordError {
            input: ir.path.clone(),
            record: record.clone(),
            field: field.to_string(),
            message: message.to_string(),
            message_fr,
        });
        let kind = self.profile.orders.document_type.into();
        let mut entry = document_entry(ir, order, kind, DocumentAction::Failed, self.report.keep);
        entry.detail = if field.is_empty() { message.to_string() } else { format!("{field}: {message}") };
        self.report.add_document(entry);
    }

    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        o: &Order,
        ahead: &mut OrderAhead,
        platform: Platform,
        ir: &InputReport,
        out: &mut Outputs,
        reported: &mut crate::resolve::reported::Reported,
        w: &mut Warnings,
    ) -> std::io::Result<()> {
        // Found on the reading thread for an order prepared there (and freed there).
        let ahead_done = ahead.prepared.is_some();
        let (subject_here, key_here);
        let subject: &str = if ahead_done {
            &ahead.subject
        } else {
            subject_here = crate::model::order_subject(&o.number, o.origin.line);
            &subject_here
        };
        let key: &str = if ahead_done {
            &ahead.key
        } else {
            key_here = plan::ledger_key(platform, o);
            &key_here
        };
        let d = &mut Diag::new(subject, w);
        let kind = self.profile.orders.document_type.into();
        let mut doc = document_entry(ir, &o.number, kind, DocumentAction::Skipped, self.report.keep);
        doc.lines = o.lines.len();
        let refunded = ahead.refunded.unwrap_or_else(|| credit::refunded(o));
        if !self.opts.force && self.ledger.contains(key) {
            // Converted earlier: a refund or a cancellation since gets a credit note.
            if refunded.credits() {
                return self.credit_note(o, platform, Credit { key, refunded, known: None }, ir, out, d);
            }
            if refunded == Refunded::Unstated {
                d.push(WarningKind::Refund, "refunded_amount", UNSTATED);
            }
            doc.action = DocumentAction::SkippedAlreadyConverted;
            doc.detail = crate::i18n::Msg::DocConvertedEarlier.text(crate::i18n::Lang::En).into();
            self.report.add_document(doc);
            return Ok(());
        }
        // An order prepared ahead was not skipped there.
        if let Some(why) = (!ahead_done).then(|| plan::skip_reason(o, &self.profile.orders.statuses)).flatten() {
            d.push(WarningKind::Skipped, "status", why.said());
            doc.detail = why.detail();
            self.report.add_document(doc);
            return Ok(());
        }
        // Prepared on the reading thread (its warnings given now, in their place), else here.
        let mut lines_ahead = None;
        let prepared = match ahead.prepared.take() {
            Some(PreparedAhead { prepared, notes, lines }) => {
                self.builder.replay_prepared(notes, d.w);
                lines_ahead = lines;
                prepared
            }
            None => self.builder.prepare(o, d).map(|p| {
                let amounts = self.report.keep.then(|| p.amounts());
                (p, amounts)
            }),
        };
        let (prepared, amounts) = match prepared {
            Ok(p) => p,
            Err(p) => {
                self.order_failed(&o.number, ir, p.line, &p.field, p.message);
                return Ok(());
            }
        };
        let (client, writes) = match self.order_client(o, ahead.searched.take(), platform, ir, reported, out, d) {
            Some(x) => x,
            None => return Ok(()),
        };
        // Refunded in part before its first conversion: the credit note follows the invoice.
        let for_credit = matches!(refunded, Refunded::Part(_)).then(|| (prepared.clone(), client.clone()));
        let mut document = self.builder.build(o, prepared, lines_ahead, &client, d);
        let ledger = &self.ledger;
        let notice = ahead.encoded.as_ref().map(|_| client.notice()).unwrap_or_default();
        // The header borrows the order's, the client's and the document's texts; a piece
        // settled anew goes into it from `renamed`.
        let mut renamed = None;
        let mut header = self.builder.header(o, &client, &document.head, &document.piece);
        // The lines' required fields, encoded ahead or not.
        let lines_missing = || {
            let encoded = ahead.encoded.as_ref().and_then(|e| e.missing(&client.code, &notice));
            encoded.or_else(|| document.lines.iter().find_map(Record::missing_required))
        };
        let settle = || self.builder.settle_piece(&document.piece, |p| ledger.piece_taken(p, key), d);
        let failure = plan::check_and_settle(&mut header, lines_missing, settle, &mut renamed).err();
        // Named only when a warning or a template needs it (most records need nothing).
        let who = ClientSubject { order: subject, code: &client.code };
        let range = match writes {
            Some(ClientWrite::New(records)) => out.client(&records, &who, d.w)?,
            Some(ClientWrite::Block(block)) => out.client_block(&block, &who.to_string(), d.w)?,
            None => None,
        };
        self.place(&client.code, range);
        if failure.is_none() {
            let due = std::slice::from_ref(&document.due);
            match ahead.encoded.as_ref() {
                Some(lines) => out.document_encoded(&header, lines, &client.code, &notice, due, d.subject, d.w)?,
                None => out.document(&header.into_record(), &document.lines, due, d.subject, d.w)?,
            }
        }
        if let Some((field, message)) = failure {
            // The client's records are whole and stay; the document is not written.
            self.order_failed(&o.number, ir, o.origin.line, field, message.as_str());
            return Ok(());
        }
        // The client's texts move into the ledger's entry (no copy an order).
        let mut invoice = InvoiceRef {
            piece: renamed.unwrap_or(document.piece),
            client: client.code,
            cat_compta: client.cat_compta,
            collective: client.collective,
            representative: client.representative,
        };
        if let Err(e) = self.ledger.stage_invoice(key, &invoice) {
            return Err(crate::write::StateWrite::wrap(self.ledger.path(), e));
        }
        doc.action = DocumentAction::Created;
        // The amounts serve the entries only (computed only for them): without them, the
        // totals count documents.
        if let Some((ht, ttc)) = amounts {
            doc.total_ht = ht.map(decimal_string);
            doc.total_ttc = ttc.map(decimal_string);
        }
        // The entry's client is only kept with the entries; its piece also makes the totals.
        if self.report.keep {
            doc.customer.clone_from(&invoice.client);
        }
        doc.piece = match &for_credit {
            Some(_) => invoice.piece.clone(),
            None => std::mem::take(&mut invoice.piece),
        };
        doc.lines = ahead.encoded.as_ref().map_or(document.lines.len(), EncodedLines::len);
        self.report.add_document(doc);
        // The lines go back to the thread that made them (the codes set here are freed here).
        for l in &mut document.lines {
            l.set(crate::sage::Chli::CtNum, crate::sage::value::Value::Unset);
        }
        ahead.written = document.lines;
        if refunded == Refunded::Unstated {
            d.push(WarningKind::Refund, "refunded_amount", UNSTATED);
        }
        if let (Some((prepared, client)), Refunded::Part(r)) = (for_credit, refunded) {
            if plan::credit_follows(&self.profile.orders) {
                let credit = Credit { key, refunded, known: Some((invoice, client, prepared)) };
                return self.credit_note(o, platform, credit, ir, out, d);
            }
            d.push(WarningKind::PartiallyRefunded, "refunded_amount",
                format!(
                    "{r} of {} refunded: the document is the whole order; record the refund as a credit note (avoir) in Sage",
                    o.total_ttc.map(|t| t.to_string()).unwrap_or_else(|| "?".into())
                ),
            );
        }
        Ok(())
    }

    /// A credit note for what `o` has refunded (in part, whole, or cancelled) beyond what its
    /// earlier credit notes credited. `known`: the invoice just written in this input, its
    /// client and prepared lines (an order refunded before its first conversion: earlier
    /// credit notes, if any, answered an invoice written again here); otherwise the ledger
    /// names the invoice and its client.
    fn credit_note(
        &mut self,
        o: &Order,
        platform: Platform,
        credit: Credit,
        ir: &InputReport,
        out: &mut Outputs,
        d: &mut Diag,
    ) -> std::io::Result<()> {
        let Credit { key, refunded, known } = credit;
        let what = match refunded {
            Refunded::Cancelled => "cancelled".to_string(),
            Refunded::Part(a) => format!("{a} refunded"),
            _ => "refunded".to_string(),
        };
        let action = DocumentAction::SkippedAlreadyConverted;
        let mut doc = document_entry(ir, &o.number, DocumentKind::CreditNote, action, self.report.keep);
        if let Some(why) = plan::credit_refusal(&self.profile.orders) {
            d.push(WarningKind::Refund, "status",
                // The same words for every order, so that the report counts them as one.
                format!("converted earlier, now refunded or cancelled: no credit note is written ({why}); record the credit note in Sage"),
            );
            doc.detail = format!("{what}: no credit note ({why})");
            self.report.add_document(doc);
            return Ok(());
        }
        let fresh = known.is_some();
        let (invoice, client, prepared) = match known {
            Some(k) => k,
            None => {
                let invoice = match self.ledger.invoice(key) {
                    Ok(Some(i)) => i,
                    Ok(None) => {
                        self.credit_failed(o, ir, "", "the ledger does not know this order's invoice", doc);
                        return Ok(());
                    }
                    // A ledger changed by hand, or unreadable: this credit note only.
                    Err(e) => {
                        let message = format!("the invoice of this order cannot be read from the ledger: {e}");
                        self.credit_failed(o, ir, "", &message, doc);
                        return Ok(());
                    }
                };
                doc.invoice = Some(invoice.piece.clone());
                let client = match self.resolver.credit_client(o, platform, &self.state, &invoice, d) {
                    Ok(c) => c,
                    Err(message) => {
                        self.credit_failed(o, ir, "customer", &message, doc);
                        return Ok(());
                    }
                };
                let prepared = match self.builder.prepare(o, d) {
                    Ok(p) => p,
                    Err(p) => {
                        self.credit_failed(o, ir, &p.field, &p.message.en, doc);
                        return Ok(());
                    }
                };
                (invoice, client, prepared)
            }
        };
        // Named by its piece, or by the order when Sage numbered it.
        doc.invoice = Some(if invoice.piece.is_empty() { o.clean_number().to_string() } else { invoice.piece.clone() });
        doc.customer = client.code.clone();
        let before = if fresh { rust_decimal::Decimal::ZERO } else { self.ledger.credited(key).amount };
        let plan = match self.builder.prepare_credit(o, &prepared, refunded, before, d) {
            Ok(p) => p,
            Err(NoCredit::Credited { credited, refunded }) => {
                doc.detail = format!("{what}: {credited} of {refunded} credited already, nothing new to credit");
                self.report.add_document(doc);
                return Ok(());
            }
            Err(NoCredit::Less { credited, refunded }) => {
                d.push(WarningKind::Refund, "refunded_amount",
                    format!(
                        "the export now says {refunded} refunded, less than the {credited} credited by earlier credit notes: nothing is written; check the credit notes in Sage"
                    ),
                );
                doc.detail = format!("{refunded} refunded, {credited} credited already");
                self.report.add_document(doc);
                return Ok(());
            }
        };
        let mut document = self.builder.build_credit(o, &plan, &client, &invoice.piece, d);
        let ledger = &self.ledger;
        let (used, earlier) = (|p: &str| ledger.piece_used(p), |p: &str| ledger.credit_piece_of(p, key));
        let mut renamed = None;
        let mut header = self.builder.header(o, &client, &document.head, &document.piece);
        let lines_missing = || document.lines.iter().find_map(Record::missing_required);
        let settle = || self.builder.settle_credit_piece(&document.piece, used, earlier, d);
        if let Err((field, message)) = plan::check_and_settle(&mut header, lines_missing, settle, &mut renamed) {
            self.credit_failed(o, ir, field, &message, doc);
            return Ok(());
        }
        let due = std::slice::from_ref(&document.due);
        out.document(&header.into_record(), &document.lines, due, d.subject, d.w)?;
        if let Some(p) = renamed {
            document.piece = p;
        }
        if let Err(e) = self.ledger.stage_credit(key, &document.piece, plan.credited) {
            return Err(crate::write::StateWrite::wrap(self.ledger.path(), e));
        }
        doc.action = DocumentAction::Created;
        let (ht, ttc) = plan.prepared.amounts();
        doc.total_ht = ht.map(decimal_string);
        doc.total_ttc = ttc.map(decimal_string);
        doc.piece = document.piece;
        doc.lines = document.lines.len();
        doc.detail = format!(
            "{what}: credits {} ({}), {} credited in all",
            plan.amount.round_dp(2),
            plan.how,
            plan.credited.round_dp(2)
        );
        self.report.add_document(doc);
        Ok(())
    }

    /// A credit note that cannot be written: an error, and its entry failed.
    fn credit_failed(&mut self, o: &Order, ir: &InputReport, field: &str, message: &str, mut doc: DocumentReport) {
        self.report.errors.push(RecordError {
            message_fr: None,
            input: ir.path.clone(),
            record: format!("credit note of order {} (line {})", o.number, o.origin.line),
            field: field.to_string(),
            message: message.to_string(),
        });
        doc.action = DocumentAction::Failed;
        doc.detail = if field.is_empty() { message.to_string() } else { format!("{field}: {message}") };
        self.report.add_document(doc);
    }

    /// Remembers where a client created in this run was written (see `placements`).
    fn place(&mut self, code: &str, range: Option<(u64, u64)>) {
        // Most orders write no client records: no lookup of the code then.
        if range.is_some()
            && let Some(id) = self.resolver.created_id(code)
        {
            self.placements.place(id, range);
        }
    }

    /// The client of an order, as the resolver decides it (reading back, for it, the records
    /// of a client written earlier), reported; `None` when the order fails for want of one.
    #[allow(clippy::too_many_arguments)]
    fn order_client(
        &mut self,
        o: &Order,
        mut searched: Option<SearchAhead>,
        platform: Platform,
        ir: &InputReport,
        reported: &mut crate::resolve::reported::Reported,
        out: &mut Outputs,
        d: &mut Diag,
    ) -> Option<(DocClient, Option<ClientWrite>)> {
        let c = &o.customer;
        let keys = searched.as_mut().and_then(SearchAhead::take_address_keys);
        let outcome = self.resolver.resolve_searched(c, searched, platform, &mut self.state, d);
        let (placements, dest, index, layout) = (&self.placements, &self.dest, self.index, self.resolver.layout);
        let mut read = |from: BlockSource| match from {
            BlockSource::Created(id) => placements
                .read(id, out, dest)
                .map(|b| b.map(|b| crate::gescom::export::parse_block(&b, layout)))
                .map_err(|e| e.to_string()),
            BlockSource::List(cl) => {
                crate::gescom::export::read_block(index, cl, layout).map(Some).map_err(|e| e.to_string())
            }
        };
        let plan = match self.resolver.order_client(o, outcome, keys, &mut read, d) {
            Ok(p) => p,
            Err(NoClient::Unresolved(message)) => {
                // Only a failed outcome leaves no client: the entry has no code.
                let mut entry = customer_entry(ir, c, None, self.report.keep);
                entry.detail = message.clone();
                self.report.add_customer(entry);
                self.order_failed(&o.number, ir, o.origin.line, "customer", message.as_str());
                return None;
            }
            Err(NoClient::Unreadable(message)) => {
                self.order_failed(&o.number, ir, o.origin.line, "customer", message.as_str());
                return None;
            }
        };
        // A client matched again is reported once per input; the entry is made only then
        // (most orders are of clients met before).
        if reported.insert(&plan.client.code, self.resolver.client_id(&plan.client.code))
            || !matches!(plan.action, CustomerAction::Matched | CustomerAction::SingleAccount)
        {
            let mut entry = customer_entry(ir, c, Some(&plan.client.code), self.report.keep);
            entry.action = plan.action;
            entry.matched_by = plan.matched_by;
            entry.detail = if self.report.keep { plan.detail.text(&o.number) } else { String::new() };
            entry.issued = plan.issued;
            self.report.add_customer(entry);
        }
        Some((plan.client, plan.writes))
    }
}

/// "order 1001 (line 2), client WEB000530": the subject of a client's records written for
/// an order, formatted only when displayed.
struct ClientSubject<'a> {
    order: &'a str,
    code: &'a str,
}

impl std::fmt::Display for ClientSubject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, client {}", self.order, self.code)
    }
}

/// An amount for the JSON report: 2 decimals, a point ("1234.50").
fn decimal_string(d: rust_decimal::Decimal) -> String {
    let mut r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r.to_string()
}
