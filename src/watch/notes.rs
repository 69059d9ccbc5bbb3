//! The notes left beside a file in errors/ or archive/, and the report kept with it. Read by
//! merchants and accountants: what happened, where, and how to fix it, in plain words.

use std::path::Path;

use super::journal::{Dirs, Journal};
use super::seen::SeenEntry;
use crate::i18n::{Lang, Msg};
use crate::report::{Report, Status};
use crate::t;

/// Notes are read in Notepad: UTF-8 with a BOM (older Notepads guess the code page without
/// it) and CRLF line ends.
pub(super) fn windows_text(text: &str) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    for line in text.lines() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Replaces the work/ path of the input by the file's name in a message.
fn tidy(message: &str, input: &Path, name: &str) -> String {
    message.replace(&input.display().to_string(), &format!("\"{name}\""))
}

pub(super) fn relocate_report(report: &mut Report, input: &Path, final_input: &Path, staged_out: &Path, out: &Path) {
    let (from, to) = (input.display().to_string(), final_input.display().to_string());
    let (sfrom, sto) = (staged_out.display().to_string(), out.display().to_string());
    let fix = |s: &mut String| {
        if *s == from {
            *s = to.clone();
        } else if let Some(rest) = s.strip_prefix(&sfrom) {
            *s = format!("{sto}{rest}");
        }
    };
    for i in &mut report.inputs {
        fix(&mut i.path);
        i.outputs.iter_mut().for_each(fix);
    }
    report.outputs.iter_mut().for_each(fix);
    report.warnings.iter_mut().for_each(|w| fix(&mut w.input));
    report.customers.iter_mut().for_each(|c| fix(&mut c.input));
    report.documents.iter_mut().for_each(|c| fix(&mut c.input));
    report.errors.iter_mut().for_each(|c| fix(&mut c.input));
}

/// The report of a conversion that panicked.
pub(super) fn internal_error_report(input: &Path, panic: Box<dyn std::any::Any + Send>) -> Report {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    let mut report = Report::default();
    report.inputs.push(crate::report::InputReport {
        path: input.display().to_string(),
        platform: None,
        kind: None,
        generation: None,
        encoding: None,
        delimiter: None,
        records: 0,
        status: Status::Failed,
        error: Some(format!(
            "passerelle stopped on an internal error while converting this file ({what}). This is a bug, \
             not a mistake in the file: please send the file and this note to support"
        )),
        outputs: Vec::new(),
        would_write: Vec::new(),
        joined_to: Vec::new(),
    });
    report
}

pub(super) fn failure_note(d: &Dirs, j: &Journal, input: &Path, report: &Report, lang: Lang) -> String {
    let error =
        report.inputs.first().and_then(|i| i.error.clone()).unwrap_or_else(|| Msg::NoteNoResult.text(lang).to_string());
    let kept = d.show(&d.errors.join(&j.claimed));
    t!(
        lang,
        Msg::NoteFailed,
        original = j.original,
        received = j.received,
        kept = kept,
        error = tidy(&error, input, &j.original).replace('\n', "\n  "),
        profile = d.show(&d.profile),
        claimed = j.claimed,
    )
}

pub(super) fn partial_note(
    d: &Dirs,
    j: &Journal,
    input: &Path,
    report: &Report,
    outputs: &[String],
    lang: Lang,
) -> String {
    let mut failed = String::new();
    for e in &report.errors {
        let field = if e.field.is_empty() { String::new() } else { format!("{}: ", e.field) };
        let record = crate::report::subject(&e.record, lang);
        let message = crate::report::error_message(e, lang);
        failed.push_str(&format!("  {record}: {field}{}\n", tidy(message, input, &j.original)));
    }
    for c in report.customers.iter().filter(|c| c.action == crate::report::CustomerAction::Failed) {
        if !report.errors.iter().any(|e| e.message == c.detail) {
            failed.push_str(&t!(lang, Msg::NoteCustomerFailed, id = c.shop_id, record = c.record, detail = c.detail));
            failed.push('\n');
        }
    }
    let written = if outputs.is_empty() { Msg::NoteNothingNew.text(lang).to_string() } else { outputs.join(", ") };
    t!(
        lang,
        Msg::NotePartial,
        original = j.original,
        received = j.received,
        kept = d.show(&d.errors.join(&j.claimed)),
        written = written,
        failed = failed,
        profile = d.show(&d.profile),
        claimed = j.claimed,
    )
}

pub(super) fn duplicate_note(d: &Dirs, j: &Journal, first: &SeenEntry, lang: Lang) -> String {
    let first_path = d.show(&d.archive.join(&first.day).join(&first.claimed));
    t!(
        lang,
        Msg::NoteDuplicate,
        original = j.original,
        received = j.received,
        first = first.original,
        first_received = first.received,
        first_path = first_path,
        profile = d.profile.display(),
        out = d.out.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_for_notepad() {
        assert_eq!(windows_text("a\nb"), b"\xEF\xBB\xBFa\r\nb\r\n");
    }

    #[test]
    fn messages_name_the_file_not_the_work_folder() {
        let input = Path::new("w").join("work").join("20261128-143005-001_commandes.csv");
        let msg = format!("{}: line 4: 3 fields where the header has 5", input.display());
        assert_eq!(tidy(&msg, &input, "commandes.csv"), "\"commandes.csv\": line 4: 3 fields where the header has 5");
    }
}
