//! Command-line arguments (clap derive): one struct per subcommand, names stable: extend, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "passerelle",
    version,
    about = "Shop exports (Shopify, PrestaShop, WooCommerce, Magento) → Sage 100 Gestion Commerciale import files",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert shop exports into Sage import files.
    Convert(ConvertArgs),
    /// Write or check a profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Show how files are read: platform, kind, encoding, delimiter, columns, first records.
    Inspect(InspectArgs),
    /// Check Format Sage files: frame, encoding, field counts, lengths, references.
    Validate(ValidateArgs),
    /// Watch a drop folder: files dropped in DIR/inbox are converted into DIR/out.
    Watch(WatchArgs),
    /// The client list exported from Gestion Commerciale.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Import paramétrable templates: list them, describe one for Sage's import wizard, copy one.
    #[command(subcommand)]
    Template(TemplateCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// How a client list is read: format, columns, counts, conflicts, invalid keys.
    Inspect {
        /// Client list (CSV, XLSX or Format Sage export).
        file: PathBuf,
        /// Profile whose [clients] settings apply (columns, encoding, sheet).
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// Notes shown (duplicates, invalid values...).
        #[arg(long, default_value_t = 20)]
        notes: usize,
    },
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Profile (TOML). Default: ./profile.toml if present, else built-in defaults.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Client list exported from Gestion Commerciale (overrides [clients] file).
    #[arg(long, value_name = "FILE")]
    pub clients: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Write the run report as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// What survives between runs (issued codes, counter). Default: state/ next to the profile.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Read, map, match and report; write no output and no state.
    #[arg(long)]
    pub dry_run: bool,
    /// Convert orders the ledger says were already converted.
    #[arg(long)]
    pub force: bool,
    /// Shop exports.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Write the commented default profile.
    Init {
        /// Where to write it.
        #[arg(default_value = "profile.toml")]
        file: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a profile and report every problem with its line.
    Check {
        #[arg(default_value = "profile.toml")]
        file: PathBuf,
        /// Client list to check single_account and template against (default: the profile's).
        #[arg(long, value_name = "FILE")]
        clients: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Profile whose [input] settings apply.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Records shown per file.
    #[arg(long, default_value_t = 3)]
    pub records: usize,
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// List the built-in templates.
    List,
    /// The layout to enter once in Sage's import wizard: for each field, the Sage field,
    /// column or position, length, alignment and format.
    Describe {
        /// A built-in template name, or the path of a template file (.toml).
        name: String,
        /// Markdown tables instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
    /// Write a built-in template to FILE, to edit it and name it in the profile.
    Copy {
        /// A built-in template name.
        name: String,
        /// Where to write it.
        file: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The drop folder (inbox/, out/, archive/, errors/ inside).
    #[arg(long, value_name = "DIR", default_value = "watch")]
    pub dir: PathBuf,
    /// Profile (TOML). Default: DIR/profile.toml.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Process what is in the inbox, then exit (for a scheduled task).
    #[arg(long)]
    pub once: bool,
    /// Scan the inbox every SECONDS instead of waiting for file-system events (network shares).
    #[arg(long, value_name = "SECONDS")]
    pub poll: Option<f64>,
    /// Also append the log to FILE (overrides [watch] log_file).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Log every decision (debug level).
    #[arg(long, short)]
    pub verbose: bool,
}
