//! Command-line arguments (clap derive): one struct per subcommand, names stable: extend, never rename.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::i18n::{Lang, Msg};

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
    /// Language of what is written for people (console, HTML report, profile comments, help). Default: the system's
    #[arg(long, global = true, value_enum, value_name = "fr|en", hide_possible_values = true)]
    pub lang: Option<Lang>,
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
    /// Write the run report as an HTML page to read: files, orders, clients, warnings, and how to import into Sage
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// What survives between runs (issued codes, counter). Default: state/ next to the profile.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Convert and report as a real run would, naming the files it would write; write no output and no state.
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
        /// The profile to check.
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
    /// Files to inspect.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Format Sage files.
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

/// The texts of `--help`, by subcommand path and argument (None: the command's own).
const HELP: &[(&[&str], Option<&str>, Msg)] = &[
    (&[], None, Msg::HelpAbout),
    (&[], Some("lang"), Msg::HelpLang),
    (&["convert"], None, Msg::HelpConvert),
    (&["convert"], Some("profile"), Msg::HelpConvertProfile),
    (&["convert"], Some("clients"), Msg::HelpConvertClients),
    (&["convert"], Some("out"), Msg::HelpConvertOut),
    (&["convert"], Some("report"), Msg::HelpConvertReport),
    (&["convert"], Some("html"), Msg::HelpConvertHtml),
    (&["convert"], Some("state"), Msg::HelpConvertState),
    (&["convert"], Some("dry_run"), Msg::HelpConvertDryRun),
    (&["convert"], Some("force"), Msg::HelpConvertForce),
    (&["convert"], Some("inputs"), Msg::HelpConvertInputs),
    (&["profile"], None, Msg::HelpProfile),
    (&["profile", "init"], None, Msg::HelpProfileInit),
    (&["profile", "init"], Some("file"), Msg::HelpProfileInitFile),
    (&["profile", "init"], Some("force"), Msg::HelpOverwrite),
    (&["profile", "check"], None, Msg::HelpProfileCheck),
    (&["profile", "check"], Some("file"), Msg::HelpProfileCheckFile),
    (&["profile", "check"], Some("clients"), Msg::HelpProfileCheckClients),
    (&["inspect"], None, Msg::HelpInspect),
    (&["inspect"], Some("profile"), Msg::HelpInspectProfile),
    (&["inspect"], Some("records"), Msg::HelpInspectRecords),
    (&["inspect"], Some("inputs"), Msg::HelpInspectInputs),
    (&["validate"], None, Msg::HelpValidate),
    (&["validate"], Some("files"), Msg::HelpValidateFiles),
    (&["watch"], None, Msg::HelpWatch),
    (&["watch"], Some("dir"), Msg::HelpWatchDir),
    (&["watch"], Some("profile"), Msg::HelpWatchProfile),
    (&["watch"], Some("once"), Msg::HelpWatchOnce),
    (&["watch"], Some("poll"), Msg::HelpWatchPoll),
    (&["watch"], Some("log"), Msg::HelpWatchLog),
    (&["watch"], Some("verbose"), Msg::HelpWatchVerbose),
    (&["clients"], None, Msg::HelpClients),
    (&["clients", "inspect"], None, Msg::HelpClientsInspect),
    (&["clients", "inspect"], Some("file"), Msg::HelpClientsInspectFile),
    (&["clients", "inspect"], Some("profile"), Msg::HelpClientsInspectProfile),
    (&["clients", "inspect"], Some("notes"), Msg::HelpClientsInspectNotes),
    (&["template"], None, Msg::HelpTemplate),
    (&["template", "list"], None, Msg::HelpTemplateList),
    (&["template", "describe"], None, Msg::HelpTemplateDescribe),
    (&["template", "describe"], Some("name"), Msg::HelpTemplateDescribeName),
    (&["template", "describe"], Some("markdown"), Msg::HelpTemplateDescribeMarkdown),
    (&["template", "copy"], None, Msg::HelpTemplateCopy),
    (&["template", "copy"], Some("name"), Msg::HelpTemplateCopyName),
    (&["template", "copy"], Some("file"), Msg::HelpTemplateCopyFile),
    (&["template", "copy"], Some("force"), Msg::HelpOverwrite),
];

/// Reads the command line, `--help` in the language of `--lang` or of the system.
pub fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = Lang::detect(Lang::from_args(&args));
    let matches = command(lang).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The command line with its help texts in `lang`, from the catalogue.
pub fn command(lang: Lang) -> clap::Command {
    let mut cmd = Cli::command();
    // Built first, so that the generated --help, --version and `help` exist to be translated.
    cmd.build();
    localise(cmd, &[], lang)
}

fn localise(mut cmd: clap::Command, path: &[&str], lang: Lang) -> clap::Command {
    if let Some(m) = help_of(path, None) {
        cmd = cmd.about(m.text(lang));
    }
    // In place: the arguments keep their order.
    cmd = cmd.mut_args(|a| {
        let m = match a.get_id().as_str() {
            "help" => Some(Msg::HelpHelpFlag),
            "version" => Some(Msg::HelpVersionFlag),
            // Global: copied into every subcommand.
            "lang" => Some(Msg::HelpLang),
            id => help_of(path, Some(id)),
        };
        match m {
            Some(m) => a.help(m.text(lang)),
            None => a,
        }
    });
    if cmd.has_subcommands() {
        cmd = cmd.subcommand_help_heading(Msg::HelpCommands.text(lang));
    }
    let usage = Msg::HelpUsage.text(lang);
    cmd = cmd.help_template(format!("{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"));
    let names: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    for name in names {
        let mut sub_path = path.to_vec();
        sub_path.push(&name);
        cmd = if name == "help" {
            cmd.mut_subcommand(&name, |c| help_tree(c, path, lang))
        } else {
            cmd.mut_subcommand(&name, |c| localise(c, &sub_path, lang))
        };
    }
    cmd
}

/// The `help` command: it holds a copy of the tree of the commands beside it (names and
/// about only), each with its own `help`.
fn help_tree(c: clap::Command, path: &[&str], lang: Lang) -> clap::Command {
    c.about(Msg::HelpHelpCommand.text(lang)).mut_subcommands(|s| {
        let name = s.get_name().to_string();
        let mut p = path.to_vec();
        p.push(&name);
        if name == "help" {
            return help_tree(s, path, lang);
        }
        let s = match help_of(&p, None) {
            Some(m) => s.about(m.text(lang)),
            None => s,
        };
        // Its subcommands, under the same rule.
        let kids: Vec<String> = s.get_subcommands().map(|k| k.get_name().to_string()).collect();
        kids.into_iter().fold(s, |s, k| {
            let mut kp = p.clone();
            kp.push(&k);
            let about = if k == "help" { Some(Msg::HelpHelpCommand) } else { help_of(&kp, None) };
            match about {
                Some(m) => s.mut_subcommand(&k, |x| x.about(m.text(lang))),
                None => s,
            }
        })
    })
}

fn help_of(path: &[&str], arg: Option<&str>) -> Option<Msg> {
    HELP.iter().find(|(p, a, _)| *p == path && *a == arg).map(|(_, _, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument with a help text, by path.
    fn texts(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        let here = path.join(" ");
        out.push((here.clone(), cmd.get_about().map(|a| a.to_string()).unwrap_or_default()));
        for a in cmd.get_arguments() {
            out.push((format!("{here} --{}", a.get_id()), a.get_help().map(|h| h.to_string()).unwrap_or_default()));
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_string());
            texts(sub, path, out);
            path.pop();
        }
    }

    #[test]
    fn every_help_text_is_in_the_catalogue_in_both_languages() {
        let (mut en, mut fr) = (Vec::new(), Vec::new());
        texts(&command(Lang::En), &mut Vec::new(), &mut en);
        texts(&command(Lang::Fr), &mut Vec::new(), &mut fr);
        assert_eq!(en.iter().map(|(w, _)| w).collect::<Vec<_>>(), fr.iter().map(|(w, _)| w).collect::<Vec<_>>());
        let mut problems = Vec::new();
        for ((where_, e), (_, f)) in en.iter().zip(&fr) {
            if e.is_empty() {
                problems.push(format!("{where_}: no help text"));
            } else if e == f {
                problems.push(format!("{where_}: the same in French: {e}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_catalogue_says_what_the_code_documents() {
        // The derive's doc comments stay the English help (rustdoc reads them): they and the
        // catalogue must not drift apart.
        let mut plain = Cli::command();
        plain.build();
        let (mut derived, mut english) = (Vec::new(), Vec::new());
        texts(&plain, &mut Vec::new(), &mut derived);
        texts(&command(Lang::En), &mut Vec::new(), &mut english);
        assert_eq!(
            derived.iter().map(|(w, _)| w).collect::<Vec<_>>(),
            english.iter().map(|(w, _)| w).collect::<Vec<_>>(),
            "the arguments keep their order"
        );
        let differ: Vec<String> = derived
            .iter()
            .zip(&english)
            .filter(|((_, d), (_, e))| d != e && !d.is_empty())
            .map(|((w, d), (_, e))| format!("{w}: code says {d:?}, catalogue {e:?}"))
            .collect();
        assert!(differ.is_empty(), "{}", differ.join("\n"));
    }

    #[test]
    fn help_in_french() {
        let help = command(Lang::Fr).find_subcommand_mut("convert").unwrap().render_help().to_string();
        assert!(help.contains("Utilisation :"), "{help}");
        assert!(help.contains("Convertir des exports de boutique"), "{help}");
        assert!(help.contains("Afficher l'aide"), "{help}");
        let top = command(Lang::Fr).render_help().to_string();
        assert!(top.contains("Commandes:"), "{top}");
        let english = command(Lang::En).render_help().to_string();
        assert!(english.contains("Usage: passerelle"), "{english}");
        assert!(english.contains("Commands:"), "{english}");
    }

    #[test]
    fn lang_is_accepted_everywhere_and_checked() {
        let cli = Cli::try_parse_from(["passerelle", "convert", "--lang", "fr", "x.csv"]).unwrap();
        assert_eq!(cli.lang, Some(Lang::Fr));
        let cli = Cli::try_parse_from(["passerelle", "--lang", "en", "template", "list"]).unwrap();
        assert_eq!(cli.lang, Some(Lang::En));
        assert!(Cli::try_parse_from(["passerelle", "--lang", "de", "template", "list"]).is_err());
    }
}
