//! The language of what passerelle writes for people (console summaries, the HTML report,
//! `profile init` comments, `--help`), and the catalogue of those texts.
//!
//! The catalogue is a typed table (`catalogue.rs`): one enum variant per message, each
//! written once with its English and its French text side by side. The `messages!` macro
//! refuses a variant without both, so a missing translation does not compile; a test checks
//! that both texts of every message carry the same placeholders. JSON keys, warning kinds
//! and profile keys are not in it: they never change with the language.
//!
//! A message with values names them as `{placeholder}`; `Msg::fill` (or the `t!` macro)
//! replaces them. A warning turned into a typed kind will be rendered the same way: one
//! message per kind, its fields as placeholders, in the run's language for people and in
//! English for the JSON report.

mod catalogue;

use std::ffi::OsString;
use std::fmt::Display;

pub use catalogue::Msg;

/// The two languages passerelle writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// ISO 639-1 code, for the `lang` attribute of the HTML page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// `--lang` when given, else the system's language (see `system`), else English.
    pub fn detect(forced: Option<Lang>) -> Lang {
        forced.or_else(system).unwrap_or_default()
    }

    /// A locale name as in `LANG` (`fr_FR.UTF-8`, `fr`, `C`, `en_GB`): French when it starts
    /// with `fr`, English otherwise; None when empty.
    pub fn from_locale(name: &str) -> Option<Lang> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let head = name.get(..2).unwrap_or("");
        Some(if head.eq_ignore_ascii_case("fr") { Lang::Fr } else { Lang::En })
    }

    /// The Unix rule: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty
    /// decides (as the C library does for messages). `var` reads a variable.
    pub fn from_env(var: impl Fn(&str) -> Option<OsString>) -> Option<Lang> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| var(k))
            .map(|v| v.to_string_lossy().into_owned())
            .find(|v| !v.trim().is_empty())
            .and_then(|v| Lang::from_locale(&v))
    }

    /// `--lang fr`, `--lang=fr` among the arguments (before a `--`), read before clap parses
    /// them so that `--help` is already in that language. An unknown value is left to clap,
    /// which refuses it.
    pub fn from_args(args: &[OsString]) -> Option<Lang> {
        let mut found = None;
        let mut it = args.iter().map(|a| a.to_string_lossy());
        while let Some(a) = it.next() {
            if a == "--" {
                break;
            }
            let value = if a == "--lang" {
                it.next().map(|v| v.into_owned())
            } else {
                a.strip_prefix("--lang=").map(str::to_string)
            };
            match value.as_deref() {
                Some("fr") => found = Some(Lang::Fr),
                Some("en") => found = Some(Lang::En),
                _ => {}
            }
        }
        found
    }
}

/// The language of the session: on Unix the locale variables; on Windows the user's UI
/// language (the language of Windows' own menus, which is what the user reads).
#[cfg(not(windows))]
fn system() -> Option<Lang> {
    Lang::from_env(|k| std::env::var_os(k))
}

#[cfg(windows)]
fn system() -> Option<Lang> {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetUserDefaultUILanguage() -> u16;
    }
    // SAFETY: no argument, no pointer; the call only returns a LANGID.
    let id = unsafe { GetUserDefaultUILanguage() };
    // The primary language is the low 10 bits; 0x0C is LANG_FRENCH (fr-FR, fr-BE, fr-CA...).
    Some(if id & 0x3ff == 0x0c { Lang::Fr } else { Lang::En })
}

impl Msg {
    /// The text in `lang`, placeholders left as they are.
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, fr) = self.texts();
        match lang {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    /// The text in `lang` with its `{name}` placeholders replaced by `args`.
    pub fn fill(self, lang: Lang, args: &[(&str, &dyn Display)]) -> String {
        fill(self.text(lang), args)
    }
}

/// Replaces each `{name}` of `text` whose name is in `args`; anything else is kept as it is
/// (a profile placeholder such as `{order.number}` quoted in a message).
pub fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after.find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()));
        match name_len.filter(|&n| n > 0 && after[n..].starts_with('}')) {
            Some(n) => match args.iter().find(|(k, _)| *k == &after[..n]) {
                Some((_, v)) => {
                    let _ = write!(out, "{v}");
                    rest = &after[n + 1..];
                }
                None => {
                    debug_assert!(false, "no value for {{{}}} in {text:?}", &after[..n]);
                    out.push('{');
                    rest = after;
                }
            },
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a text, in order of appearance.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let n =
            after.find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())).unwrap_or(after.len());
        if n > 0 && after[n..].starts_with('}') {
            v.push(&after[..n]);
        }
        rest = after;
    }
    v
}

/// `t!(lang, Msg::X, name = value, ...)`: the message filled in.
#[macro_export]
macro_rules! t {
    ($lang:expr, $msg:expr) => {
        $crate::i18n::Msg::fill($msg, $lang, &[])
    };
    ($lang:expr, $msg:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Msg::fill($msg, $lang, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_placeholders() {
        let mut problems = Vec::new();
        for &m in Msg::ALL {
            let (en, fr) = m.texts();
            if en.trim().is_empty() || fr.trim().is_empty() {
                problems.push(format!("{m:?}: an empty text"));
            }
            let (mut pe, mut pf) = (placeholders(en), placeholders(fr));
            pe.sort_unstable();
            pf.sort_unstable();
            if pe != pf {
                problems.push(format!("{m:?}: placeholders {pe:?} in English, {pf:?} in French"));
            }
            // A French text equal to the English one is an untranslated copy, except for
            // texts with no word to translate (listed).
            if en == fr && !catalogue::SAME_IN_BOTH.contains(&m) {
                problems.push(format!("{m:?}: the French text is the English one"));
            }
            // Leading and trailing spaces are layout (console columns): the same in both.
            let lead = |s: &str| s.len() - s.trim_start().len();
            if lead(en) != lead(fr) {
                problems.push(format!("{m:?}: not indented alike"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_catalogue_lists_every_message_once() {
        let mut seen = std::collections::HashSet::new();
        for m in Msg::ALL {
            assert!(seen.insert(format!("{m:?}")), "{m:?} twice");
        }
        assert!(Msg::ALL.len() > 50, "{}", Msg::ALL.len());
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("{a} and {b}, {a}", &[("a", &1), ("b", &"x")]), "1 and x, 1");
        assert_eq!(fill("piece \"WEB{order.number}\"", &[]), "piece \"WEB{order.number}\"");
        assert_eq!(fill("{ not one } {}", &[]), "{ not one } {}");
        assert_eq!(placeholders("x {n} y {order.number} {m}"), vec!["n", "m"]);
        let n = 3;
        assert_eq!(t!(Lang::Fr, Msg::SumDryRun), "simulation (--dry-run) : rien n'a été écrit");
        assert!(t!(Lang::En, Msg::SumErrorsIn, n = n, input = "a.csv").starts_with("3 error(s) in a.csv"));
    }

    #[test]
    fn the_locale_decides_french_or_english() {
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("fr_BE@euro"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("fr"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("FR_fr"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C"), Some(Lang::En));
        assert_eq!(Lang::from_locale("de_DE"), Some(Lang::En));
        assert_eq!(Lang::from_locale(""), None);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
        };
        // The first variable set and not empty wins, in the C library's order.
        assert_eq!(Lang::from_env(env(&[("LANG", "fr_FR.UTF-8")])), Some(Lang::Fr));
        assert_eq!(Lang::from_env(env(&[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")])), Some(Lang::En));
        assert_eq!(Lang::from_env(env(&[("LC_ALL", ""), ("LC_MESSAGES", "fr_CA"), ("LANG", "en_US")])), Some(Lang::Fr));
        assert_eq!(Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "")])), None);
        assert_eq!(Lang::from_env(env(&[])), None);
        assert_eq!(Lang::detect(Some(Lang::Fr)), Lang::Fr);
        assert_eq!(Lang::detect(Some(Lang::En)), Lang::En);
    }

    #[test]
    fn lang_is_read_from_the_arguments_before_clap() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(Lang::from_args(&args(&["passerelle", "convert", "--lang", "fr", "x.csv"])), Some(Lang::Fr));
        assert_eq!(Lang::from_args(&args(&["passerelle", "--lang=en", "--help"])), Some(Lang::En));
        assert_eq!(Lang::from_args(&args(&["passerelle", "convert", "--", "--lang", "fr"])), None);
        assert_eq!(Lang::from_args(&args(&["passerelle", "--lang", "de"])), None);
        assert_eq!(Lang::from_args(&args(&["passerelle", "--lang"])), None);
    }
}
