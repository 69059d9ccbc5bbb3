//! `passerelle template list` and `describe`: the table the accountant types into Sage's import
//! wizard once (column order or positions, lengths, formats), as plain text or Markdown.

use std::fmt::Write as _;

use super::template::{Align, BUILTIN, Column, Format, Origin, Source, Template, TooLong};
use crate::sage::{Kind, Layout};

/// Plain text (aligned columns) or Markdown (tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Text,
    Markdown,
}

/// The built-in templates, one per line: name, format, what a line is, label.
pub fn list(layout: &'static Layout) -> String {
    let mut rows = Vec::new();
    for (name, _) in BUILTIN {
        match super::template::load(name, std::path::Path::new("."), layout) {
            Ok(t) => rows.push(vec![
                t.name.clone(),
                format_short(&t),
                format!("one line per {}", t.per.key().replace('_', " ")),
                t.label,
            ]),
            Err(e) => rows.push(vec![name.to_string(), "invalid".into(), e.to_string(), String::new()]),
        }
    }
    let mut s = table_text(&["Template", "Format", "Lines", "Label"], &rows);
    s.push_str(
        "\n`passerelle template describe NAME` shows the layout to enter once in Sage's import wizard.\n\
         To change one: `passerelle template copy NAME FILE`, edit FILE, and name it in the profile:\n\
         [output] templates = [\"FILE\"] (relative to the profile's folder).\n",
    );
    s
}

fn format_short(t: &Template) -> String {
    match t.format {
        Format::Csv { delimiter, .. } => format!("csv ({})", delimiter_name(delimiter)),
        Format::Fixed { width } => format!("fixed ({width} bytes)"),
    }
}

fn delimiter_name(d: u8) -> String {
    if d == b'\t' { "tab".into() } else { format!("\"{}\"", d as char) }
}

/// The full description of a template.
pub fn describe(t: &Template, style: Style) -> String {
    let release = Layout::builtin(t.sage_version).map(|l| l.release.clone()).unwrap_or_default();
    let origin = match &t.origin {
        Origin::Builtin => "built-in".to_string(),
        Origin::File(p) => p.display().to_string(),
    };
    let format = match t.format {
        Format::Csv { delimiter, header } => format!(
            "delimited by {}, values never quoted; {}",
            delimiter_name(delimiter),
            if header {
                "first line: column titles (have the import skip 1 line)"
            } else {
                "no title line: data from the first line"
            }
        ),
        Format::Fixed { width } => {
            format!("fixed width: every line is {width} bytes (positions are 1-based; unlisted bytes are spaces)")
        }
    };
    let too_long = match t.too_long {
        TooLong::Truncate => "text cut at its length, with a warning in the report",
        TooLong::Error => "text too long fails the input",
    };
    let facts: Vec<(&str, String)> = vec![
        ("Template", format!("{} ({origin})", t.name)),
        ("Label", t.label.clone()),
        ("File", format!("<input>.{}.{}, Windows-1252 (ANSI), lines end with CR LF", t.name, t.extension)),
        ("Format", format),
        ("One line per", t.per.describe().to_string()),
        (
            "Numbers",
            format!(
                "decimal separator \"{}\", no thousands separator, minus sign in front",
                t.decimal_separator as char
            ),
        ),
        ("Dates", t.date_format.pattern().to_string()),
        (
            "Too long",
            format!("{too_long}; fields marked \"too long: error\" fail the input; numbers and dates are never cut"),
        ),
        ("Sage fields", format!("#VER {} ({release})", t.sage_version)),
    ];
    let fixed = matches!(t.format, Format::Fixed { .. });
    let headers: Vec<&str> = if fixed {
        vec!["Start", "End", "Length", "Sage field", "Title", "Sage label", "Align", "Format"]
    } else {
        vec!["Column", "Sage field", "Title", "Sage label", "Max", "Format"]
    };
    let rows: Vec<Vec<String>> = t.columns.iter().map(|c| row(c, fixed)).collect();
    let mut s = String::new();
    match style {
        Style::Text => {
            let width = facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (k, v) in &facts {
                let _ = writeln!(s, "{:<width$}  {v}", format!("{k}:"), width = width + 1);
            }
            s.push('\n');
            s.push_str(&table_text(&headers, &rows));
        }
        Style::Markdown => {
            let _ = writeln!(s, "## Template `{}`: {}\n", t.name, md(&t.label));
            for (k, v) in facts.iter().skip(2) {
                let _ = writeln!(s, "- **{k}:** {}", md(v));
            }
            s.push('\n');
            s.push_str(&table_markdown(&headers, &rows));
        }
    }
    s
}

fn row(c: &Column, fixed: bool) -> Vec<String> {
    let (source, label) = match &c.source {
        Source::Sage { tag, spec, .. } => (format!("{tag}.{}", spec.name), spec.label.clone()),
        Source::Constant { .. } => ("-".to_string(), String::new()),
    };
    let format = format_of(c);
    if fixed {
        let len = c.length.unwrap_or(0);
        let align = match (c.align, c.pad) {
            (Align::Left, b' ') => "left".to_string(),
            (Align::Right, b' ') => "right".to_string(),
            (Align::Left, p) => format!("left, pad \"{}\"", p as char),
            (Align::Right, p) => format!("right, pad \"{}\"", p as char),
        };
        vec![
            c.start.to_string(),
            (c.start + len.max(1) - 1).to_string(),
            len.to_string(),
            source,
            c.title.clone(),
            label,
            align,
            format,
        ]
    } else {
        let max = c.limit().map(|m| m.to_string()).unwrap_or_else(|| "-".into());
        vec![c.start.to_string(), source, c.title.clone(), label, max, format]
    }
}

fn format_of(c: &Column) -> String {
    match &c.source {
        Source::Constant { text, .. } => format!("constant \"{text}\""),
        Source::Sage { spec, .. } => {
            let mut f = match spec.kind {
                Kind::Text => "text".to_string(),
                Kind::Int => "whole number".to_string(),
                Kind::Dec => format!("number, {} decimals", c.decimals),
                Kind::Date => format!("date {}", c.date.pattern()),
                Kind::Time => "time HH:MM:SS".to_string(),
            };
            if spec.kind == Kind::Text {
                if spec.upper {
                    f.push_str(", uppercase");
                }
                if spec.alnum_only() {
                    f.push_str(", A-Z 0-9 only");
                }
                if c.too_long == TooLong::Error {
                    f.push_str("; too long: error");
                }
            }
            f
        }
    }
}

/// Columns padded to the widest cell (counted in characters).
fn table_text(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            for _ in cell.chars().count()..widths[i] {
                l.push(' ');
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(&mut headers.iter().copied());
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut rules.iter().map(String::as_str));
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    s
}

fn table_markdown(headers: &[&str], rows: &[Vec<String>]) -> String {
    let numeric = |h: &str| matches!(h, "Start" | "End" | "Length" | "Column" | "Max");
    let mut s = String::new();
    let _ = writeln!(s, "| {} |", headers.join(" | "));
    let rule: Vec<&str> = headers.iter().map(|h| if numeric(h) { "---:" } else { "---" }).collect();
    let _ = writeln!(s, "|{}|", rule.join("|"));
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(headers)
            .map(|(c, h)| if *h == "Sage field" && c != "-" { format!("`{c}`") } else { md(c) })
            .collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    s
}

/// Escapes what Markdown would read as table syntax or as an HTML tag (`<input>`).
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "\\<")
}
