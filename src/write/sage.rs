//! The Format Sage writer: CP850, CRLF, `#FLG 000` / `#VER nn` / records / `#FIN`.
//!
//! Records are encoded field by field through the layout: trimmed, `#`-prefix removed,
//! uppercased where the layout says so, transliterated into CP850 and cut at the field's
//! length, each change reported. The file has two sections, customers then documents, each
//! streamed to its own temporary file, so customers discovered while reading orders still
//! come first without holding anything in memory; at the end the documents are appended to
//! the customers' file (which starts with the frame's first lines) and it becomes the
//! output, so only the documents are copied. In a dry run the
//! documents section goes nowhere and the customers section to the run's `Kept` store.

use crate::text::QuickTrim;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Destination, Kept};
use crate::atomic::{BUF_SIZE, temp_path_for};
use crate::codepage::{self, CodePage, Replacement};
use crate::i18n::Msg;
use crate::report::Warnings;
use crate::sage::value::{self, ValueRef};
use crate::sage::{Chli, FieldSpec, FieldValue, Fields, Kind, Record, RecordLayout};
use crate::warning_kind::WarningKind;

pub const CRLF: &[u8] = b"\r\n";

/// From this size of documents on, the output is synced while they are appended to it
/// (`Sealing::run_portable`).
const EARLY_SYNC_FROM: u64 = 16 << 20;

/// How much of the customers' file is written between two hand-overs to the disk
/// (`Section::write_back_early`); less in tests, which cross it several times.
const WRITE_BACK_STEP: u64 = if cfg!(test) { 64 << 10 } else { 32 << 20 };

/// Syncs `file` over and over on a thread of `scope` until `done`: what is written meanwhile
/// goes to the disk along the way. A short pause between syncs bounds their number where each
/// is a round trip (a network share); the thread returned is woken from it once `done` is set.
/// An error is not kept, nor a thread that could not be had: the sync that counts comes after.
fn sync_while<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    file: File,
    done: &'scope AtomicBool,
) -> Option<std::thread::Thread> {
    let spawned = std::thread::Builder::new().name("passerelle-sync".into()).spawn_scoped(scope, move || {
        while !done.load(Ordering::Acquire) {
            if file.sync_data().is_err() {
                return;
            }
            std::thread::park_timeout(std::time::Duration::from_millis(20));
        }
    });
    spawned.ok().map(|h| h.thread().clone())
}

/// A field name formatted only when displayed.
struct Lazy<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// A field as warnings name it: formatted only when a warning is written, and hashed into
/// the key of a repeated warning (a product name transliterated on every line) without being
/// formatted where it can be.
pub trait FieldName: fmt::Display {
    fn hash_into(&self, h: &mut rustc_hash::FxHasher) {
        let _ = fmt::write(&mut HashText(h), format_args!("{self}"));
    }
}

impl FieldName for String {}
impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> FieldName for Lazy<F> {}

/// A field of a Format Sage record: named "CT_Intitule (#CCLI 2)", hashed by tag and
/// position, which name it as well within a layout.
struct SageField<'a> {
    spec: &'a FieldSpec,
    tag: &'a str,
}

impl fmt::Display for SageField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (#{} {})", self.spec.name, self.tag, self.spec.pos)
    }
}

impl FieldName for SageField<'_> {
    fn hash_into(&self, h: &mut rustc_hash::FxHasher) {
        use std::hash::Hasher;
        h.write(self.tag.as_bytes());
        h.write_u8(0xfe);
        h.write_usize(self.spec.pos);
    }
}

/// Text written into a hasher (`fmt::Write`): hashes a `Display` without a `String`.
struct HashText<'a, H: std::hash::Hasher>(&'a mut H);

impl<H: std::hash::Hasher> fmt::Write for HashText<'_, H> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// Encodes records; holds the reusable buffers.
pub struct RecordEncoder {
    cp: CodePage,
    bytes: Vec<u8>,
    changes: Vec<Replacement>,
    text: String,
    /// The record being written, whole: handed to the output in one write.
    record: Vec<u8>,
    /// Texts the encoder changed, by field and value (`push_encoded`): the same product
    /// name on every order line is cleaned and transliterated once. At most `MEMO_MAX`.
    memo: rustc_hash::FxHashMap<u64, Memo>,
    /// Set by `clean_text` and `encode_text` when the last text gave a warning other than
    /// its transliteration (a `#` removed, a cut), which a text taken from `memo` would not
    /// give again (such a text is not kept there).
    unkeyed: bool,
}

/// A text `push_encoded` changed: what it wrote and the warning it gave.
struct Memo {
    /// The field (its spec's address: layouts live as long as the program) and the text.
    field: usize,
    value: Box<str>,
    bytes: Box<[u8]>,
    /// The transliteration warning's key, its text and changes (`transliterated`).
    warning: Option<(u64, Box<str>, Box<[Replacement]>)>,
}

/// Texts kept in `RecordEncoder::memo` before it is emptied (a few hundred bytes each); a
/// few in tests, which empty it often.
const MEMO_MAX: usize = if cfg!(test) { 4 } else { 1024 };

/// The key of the `transliterated` warning of `text` (cleaned) in `field`: the same value in
/// the same field (a product name on every order line) is counted without formatting the
/// message again.
fn transliteration_key(field: &dyn FieldName, text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    // The field's name hashed as it is written out, not copied into a String.
    field.hash_into(&mut h);
    h.write_u8(0xff);
    text.hash(&mut h);
    h.finish()
}

/// The warning of a text transliterated into `cp` (its `changes`).
fn transliterated(text: &str, cp: CodePage, changes: &[Replacement]) -> crate::report::Said {
    let list: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    crate::said!(Msg::WarnTransliterated, text = text, cp = cp, list = list.join(", "))
}

impl Default for RecordEncoder {
    fn default() -> Self {
        RecordEncoder::new(CodePage::Cp850)
    }
}

impl RecordEncoder {
    pub fn new(cp: CodePage) -> RecordEncoder {
        RecordEncoder {
            cp,
            bytes: Vec::with_capacity(256),
            changes: Vec::new(),
            text: String::new(),
            record: Vec::with_capacity(4096),
            memo: Default::default(),
            unkeyed: false,
        }
    }

    /// Writes `#TAG`, then every field and tail line, each followed by CRLF. `subject` names
    /// the record in warnings (e.g. "#CCLI WEB000530").
    ///
    /// Fields stream from their values into one buffer, written out whole: a run of fields
    /// not set is copied from the layout's precomputed lines (`RecordLayout::unset_lines`),
    /// plain text goes in as it is, and only text that needs cleaning goes through the
    /// encoder.
    pub fn write_record(
        &mut self,
        rec: &Record,
        subject: &dyn fmt::Display,
        w: &mut Warnings,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.write_whole(out, |enc, buf| enc.fill_record(rec, subject, w, buf))
    }

    /// `write_record` for a record held as `Fields` (a document's header, its texts
    /// borrowed; its due date): no tail.
    pub fn write_fields<const N: usize, V: FieldValue>(
        &mut self,
        rec: &Fields<N, V>,
        subject: &dyn fmt::Display,
        w: &mut Warnings,
        out: &mut impl Write,
    ) -> io::Result<()> {
        self.write_whole(out, |enc, buf| {
            push_tag(buf, &rec.layout.tag);
            enc.fill_fields(rec.layout, rec.set_fields(), subject, w, buf);
        })
    }

    /// What `fill` puts in the reused record buffer, handed to `out` in one write.
    #[inline(always)]
    fn write_whole(&mut self, out: &mut impl Write, fill: impl FnOnce(&mut Self, &mut Vec<u8>)) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.record);
        buf.clear();
        fill(self, &mut buf);
        let written = out.write_all(&buf);
        self.record = buf;
        written
    }

    fn fill_record(&mut self, rec: &Record, subject: &dyn fmt::Display, w: &mut Warnings, buf: &mut Vec<u8>) {
        push_tag(buf, rec.tag());
        self.fill_fields(rec.layout, rec.set_fields(), subject, w, buf);
        self.fill_tail(rec, subject, w, buf);
    }

    /// The fixed fields of a record of `layout`, each followed by CRLF, from the values of
    /// those `set` (0-based index, in increasing order).
    #[inline(always)]
    fn fill_fields<'v, V: FieldValue + 'v>(
        &mut self,
        layout: &RecordLayout,
        set: impl Iterator<Item = (usize, &'v V)>,
        subject: &dyn fmt::Display,
        w: &mut Warnings,
        buf: &mut Vec<u8>,
    ) {
        let mut next = 0;
        for (i, v) in set {
            layout.push_unset(buf, next, i);
            next = i + 1;
            let f = &layout.fields[i];
            // Most texts go as they are: that test is the hot path, kept in the loop (a value
            // borrowed whole for it cost 1.5 % of the converting thread).
            match v.text() {
                Some(s) if as_is(f, s) => {
                    buf.extend_from_slice(s.as_bytes());
                    buf.extend_from_slice(CRLF);
                }
                // Accented letters the code page has need no encoder either: nothing to clean,
                // cut or report. Only a text the encoder would change goes through it.
                Some(s) if encoded_unchanged(f, s, self.cp, buf) => buf.extend_from_slice(CRLF),
                Some(s) => self.push_encoded(f, &layout.tag, s, subject, w, buf),
                None => push_plain(f, v.borrowed(), buf),
            }
        }
        layout.push_unset(buf, next, layout.fixed);
    }

    /// A text the encoder changes, and its CRLF.
    fn push_encoded(
        &mut self,
        f: &FieldSpec,
        tag: &str,
        s: &str,
        subject: &dyn fmt::Display,
        w: &mut Warnings,
        buf: &mut Vec<u8>,
    ) {
        // Seen before in this field: written and said as then (nothing else to say).
        let key = (f.kind == Kind::Text && !f.alnum_only()).then(|| memo_key(f, s));
        if let Some(m) =
            key.and_then(|k| self.memo.get(&k)).filter(|m| m.field == f as *const _ as usize && *m.value == *s)
        {
            buf.extend_from_slice(&m.bytes);
            buf.extend_from_slice(CRLF);
            if let Some((k, text, changes)) = &m.warning {
                let cp = self.cp;
                let field = SageField { spec: f, tag };
                w.push_keyed(*k, WarningKind::Transliterated, subject, &field, || transliterated(text, cp, changes));
            }
            return;
        }
        self.unkeyed = false;
        self.encode_field(f, tag, s, subject, w);
        buf.extend_from_slice(&self.bytes);
        buf.extend_from_slice(CRLF);
        if let Some(k) = key.filter(|_| !self.unkeyed) {
            if self.memo.len() >= MEMO_MAX {
                self.memo.clear();
            }
            // Changes made: `clean_text` gave their warning, under this key.
            let warning = (!self.changes.is_empty()).then(|| {
                let key = transliteration_key(&SageField { spec: f, tag }, &self.text);
                (key, self.text.as_str().into(), self.changes.as_slice().into())
            });
            let m =
                Memo { field: f as *const _ as usize, value: s.into(), bytes: self.bytes.as_slice().into(), warning };
            self.memo.insert(k, m);
        }
    }

    /// The repeating tail lines after the fixed fields.
    fn fill_tail(&mut self, rec: &Record, subject: &dyn fmt::Display, w: &mut Warnings, buf: &mut Vec<u8>) {
        let (layout, tag) = (rec.layout, rec.tag());
        for (i, v) in rec.tail.iter().enumerate() {
            if rec.tail_verbatim() {
                push_verbatim(buf, v);
            } else {
                let label = layout.tail_label.as_deref().unwrap_or("tail");
                let pos = layout.fixed + i + 1;
                let field = Lazy(|f: &mut fmt::Formatter<'_>| write!(f, "{label} {} (#{tag} {pos})", i + 1));
                self.encode_text(v, 13, subject, &field, true, w);
                buf.extend_from_slice(&self.bytes);
            }
            buf.extend_from_slice(CRLF);
        }
    }

    /// A record of a tag passerelle has no layout for (#CIVA, #CBQT...), copied from an export
    /// line by line.
    pub fn write_raw(&mut self, tag: &str, lines: &[String], out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"#")?;
        out.write_all(tag.as_bytes())?;
        out.write_all(CRLF)?;
        for l in lines {
            self.verbatim(l);
            out.write_all(&self.bytes)?;
            out.write_all(CRLF)?;
        }
        Ok(())
    }

    /// Text decoded from a CP850 export: every character gets its byte back.
    fn verbatim(&mut self, v: &str) {
        self.bytes.clear();
        push_verbatim(&mut self.bytes, v);
    }

    fn encode_field(&mut self, f: &FieldSpec, tag: &str, value: &str, subject: &dyn fmt::Display, w: &mut Warnings) {
        match f.kind {
            Kind::Text => {
                let max = f.max.unwrap_or(usize::MAX);
                // Field names are only formatted when a warning needs them: this is the hot path.
                self.encode_text(value, max, subject, &SageField { spec: f, tag }, f.upper, w);
                if f.alnum_only() && !self.bytes.iter().all(|b| b.is_ascii_alphanumeric()) {
                    let before = self.cp.decode(&self.bytes);
                    self.bytes.retain(|b| b.is_ascii_alphanumeric());
                    w.push(
                        WarningKind::InvalidCharacters,
                        &subject.to_string(),
                        &f.describe(tag),
                        crate::said!(Msg::WarnInvalidChars, before = before, after = self.cp.decode(&self.bytes)),
                    );
                }
            }
            // Text in a number or date field (the profile's or the template client's): as given.
            _ => {
                self.bytes.clear();
                self.bytes.extend_from_slice(value.quick_trim().as_bytes());
            }
        }
    }

    /// Text → bytes in `self.bytes`, with every change reported.
    fn encode_text(
        &mut self,
        value: &str,
        max: usize,
        subject: &dyn fmt::Display,
        field: &dyn FieldName,
        upper: bool,
        w: &mut Warnings,
    ) {
        self.clean_text(value, subject, field, upper, w);
        if self.bytes.len() > max {
            let kept = self.cp.decode(&self.bytes[..max]);
            let lost = self.cp.decode(&self.bytes[max..]);
            self.unkeyed = true;
            w.push(
                WarningKind::Truncated,
                &subject.to_string(),
                &field.to_string(),
                crate::said!(Msg::WarnTruncated, n = self.bytes.len(), max = max, kept = kept, lost = lost),
            );
            self.bytes.truncate(max);
            while self.bytes.last() == Some(&b' ') {
                self.bytes.pop();
            }
        }
    }

    /// Text → bytes (see `encoded`), not cut: trimmed, a leading `#` removed, uppercased when
    /// asked, encoded with the transliteration policy, every change reported. The paramétrable
    /// writer shares it so that both outputs write the same value.
    pub fn clean_text(
        &mut self,
        value: &str,
        subject: &dyn fmt::Display,
        field: &dyn FieldName,
        upper: bool,
        w: &mut Warnings,
    ) {
        // Most values (codes, numbers written as text, plain ASCII names) need nothing: copied.
        if plain(value.as_bytes(), usize::from(upper)) {
            self.text.clear();
            self.text.push_str(value);
            self.bytes.clear();
            self.bytes.extend_from_slice(value.as_bytes());
            self.changes.clear();
            return;
        }
        let mut v = value.quick_trim();
        if v.starts_with('#') {
            let stripped = v.trim_start_matches('#').trim_start();
            self.unkeyed = true;
            w.push(
                WarningKind::TagLike,
                &subject.to_string(),
                &field.to_string(),
                crate::said!(Msg::WarnTagLike, value = v, stripped = stripped),
            );
            v = stripped;
        }
        self.text.clear();
        if upper {
            crate::text::push_upper(&mut self.text, v);
        } else {
            self.text.push_str(v);
        }
        self.bytes.clear();
        self.changes.clear();
        codepage::encode_into(&self.text, self.cp, &mut self.bytes, &mut self.changes);
        if !self.changes.is_empty() {
            // Keyed by field and value: the same value in the same field (a product name on
            // every order line) is counted without formatting the message again.
            let key = transliteration_key(field, &self.text);
            let (text, cp, changes) = (&self.text, self.cp, &self.changes);
            w.push_keyed(key, WarningKind::Transliterated, subject, field, || transliterated(text, cp, changes));
        }
        if !self.changes.is_empty() {
            // A dropped or replaced character may leave doubled or trailing spaces.
            self.bytes.dedup_by(|a, b| *a == b' ' && *b == b' ');
            while self.bytes.first() == Some(&b' ') {
                self.bytes.remove(0);
            }
        }
        while self.bytes.last() == Some(&b' ') {
            self.bytes.pop();
        }
    }

    /// The bytes of the last `clean_text`.
    pub fn encoded(&self) -> &[u8] {
        &self.bytes
    }

    pub fn code_page(&self) -> CodePage {
        self.cp
    }
}

/// A document's #CHLI records encoded on the reading thread (`EncodedLines::push`),
/// but for the fields that are the conversion's to write (`SageFile::encoded_lines`): the
/// client's code (`CT_Num`), the first line's notice (`DL_TexteComplementaire`), and every
/// text the encoder would change (clean, transliterate, cut), whose warnings must come in
/// their place among the document's. What is encoded ahead gives no warning, so the report
/// is the one the records give.
pub struct EncodedLines {
    layout: &'static RecordLayout,
    /// The field indexes of the code and of the notice.
    code: usize,
    notice: usize,
    bytes: Vec<u8>,
    holes: Vec<Hole>,
    lines: Vec<EncodedLine>,
}

/// A field left to the conversion: where it goes in `EncodedLines::bytes`, and its text
/// (none for the code and the notice).
struct Hole {
    at: usize,
    field: usize,
    text: Option<String>,
}

/// Where a line ends in `EncodedLines::bytes` and in its `holes`.
struct EncodedLine {
    end: usize,
    holes: usize,
    /// Its first required field left empty, the code and the notice not counted.
    missing: Option<usize>,
}

impl EncodedLines {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Why the document cannot be written, as `Record::missing_required` says it of the first line
    /// with a required field empty once `code` and `notice` (the first line's) are in place.
    pub fn missing(&self, code: &str, notice: &str) -> Option<String> {
        // As `Record::is_blank` sees the values `DocumentBuilder::build` sets (an empty
        // notice is not set: the field's default stays).
        let blank = |first: bool, i: usize| {
            let f = &self.layout.fields[i];
            if !f.required {
                false
            } else if i == self.code {
                code.trim_start().is_empty()
            } else if first && !notice.is_empty() {
                notice.trim_start().is_empty()
            } else {
                f.blank_default
            }
        };
        let holes = [self.code.min(self.notice), self.code.max(self.notice)];
        self.lines.iter().enumerate().find_map(|(n, l)| {
            let hole = holes.into_iter().find(|&h| blank(n == 0, h));
            let first = match (l.missing, hole) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b)?,
            };
            Some(self.layout.required_missing(first))
        })
    }

    /// Room for a document's `n` #CHLI of `layout`, encoded one by one (`push`).
    pub fn new(layout: &'static RecordLayout, n: usize) -> EncodedLines {
        EncodedLines {
            layout,
            code: layout.index(Chli::CtNum),
            notice: layout.index(Chli::TexteComplementaire),
            bytes: Vec::with_capacity(n * 640),
            // The code and the notice, and about one text in two left to the conversion.
            holes: Vec::with_capacity(n * 3),
            lines: Vec::with_capacity(n),
        }
    }

    /// A #CHLI (its code and notice not set), from the fields a record would hold, their
    /// texts borrowed: its bytes up to each field left to the conversion (`Hole`).
    pub fn push<const N: usize>(&mut self, fields: &Fields<N, ValueRef<'_>>) {
        debug_assert!(std::ptr::eq(fields.layout, self.layout));
        let (layout, code, notice) = (self.layout, self.code, self.notice);
        let missing = layout.required().iter().copied().find(|&i| i != code && i != notice && fields.is_blank(i));
        let (bytes, holes) = (&mut self.bytes, &mut self.holes);
        push_tag(bytes, &layout.tag);
        let mut next = 0;
        let mut hole = |bytes: &mut Vec<u8>, next: &mut usize, field: usize, text: Option<String>| {
            layout.push_unset(bytes, *next, field);
            holes.push(Hole { at: bytes.len(), field, text });
            *next = field + 1;
        };
        let fixed = [code.min(notice), code.max(notice)];
        let mut k = 0;
        for (i, v) in fields.set_fields() {
            while k < fixed.len() && fixed[k] < i {
                hole(bytes, &mut next, fixed[k], None);
                k += 1;
            }
            debug_assert!(i != code && i != notice, "set ahead: #CHLI {}", i + 1);
            let f = &layout.fields[i];
            match v.text() {
                Some(s) if !as_is(f, s) => {
                    // Accented letters that CP850 has are written there too; only a text the
                    // encoder would change (and report) is left to the conversion.
                    layout.push_unset(bytes, next, i);
                    next = i;
                    if encoded_unchanged(f, s, CodePage::Cp850, bytes) {
                        bytes.extend_from_slice(CRLF);
                        next = i + 1;
                    } else {
                        hole(bytes, &mut next, i, Some(s.to_string()));
                    }
                }
                _ => {
                    layout.push_unset(bytes, next, i);
                    next = i + 1;
                    // Text as it is, a number, a date: nothing to report.
                    push_plain(f, v.borrowed(), bytes);
                }
            }
        }
        for &h in &fixed[k..] {
            hole(bytes, &mut next, h, None);
        }
        layout.push_unset(bytes, next, layout.fixed);
        self.lines.push(EncodedLine { end: bytes.len(), holes: holes.len(), missing });
    }
}

impl RecordEncoder {
    /// Lines encoded ahead (`EncodedLines::push`), written as `write_record` would write
    /// their records: `code` and the first line's `notice` put in, the texts left to this
    /// thread encoded with their warnings, in field order. `base` names the document.
    pub fn write_encoded(
        &mut self,
        lines: &EncodedLines,
        code: &str,
        notice: &str,
        base: &dyn fmt::Display,
        w: &mut Warnings,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let (layout, tag) = (lines.layout, lines.layout.tag.as_str());
        // The lines, holes filled, in one buffer handed to `out` at once: a few writes a line
        // cost more than copying them once more.
        let mut field = std::mem::take(&mut self.record);
        field.clear();
        let (mut start, mut from) = (0, 0);
        for (n, l) in lines.lines.iter().enumerate() {
            let subject = super::Subject { tag, base, item: Some(("line", n + 1)) };
            for h in &lines.holes[from..l.holes] {
                field.extend_from_slice(&lines.bytes[start..h.at]);
                start = h.at;
                let f = &layout.fields[h.field];
                let text = match &h.text {
                    Some(t) => Some(t.as_str()),
                    None if h.field == lines.code => Some(code),
                    None if n == 0 && !notice.is_empty() => Some(notice),
                    None => None,
                };
                match text {
                    Some(t) if as_is(f, t) => {
                        field.extend_from_slice(t.as_bytes());
                        field.extend_from_slice(CRLF);
                    }
                    Some(t) => self.push_encoded(f, tag, t, &subject, w, &mut field),
                    None => field.extend_from_slice(layout.unset_lines(h.field, h.field + 1)),
                }
            }
            from = l.holes;
            field.extend_from_slice(&lines.bytes[start..l.end]);
            start = l.end;
        }
        let written = out.write_all(&field);
        self.record = field;
        written
    }
}

/// A value that needs no encoder, and its CRLF: text as it is (`as_is`), a number, a date,
/// a time, a field not set.
#[inline(always)]
fn push_plain(f: &FieldSpec, v: ValueRef<'_>, buf: &mut Vec<u8>) {
    match v {
        ValueRef::Unset => buf.extend_from_slice(f.default.as_deref().unwrap_or("").as_bytes()),
        ValueRef::Verbatim(s) => push_verbatim(buf, s),
        ValueRef::Text(s) => {
            debug_assert!(as_is(f, s), "a text the encoder would change: {s:?}");
            buf.extend_from_slice(s.as_bytes())
        }
        ValueRef::Dec(d) => value::push_dec(buf, d, f.scale.unwrap_or(2)),
        ValueRef::Int(n) => value::push_int(buf, n),
        ValueRef::Date(d) => value::push_date(buf, d),
        ValueRef::Time(t) => value::push_time(buf, t),
    }
    buf.extend_from_slice(CRLF);
}

/// `push_encoded` for a text the encoder would leave as it is in field `f` (nothing to trim,
/// uppercase, replace, cut or report: `cp` has each of its characters), appended to `out`:
/// true; otherwise `out` is left as it was, and false.
fn encoded_unchanged(f: &FieldSpec, s: &str, cp: CodePage, out: &mut Vec<u8>) -> bool {
    // Trimmed, a text is a part of itself: the same only if as long (no bytes compared).
    if f.kind != Kind::Text || f.upper || f.alnum_only() || s.quick_trim().len() != s.len() || s.starts_with('#') {
        return false;
    }
    let start = out.len();
    if !codepage::encode_unchanged(s, cp, out) {
        return false;
    }
    if out.len() - start > f.max.unwrap_or(usize::MAX) {
        out.truncate(start);
        return false;
    }
    true
}

/// Where `RecordEncoder::memo` keeps text `s` of field `f` (checked on a hit).
fn memo_key(f: &FieldSpec, s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_usize(f as *const _ as usize);
    h.write(s.as_bytes());
    crate::spill::mix(h.finish())
}

/// Text written as it is into field `f`: nothing to clean, cut or report. One look at each
/// byte (every text of every record asks).
#[inline(always)]
fn as_is(f: &FieldSpec, s: &str) -> bool {
    s.is_empty()
        || (f.kind == Kind::Text
            && s.len() <= f.max.unwrap_or(usize::MAX)
            && plain(s.as_bytes(), usize::from(f.upper) | usize::from(f.alnum_only()) << 1))
}

/// The bytes `as_is` lets through, by field: printable ASCII, without lowercase letters in
/// a field in capitals (index 1), only letters and digits in an `A-Z0-9` field (2), both (3).
const AS_IS: [[bool; 256]; 4] = {
    let mut t = [[false; 256]; 4];
    let mut mode = 0;
    while mode < 4 {
        let mut c = 0x20u8;
        while c < 0x7F {
            let upper_ok = mode & 1 == 0 || !c.is_ascii_lowercase();
            let alnum_ok = mode & 2 == 0 || c.is_ascii_alphanumeric();
            t[mode][c as usize] = upper_ok && alnum_ok;
            c += 1;
        }
        mode += 1;
    }
    t
};

/// Text that needs nothing of the encoder: printable ASCII, no space or `#` to trim (codes,
/// numbers written as text, plain names), and only the bytes `mode` allows (`AS_IS`: 1, no
/// lowercase letter in a field in capitals).
#[inline(always)]
fn plain(b: &[u8], mode: usize) -> bool {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => !matches!(first, b' ' | b'#') && last != b' ' && all_as_is_in(b, mode),
        _ => true,
    }
}

/// `all_as_is(b, &AS_IS[mode])`, eight bytes at a time as one number in the modes of most
/// fields (printable ASCII; without lowercase letters in a field in capitals): a few
/// arithmetic operations for eight bytes instead of eight look-ups; the last ones looked up.
#[inline(always)]
fn all_as_is_in(b: &[u8], mode: usize) -> bool {
    if mode >= 2 {
        return all_as_is(b, &AS_IS[mode]);
    }
    let upper = mode == 1;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        if !word_as_is(u64::from_le_bytes(w.try_into().expect("8 bytes")), upper) {
            return false;
        }
    }
    let table = &AS_IS[mode];
    words.remainder().iter().all(|&c| table[usize::from(c)])
}

/// Are the eight bytes of `x` printable ASCII (0x20 to 0x7E), and, when `upper`, none of them
/// a lowercase letter? A byte's high bit says it: below 0x20 (the subtraction borrows into it
/// only for such a byte or above one), 0x80 and up (set already), 0x7F (the addition of 1
/// carries into it; a carry into the next byte comes from 0xFF only, refused anyway).
#[inline(always)]
fn word_as_is(x: u64, upper: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let refused = (x.wrapping_sub(ONES * 0x20) & !x) | x | x.wrapping_add(ONES);
    if refused & HIGH != 0 {
        return false;
    }
    // Every byte is now at most 0x7E: adding 0x1F cannot carry out of it. A lowercase letter
    // (0x61 to 0x7A) reaches 0x80 with 0x1F added, not with 0x05.
    !upper || (x.wrapping_add(ONES * 0x1F) & !x.wrapping_add(ONES * 0x05) & HIGH) == 0
}

/// Every byte of `b` allowed by `table`: eight looked up together, one test for them (a test
/// a byte cost more than the look-ups).
#[inline(always)]
fn all_as_is(b: &[u8], table: &[bool; 256]) -> bool {
    let t = |c: u8| table[usize::from(c)];
    let mut i = 0;
    while let Some(w) = b.get(i..i + 8) {
        if !(t(w[0]) & t(w[1]) & t(w[2]) & t(w[3]) & t(w[4]) & t(w[5]) & t(w[6]) & t(w[7])) {
            return false;
        }
        i += 8;
    }
    b[i..].iter().all(|&c| t(c))
}

/// `#TAG` and its CRLF.
fn push_tag(buf: &mut Vec<u8>, tag: &str) {
    buf.push(b'#');
    buf.extend_from_slice(tag.as_bytes());
    buf.extend_from_slice(CRLF);
}

/// Text decoded from a CP850 export, back to its bytes, appended to `out`.
fn push_verbatim(out: &mut Vec<u8>, v: &str) {
    if v.is_ascii() {
        // CP850 keeps ASCII where it is.
        out.extend_from_slice(v.as_bytes());
    } else {
        out.extend(v.chars().map(|c| crate::codepage::cp850::encode_char(c).unwrap_or(b'?')));
    }
}

/// The lines before the customers section.
fn frame_head(version: u32) -> String {
    format!("#FLG 000\r\n#VER {version}\r\n")
}

/// One Format Sage output file being written.
pub struct SageFile {
    target: PathBuf,
    /// The customers' file with the documents and `#FIN` appended and synced (`seal`), to be
    /// renamed by `finish`. Declared before `sections`, so dropped before they remove the
    /// temporary files (Windows removes no file still open).
    sealed: Option<io::Result<File>>,
    sections: [Section; 2],
    pub encoder: RecordEncoder,
    customers_written: usize,
    documents_written: usize,
    /// A dry run: `finish` writes nothing.
    nowhere: bool,
}

struct Section {
    /// The temporary file (a real run).
    path: Option<PathBuf>,
    out: Option<Out>,
    /// Where the next record starts: bytes written so far, or in the `Kept` store its end.
    written: u64,
    /// Bytes of the file before the section's first record: the frame's first lines, which
    /// the customers section of a real run carries so that its file becomes the output.
    head: u64,
    /// `written` when the file's bytes were last handed to the disk (`write_back_early`).
    written_back: u64,
    /// A second handle on the file of a section written on its own thread and read back
    /// (the customers'): the writing thread holds the first.
    read_back: Option<File>,
}

/// Where a section's bytes go.
enum Store {
    /// A temporary file beside the target.
    Temp(File),
    /// A dry run's customers: kept to be read back.
    Kept(Kept),
    /// A dry run's documents.
    Nowhere,
}

impl Write for Store {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Store::Temp(f) => f.write(buf),
            Store::Kept(k) => k.write(buf),
            Store::Nowhere => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Store::Temp(f) => f.flush(),
            Store::Kept(k) => k.flush(),
            Store::Nowhere => Ok(()),
        }
    }
}

/// A section's writer: buffered, or handing its buffers to a thread of its own.
enum Out {
    Buffered(BufWriter<Store>),
    Behind(Behind),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Buffered(w) => w.write(buf),
            Out::Behind(b) => b.write_all(buf).map(|()| buf.len()),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Out::Buffered(w) => w.write_all(buf),
            Out::Behind(b) => b.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Buffered(w) => w.flush(),
            Out::Behind(b) => b.flush(),
        }
    }
}

/// A file written by a thread of its own: the conversion fills a buffer and hands it over
/// whole, and goes on filling another while the system copies the first into the file (both
/// sections of a real run: the documents, most of an output's bytes, and the customers).
/// The copy into the file's pages is then the writing thread's, not the converting one's.
///
/// Buffers go in order through a channel of `QUEUED` and come back, written, through
/// another, to be filled again: at most `QUEUED + 2` of them exist. A write that fails stops
/// the thread's writing; every call here after it returns its error.
struct Behind {
    /// The buffer being filled.
    filling: Vec<u8>,
    full: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    written: std::sync::mpsc::Receiver<Vec<u8>>,
    writer: Option<std::thread::JoinHandle<io::Result<File>>>,
    failed: std::sync::Arc<AtomicBool>,
    /// The thread's error once taken (`io::Error` is not `Clone`): given again to every call.
    error: Option<(io::ErrorKind, String)>,
    /// Buffers handed over and not back yet.
    out: usize,
    spare: Vec<Vec<u8>>,
}

impl Behind {
    const QUEUED: usize = 2;

    /// `file` written on a new thread; given back when no thread can be had.
    fn new(file: File) -> Result<Behind, Option<File>> {
        use std::sync::mpsc;
        let (full, to_write) = mpsc::sync_channel::<Vec<u8>>(Self::QUEUED);
        let (give_back, written) = mpsc::channel();
        let failed = std::sync::Arc::new(AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&failed);
        // The file goes to the thread through a slot it takes at its start, so that it comes
        // back here if the thread cannot be made.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(file)));
        let taken = std::sync::Arc::clone(&slot);
        let spawned = std::thread::Builder::new().name("passerelle-write".into()).spawn(move || {
            let mut file = taken.lock().map_err(|_| io::Error::other("the writing thread lost its file"))?.take();
            let mut result = Ok(());
            for buf in to_write {
                if result.is_ok()
                    && let Some(f) = file.as_mut()
                {
                    result = f.write_all(&buf);
                    if result.is_err() {
                        flag.store(true, Ordering::Release);
                    }
                }
                // Back even after a failure: `flush` waits for every buffer handed over.
                let _ = give_back.send(buf);
            }
            result?;
            file.ok_or_else(|| io::Error::other("the writing thread lost its file"))
        });
        match spawned {
            Ok(writer) => Ok(Behind {
                filling: Vec::with_capacity(BUF_SIZE),
                full: Some(full),
                written,
                writer: Some(writer),
                failed,
                error: None,
                out: 0,
                spare: Vec::new(),
            }),
            // The thread never ran: the file is still in its slot.
            Err(_) => Err(slot.lock().map_or(None, |mut f| f.take())),
        }
    }

    /// The thread's error, once it has one (it is joined then).
    fn failure(&mut self) -> Option<io::Error> {
        if self.error.is_none() && self.failed.load(Ordering::Acquire) {
            self.full.take();
            let e = match self.writer.take().map(|t| t.join()) {
                Some(Ok(Err(e))) => e,
                _ => io::Error::other("the writing thread stopped"),
            };
            self.error = Some((e.kind(), e.to_string()));
        }
        self.error.as_ref().map(|(kind, message)| io::Error::new(*kind, message.clone()))
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        // Asked at every record's write: a load, the error made only when there is one.
        if self.error.is_some() || self.failed.load(Ordering::Relaxed) {
            return Err(self.failure().unwrap_or_else(|| io::Error::other("the writing thread stopped")));
        }
        if self.filling.len() + data.len() > BUF_SIZE && !self.filling.is_empty() {
            self.hand_over()?;
        }
        // Larger than a buffer: in one, grown for it.
        self.filling.extend_from_slice(data);
        Ok(())
    }

    /// The buffer being filled, to the thread; another to fill: one written already, else a
    /// new one while at most `QUEUED` are out.
    fn hand_over(&mut self) -> io::Result<()> {
        if let Some(e) = self.failure() {
            return Err(e);
        }
        let mut next = match self.spare.pop() {
            Some(b) => b,
            None => {
                let back = match self.out > Self::QUEUED {
                    true => self.written.recv().ok(),
                    false => self.written.try_recv().ok(),
                };
                match back {
                    Some(b) => {
                        self.out -= 1;
                        b
                    }
                    None => Vec::with_capacity(BUF_SIZE),
                }
            }
        };
        next.clear();
        let buf = std::mem::replace(&mut self.filling, next);
        let sent = self.full.as_ref().is_some_and(|f| f.send(buf).is_ok());
        if !sent {
            self.failed.store(true, Ordering::Release);
            return Err(self.failure().unwrap_or_else(|| io::Error::other("the writing thread stopped")));
        }
        self.out += 1;
        Ok(())
    }

    /// Hands over what is buffered and waits for every buffer to be written.
    fn flush(&mut self) -> io::Result<()> {
        if !self.filling.is_empty() {
            self.hand_over()?;
        }
        while self.out > 0 {
            match self.written.recv() {
                Ok(b) => {
                    self.out -= 1;
                    self.spare.push(b);
                }
                Err(_) => break,
            }
        }
        self.failure().map_or(Ok(()), Err)
    }

    /// The file, every buffer written.
    fn into_file(mut self) -> io::Result<File> {
        if !self.filling.is_empty() {
            self.hand_over()?;
        }
        if let Some(e) = self.failure() {
            return Err(e);
        }
        self.full.take();
        match self.writer.take().map(|t| t.join()) {
            Some(Ok(file)) => file,
            _ => Err(io::Error::other("the writing thread stopped")),
        }
    }
}

impl Drop for Behind {
    fn drop(&mut self) {
        // What is buffered is written (as a `BufWriter` dropped would), and the file closed
        // before its section removes it (Windows removes no file still open).
        if !self.filling.is_empty() {
            let _ = self.hand_over();
        }
        self.full.take();
        if let Some(t) = self.writer.take() {
            let _ = t.join();
        }
    }
}

/// Counts what goes through it.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    count: &'a mut u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        *self.count += n as u64;
        Ok(n)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        *self.count += buf.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Section {
    /// A section in a new temporary file beside `target`, written on a thread of its own
    /// (here when no thread can be had), with a second handle to read it back when `readable`.
    fn create(target: &Path, tag: &str, head: &[u8], readable: bool) -> io::Result<Section> {
        let path = temp_path_for(target, tag);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        let buffered = |file| Out::Buffered(BufWriter::with_capacity(BUF_SIZE, Store::Temp(file)));
        // Without a second handle, a section read back is written here (it reads its own).
        let read_back = if readable { file.try_clone().ok() } else { None };
        let (out, read_back) = if readable && read_back.is_none() {
            (buffered(file), None)
        } else {
            match Behind::new(file) {
                Ok(b) => (Out::Behind(b), read_back),
                Err(Some(file)) => (buffered(file), None),
                Err(None) => {
                    drop(read_back);
                    let _ = crate::atomic::remove_with_retry(&path);
                    return Err(io::Error::other("no thread to write an output's section"));
                }
            }
        };
        // Named before the first write: a failed write still removes the file (`Drop`).
        let mut s = Section {
            path: Some(path),
            out: Some(out),
            written: 0,
            head: head.len() as u64,
            written_back: 0,
            read_back,
        };
        s.out.as_mut().expect("open").write_all(head)?;
        Ok(s)
    }

    /// The bytes of a real run's section written so far handed to the disk, without waiting,
    /// each time another `WRITE_BACK_STEP` of them is written (Linux). The customers' file
    /// becomes the output: its bytes then go to the disk while it is idle, during the
    /// conversion, and the sync before the rename has little more than the documents left to
    /// write. Elsewhere, and in a dry run, nothing.
    fn write_back_early(&mut self) {
        if self.written < self.written_back + WRITE_BACK_STEP {
            return;
        }
        self.written_back = self.written;
        #[cfg(target_os = "linux")]
        if let Some(f) = self.disk_file() {
            hand_to_disk(f, 0, 0);
        }
    }

    /// The section's temporary file, where this thread can reach it: its second handle, else
    /// the file it writes itself (none in a dry run, nor for a section written elsewhere
    /// without a second handle).
    #[cfg(target_os = "linux")]
    fn disk_file(&self) -> Option<&File> {
        match (&self.read_back, &self.out) {
            (Some(f), _) => Some(f),
            (None, Some(Out::Buffered(w))) => match w.get_ref() {
                Store::Temp(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }

    /// A dry run's section: into `kept` (customers), else nowhere.
    fn dry(kept: Option<&Kept>) -> io::Result<Section> {
        let (store, written) = match kept {
            Some(k) => (Store::Kept(k.clone()), k.len()?),
            None => (Store::Nowhere, 0),
        };
        Ok(Section {
            path: None,
            out: Some(Out::Buffered(BufWriter::with_capacity(BUF_SIZE, store))),
            written,
            head: 0,
            written_back: 0,
            read_back: None,
        })
    }
}

impl Drop for Section {
    fn drop(&mut self) {
        // A kept section is flushed into the store (its clients may be read back later).
        // Both handles closed before the file is removed (Windows).
        self.out.take();
        self.read_back.take();
        if let Some(path) = &self.path {
            let _ = crate::atomic::remove_with_retry(path);
        }
    }
}

/// The customers' and documents' files of a real run, to be joined (`SageFile::sealing`).
pub struct Sealing {
    docs: File,
    /// The documents' temporary file, removed once copied whatever happens.
    docs_path: Removed,
    file: File,
}

/// A temporary file removed when this is dropped.
struct Removed(Option<PathBuf>);

impl Drop for Removed {
    fn drop(&mut self) {
        // Retried a moment while an antivirus holds it (Windows).
        if let Some(p) = self.0.take() {
            let _ = crate::atomic::remove_with_retry(&p);
        }
    }
}

impl Sealing {
    /// The documents and `#FIN` appended to the customers' file (which starts with the
    /// frame's first lines), flushed: the file to rename. On Linux the kernel copies them,
    /// handing each step to the disk at once (`run_handed_over`); elsewhere, or where the
    /// kernel cannot copy between the two files, `run_portable`.
    pub fn run(self) -> io::Result<File> {
        #[cfg(target_os = "linux")]
        let job = match self.run_handed_over()? {
            Ok(file) => return Ok(file),
            Err(job) => job,
        };
        #[cfg(not(target_os = "linux"))]
        let job = self;
        job.run_portable()
    }

    /// `run` on Linux (`append_handed_over`); the job back as it was when the kernel cannot
    /// copy between the two files.
    #[cfg(target_os = "linux")]
    fn run_handed_over(self) -> io::Result<Result<File, Sealing>> {
        use std::io::Seek;
        let Sealing { mut docs, docs_path, mut file } = self;
        docs.seek(io::SeekFrom::Start(0))?;
        // At the end already (a read back returns there); said again, as the append needs it.
        let end = file.seek(io::SeekFrom::End(0))?;
        if !append_handed_over(&docs, &file, end)? {
            return Ok(Err(Sealing { docs, docs_path, file }));
        }
        // Removed while still open: its blocks are freed when it is closed (some 0.04 s for
        // 470 MB), left to a thread of its own that nothing waits for. Were the process to end
        // first, the system frees them then: the file has no name left.
        drop(docs_path);
        let _ = std::thread::Builder::new().name("passerelle-close".into()).spawn(move || drop(docs));
        file.write_all(b"#FIN\r\n")?;
        // The last step and `#FIN`: the sync before the rename then finds nothing left.
        file.sync_data()?;
        Ok(Ok(file))
    }

    /// `run` through `io::copy` (in the kernel where the system can, elsewhere through a large
    /// buffer).
    fn run_portable(self) -> io::Result<File> {
        use std::io::Seek;
        let Sealing { mut docs, docs_path, mut file } = self;
        // The documents from their start, after the customers' file's end.
        docs.seek(io::SeekFrom::Start(0))?;
        file.seek(io::SeekFrom::End(0))?;
        let mut out = BufWriter::with_capacity(BUF_SIZE, file);
        let large = docs.metadata().is_ok_and(|m| m.len() >= EARLY_SYNC_FROM);
        // The frame's last line after the documents, and the file out of its buffer.
        let end = |mut out: BufWriter<File>| {
            out.write_all(b"#FIN\r\n")?;
            out.into_inner().map_err(|e| e.into_error())
        };
        if !large {
            io::copy(&mut docs, &mut out)?;
            // Closed before it is removed (Windows), on return.
            drop(docs);
            return end(out);
        }
        // A large output is synced while its documents are appended (a second handle on the
        // file), so the sync before the rename has only the last of it to write. Its own sync
        // then starts at once, alongside the one under way, and the documents' file is removed
        // meanwhile: none of the three waits for another.
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let syncing = out.get_ref().try_clone().ok().and_then(|f| sync_while(scope, f, &done));
            let copied = io::copy(&mut docs, &mut out);
            done.store(true, Ordering::Release);
            if let Some(t) = syncing {
                t.unpark();
            }
            // Closed before it is removed (Windows).
            drop(docs);
            let _ = std::thread::Builder::new()
                .name("passerelle-remove".into())
                .spawn_scoped(scope, move || drop(docs_path));
            copied?;
            let file = end(out)?;
            // Its end too, here: the sync before the rename then finds nothing left to write.
            file.sync_data()?;
            Ok(file)
        })
    }
}

/// Linux: the writing to the disk of `len` bytes of `f` from `at` started, without waiting for
/// it nor flushing the disk's cache (`len` 0: to the file's end). A hint: its failure changes
/// nothing, the sync before the rename still comes.
#[cfg(target_os = "linux")]
fn hand_to_disk(f: &File, at: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: `f` holds the descriptor open for the call, which only starts the writing of
    // the file's dirty pages in that range.
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), at as libc::off64_t, len as libc::off64_t, libc::SYNC_FILE_RANGE_WRITE)
    };
}

/// Bytes the kernel copies at once when the sections are joined (`append_handed_over`).
#[cfg(target_os = "linux")]
const COPY_STEP: usize = if cfg!(test) { 64 << 10 } else { 16 << 20 };

/// Linux: `docs` from its position appended to `out` at its position, `end`, by the kernel, a
/// `COPY_STEP` at a time, each step handed to the disk as soon as it is copied
/// (`hand_to_disk`): the disk writes while the kernel copies, and the sync before the rename has only
/// the last step left. For 470 MB of documents the copy and that sync took 0.23 to 0.32 s,
/// where one copy with a thread syncing meanwhile took 0.32 to 1.4 s (each of its syncs
/// flushes the disk's cache) and one copy then one sync 0.38 to 0.43 s. `false` when the
/// kernel cannot copy between these files (another kind of file system): nothing was copied.
#[cfg(target_os = "linux")]
fn append_handed_over(docs: &File, out: &File, end: u64) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    let (from, to) = (docs.as_raw_fd(), out.as_raw_fd());
    let mut at = end;
    loop {
        // SAFETY: both descriptors stay open for the call (the files are borrowed); without
        // offsets the kernel reads and writes at the files' positions and moves them on.
        let n = unsafe { libc::copy_file_range(from, std::ptr::null_mut(), to, std::ptr::null_mut(), COPY_STEP, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                // Nothing copied yet: the portable way can still do it all.
                Some(libc::EXDEV | libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL | libc::EPERM) if at == end => {
                    return Ok(false);
                }
                _ => return Err(e),
            }
        }
        if n == 0 {
            return Ok(true);
        }
        hand_to_disk(out, at, n as u64);
        at += n as u64;
    }
}

impl SageFile {
    pub fn create(target: &Path, version: u32, dest: &Destination) -> io::Result<SageFile> {
        let sections = match dest {
            Destination::Files => [
                Section::create(target, ".clients", frame_head(version).as_bytes(), true)?,
                Section::create(target, ".documents", b"", false)?,
            ],
            Destination::Nowhere(kept) => [Section::dry(Some(kept))?, Section::dry(None)?],
        };
        Ok(SageFile {
            target: target.to_path_buf(),
            sealed: None,
            sections,
            encoder: RecordEncoder::new(CodePage::Cp850),
            customers_written: 0,
            documents_written: 0,
            nowhere: dest.is_dry(),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Another final name in the same folder (see `Outputs::retarget`).
    pub fn set_target(&mut self, target: &Path) {
        self.target = target.to_path_buf();
    }

    /// A customer-side record (#CCLI and its children).
    pub fn customer_record(&mut self, rec: &Record, subject: &dyn fmt::Display, w: &mut Warnings) -> io::Result<()> {
        self.customers_written += 1;
        let s = &mut self.sections[0];
        let mut out = Counting { inner: s.out.as_mut().expect("open"), count: &mut s.written };
        self.encoder.write_record(rec, subject, w, &mut out)?;
        s.write_back_early();
        Ok(())
    }

    /// Where the next customer record will start in the customers section.
    pub fn customers_position(&self) -> u64 {
        self.sections[0].written
    }

    /// Reads back `len` bytes of the customers section from `start` (a client written
    /// earlier in this file, to add a delivery address to it).
    pub fn read_customers(&mut self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        use std::io::Seek;
        let Section { out, read_back, head, .. } = &mut self.sections[0];
        let f = match out.as_mut() {
            // Written on its own thread: once every buffer is in the file, read through the
            // second handle (which shares the first's position, put back at the end below).
            Some(Out::Behind(b)) => {
                b.flush()?;
                read_back.as_mut().ok_or_else(|| {
                    io::Error::other("a section written on its own thread without a handle to read it back")
                })?
            }
            Some(Out::Buffered(w)) => {
                w.flush()?;
                match w.get_mut() {
                    Store::Temp(f) => f,
                    Store::Kept(k) => return k.read(start, len),
                    Store::Nowhere => return Err(io::Error::other("no customers section to read a client back from")),
                }
            }
            None => return Err(io::Error::other("the customers section is closed")),
        };
        let end = f.stream_position()?;
        f.seek(io::SeekFrom::Start(*head + start))?;
        let mut buf = vec![0u8; len as usize];
        let read = f.read_exact(&mut buf);
        // Back to the end whatever happened: the next record goes there.
        f.seek(io::SeekFrom::Start(end))?;
        read?;
        Ok(buf)
    }

    /// A customer-side record copied from an export, for tags without a layout.
    pub fn customer_raw(&mut self, tag: &str, lines: &[String]) -> io::Result<()> {
        self.customers_written += 1;
        let s = &mut self.sections[0];
        let mut out = Counting { inner: s.out.as_mut().expect("open"), count: &mut s.written };
        self.encoder.write_raw(tag, lines, &mut out)
    }

    /// A document-side record (#CHEN, #CHLI, #CHRE).
    pub fn document_record(&mut self, rec: &Record, subject: &dyn fmt::Display, w: &mut Warnings) -> io::Result<()> {
        self.documents_written += 1;
        let out = self.sections[1].out.as_mut().expect("open");
        self.encoder.write_record(rec, subject, w, out)
    }

    /// A document-side record held as `Fields` (a document's header, its texts borrowed; its
    /// due date).
    pub fn document_fields<const N: usize, V: FieldValue>(
        &mut self,
        rec: &Fields<N, V>,
        subject: &dyn fmt::Display,
        w: &mut Warnings,
    ) -> io::Result<()> {
        self.documents_written += 1;
        let out = self.sections[1].out.as_mut().expect("open");
        self.encoder.write_fields(rec, subject, w, out)
    }

    /// A document's lines encoded ahead (`EncodedLines::push`): see
    /// `RecordEncoder::write_encoded`.
    pub fn encoded_lines(
        &mut self,
        lines: &EncodedLines,
        code: &str,
        notice: &str,
        base: &dyn fmt::Display,
        w: &mut Warnings,
    ) -> io::Result<()> {
        self.documents_written += lines.len();
        let out = self.sections[1].out.as_mut().expect("open");
        self.encoder.write_encoded(lines, code, notice, base, w, out)
    }

    pub fn is_empty(&self) -> bool {
        self.customers_written == 0 && self.documents_written == 0
    }

    /// Where the customers section starts in the finished file: after the frame's first
    /// lines (`#FLG`, `#VER`), which only this writer writes.
    pub fn customers_offset(version: u32) -> u64 {
        frame_head(version).len() as u64
    }

    /// Appends the documents and `#FIN` to the customers' file and syncs it, ready for
    /// `finish` to rename. Its error is `finish`'s. Nothing in a dry run or once sealed.
    fn seal(&mut self) {
        if let Some(job) = self.sealing() {
            self.sealed(job.and_then(Sealing::run));
        }
    }

    /// The two files `seal` works on, taken out (`None` in a dry run or once taken): the work
    /// may then run on another thread while the state is saved, only the rename must wait.
    /// The result goes back through `sealed`.
    pub fn sealing(&mut self) -> Option<io::Result<Sealing>> {
        if self.nowhere || self.sealed.is_some() || self.sections[1].out.is_none() {
            return None;
        }
        let into_file = |s: &mut Section| -> io::Result<File> {
            let out = match s.out.take().expect("open") {
                Out::Buffered(w) => w.into_inner().map_err(|e| e.into_error())?,
                Out::Behind(b) => return b.into_file(),
            };
            match out {
                Store::Temp(file) => Ok(file),
                _ => Err(io::Error::other("a section of a real run is not in a file")),
            }
        };
        let [customers, documents] = &mut self.sections;
        // The output's handle is the one joined back from its writing thread.
        customers.read_back.take();
        Some(into_file(documents).and_then(|docs| {
            let file = into_file(customers)?;
            // From here the documents' file is the job's to remove.
            Ok(Sealing { docs, docs_path: Removed(documents.path.take()), file })
        }))
    }

    /// What became of the files `sealing` took.
    pub fn sealed(&mut self, result: io::Result<File>) {
        self.sealed = Some(result);
    }

    /// Joins frame and sections into the target, atomically: the customers section's file
    /// (which starts with the frame's first lines) gets the documents and `#FIN` appended
    /// (`seal`, unless done already; it removes the documents' file) and becomes the target,
    /// so only the documents are copied.
    pub fn finish(mut self) -> io::Result<()> {
        if self.nowhere {
            // The customers section into the store, for the clients read back later.
            return self.sections[0].out.as_mut().expect("open").flush();
        }
        self.seal();
        let file = self.sealed.take().unwrap_or_else(|| Err(io::Error::other("the sections were not joined")))?;
        let tmp = self.sections[0].path.take().expect("a real run's section has a file");
        // Never over an existing file (yesterday's output may not be imported yet). On a
        // failure the temporary file is removed.
        crate::atomic::commit_temp_new(file, &tmp, &self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sage::value::Value;
    use crate::sage::{Ccli, Chli, Layout, RecordKind};
    use std::fs;

    /// A Format Sage file of one client and `lines` #CHLI (about 250 bytes each), and the
    /// bytes its sections should hold.
    fn written(target: &Path, lines: usize) -> (SageFile, Vec<u8>) {
        let l = Layout::builtin(33).unwrap();
        let mut f = SageFile::create(target, 33, &Destination::Files).unwrap();
        let (mut enc, mut w) = (RecordEncoder::default(), Warnings::default());
        let (mut customers, mut documents) = (Vec::new(), Vec::new());
        let mut c = Record::new(l.of(RecordKind::Ccli));
        c.set(Ccli::Num, "WEB000001".to_string());
        c.set(Ccli::Intitule, "Boulangerie Éloïse".to_string());
        f.customer_record(&c, &"client", &mut w).unwrap();
        enc.write_record(&c, &"client", &mut w, &mut customers).unwrap();
        for n in 0..lines {
            let mut r = Record::new(l.of(RecordKind::Chli));
            r.set(Chli::Design, format!("Pain de campagne au levain, 800 g, nº {n}"));
            r.set(Chli::CtNum, "WEB000001".to_string());
            f.document_record(&r, &"ligne", &mut w).unwrap();
            enc.write_record(&r, &"ligne", &mut w, &mut documents).unwrap();
        }
        (f, [frame_head(33).as_bytes(), &customers, &documents, b"#FIN\r\n"].concat())
    }

    /// Bytes handed to the writing thread reach the file in order, whatever the sizes of the
    /// writes (larger than a buffer too), flushed or not along the way.
    #[test]
    fn a_file_written_behind_holds_what_was_sent_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("documents");
        let mut b = Behind::new(File::create(&path).unwrap()).ok().unwrap();
        let mut expected = Vec::new();
        for n in 0..200usize {
            let chunk: Vec<u8> = (0..(n * 7919) % (BUF_SIZE + 4096)).map(|i| (i + n) as u8).collect();
            b.write_all(&chunk).unwrap();
            expected.extend_from_slice(&chunk);
            if n % 50 == 0 {
                b.flush().unwrap();
                assert_eq!(fs::read(&path).unwrap(), expected, "flushed: all written");
            }
            assert!(b.spare.len() + b.out < Behind::QUEUED + 2, "buffers reused, not made anew");
        }
        drop(b.into_file().unwrap());
        assert_eq!(fs::read(&path).unwrap(), expected);
        // Dropped without `into_file`: what was buffered is written all the same.
        let mut b = Behind::new(File::create(&path).unwrap()).ok().unwrap();
        b.write_all(b"#FIN\r\n").unwrap();
        drop(b);
        assert_eq!(fs::read(&path).unwrap(), b"#FIN\r\n");
    }

    /// A write the thread could not do is said by the next call here, and by every one after.
    #[test]
    fn a_write_that_failed_behind_is_said_by_the_next_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("documents");
        fs::write(&path, b"").unwrap();
        // Opened to read only: every write of the thread fails.
        let mut b = Behind::new(File::open(&path).unwrap()).ok().unwrap();
        b.write_all(b"#CHEN\r\n").unwrap();
        let first = b.flush().unwrap_err();
        let again = b.write_all(&[b'x'; BUF_SIZE + 1]).unwrap_err();
        assert_eq!(first.kind(), again.kind());
        assert!(b.flush().is_err());
        assert_eq!(b.into_file().unwrap_err().kind(), again.kind());
        // A section's writer handing over its buffers: said when they are handed over.
        let mut w = Out::Behind(Behind::new(File::open(&path).unwrap()).ok().unwrap());
        w.write_all(&[b'x'; 100]).unwrap();
        assert!(w.flush().is_err());
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect()
    }

    /// An output large enough to be synced while its documents are appended (on a second
    /// handle, on a thread of its own), joined on another thread than the one that renames it
    /// (`sealing`, `sealed`, as a conversion does while it saves the state), is the frame, the
    /// customers, the documents and `#FIN`, byte for byte, and only it is left in the folder;
    /// a small one joined by `finish` alone too.
    #[test]
    fn an_output_joined_apart_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("commandes.txt");
        let (mut f, want) = written(&target, (EARLY_SYNC_FROM / 200) as usize);
        assert!(want.len() as u64 > EARLY_SYNC_FROM + 1000);
        let job = f.sealing().expect("a real run").unwrap();
        let joined = std::thread::spawn(move || job.run()).join().unwrap();
        f.sealed(joined);
        assert!(f.sealing().is_none(), "taken once");
        f.finish().unwrap();
        assert!(fs::read(&target).unwrap() == want);
        assert_eq!(names(dir.path()), ["commandes.txt"]);

        let small = dir.path().join("petit.txt");
        let (f, want) = written(&small, 3);
        f.finish().unwrap();
        assert_eq!(fs::read(&small).unwrap(), want);
        let mut left = names(dir.path());
        left.sort();
        assert_eq!(left, ["commandes.txt", "petit.txt"]);
    }

    /// The portable join (through `io::copy`, a thread syncing meanwhile when large), which
    /// Linux takes only where the kernel cannot copy between the two files: the same bytes,
    /// large or small, and no temporary file left.
    #[test]
    fn an_output_joined_the_portable_way_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        for (name, records) in [("grand.txt", (EARLY_SYNC_FROM / 200) as usize), ("petit.txt", 3)] {
            let target = dir.path().join(name);
            let (mut f, want) = written(&target, records);
            let job = f.sealing().expect("a real run").unwrap();
            f.sealed(job.run_portable());
            f.finish().unwrap();
            assert!(fs::read(&target).unwrap() == want, "{name}");
        }
        let mut left = names(dir.path());
        left.sort();
        assert_eq!(left, ["grand.txt", "petit.txt"]);
    }

    /// Where the kernel cannot copy (here from a pipe, which `copy_file_range` refuses), the
    /// Linux join says so having written nothing, so that `run` leaves the whole join to
    /// `run_portable` (tested above) rather than failing or appending twice.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_join_the_kernel_cannot_do_is_left_to_the_portable_way() {
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("sortie.txt");
        fs::write(&out_path, b"#FLG 000\r\n").unwrap();
        let out = OpenOptions::new().read(true).write(true).open(&out_path).unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        writer.write_all(b"#CHEN\r\n").unwrap();
        drop(writer);
        let docs = File::from(std::os::fd::OwnedFd::from(reader));
        assert!(!append_handed_over(&docs, &out, 10).unwrap(), "a pipe is not copied by the kernel");
        assert_eq!(fs::read(&out_path).unwrap(), b"#FLG 000\r\n");
    }

    /// A customers' section written on its own thread and handed to the disk along the way
    /// (every `WRITE_BACK_STEP`), with a client read back in between as a delivery address
    /// needs (the writes after it land at the end): the output is the same bytes.
    #[test]
    fn customers_handed_to_the_disk_early_keep_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("clients.txt");
        let l = Layout::builtin(33).unwrap();
        let mut f = SageFile::create(&target, 33, &Destination::Files).unwrap();
        assert!(matches!(f.sections[0].out, Some(Out::Behind(_))), "written on its own thread");
        let (mut enc, mut w) = (RecordEncoder::default(), Warnings::default());
        let mut customers = Vec::new();
        let mut n = 0;
        while (customers.len() as u64) < 3 * WRITE_BACK_STEP + 1 {
            n += 1;
            let mut c = Record::new(l.of(RecordKind::Ccli));
            c.set(Ccli::Num, format!("WEB{n:06}"));
            c.set(Ccli::Intitule, format!("Crêperie Anaïs et Loïc nº {n}"));
            let start = f.customers_position();
            f.customer_record(&c, &"client", &mut w).unwrap();
            let mut one = Vec::new();
            enc.write_record(&c, &"client", &mut w, &mut one).unwrap();
            if n % 97 == 0 {
                assert_eq!(f.read_customers(start, one.len() as u64).unwrap(), one);
            }
            customers.extend_from_slice(&one);
        }
        assert!(f.sections[0].written_back >= 3 * WRITE_BACK_STEP, "handed over three times");
        f.finish().unwrap();
        assert!(fs::read(&target).unwrap() == [frame_head(33).as_bytes(), &customers, b"#FIN\r\n"].concat());
    }

    /// Joined but never renamed (the state could not be saved), or never joined: no file is
    /// left behind.
    #[test]
    fn an_output_joined_then_dropped_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut f, _) = written(&dir.path().join("commandes.txt"), 10);
        assert_eq!(names(dir.path()).len(), 2, "the two sections");
        f.seal();
        drop(f);
        assert!(names(dir.path()).is_empty());
        // Taken to be joined and never run (the conversion stopped): the same.
        let (mut f, _) = written(&dir.path().join("commandes.txt"), 10);
        let job = f.sealing().expect("a real run").unwrap();
        drop(job);
        drop(f);
        assert!(names(dir.path()).is_empty());
    }

    /// A #CHLI as `DocumentBuilder::build` makes it, but for the code and the notice.
    #[derive(Debug)]
    struct LineIn {
        article: String,
        design: String,
        remise: Option<String>,
        depot: String,
        tax_code: String,
        unit: rust_decimal::Decimal,
        quantity: rust_decimal::Decimal,
        rate: Option<rust_decimal::Decimal>,
        ttc: bool,
    }

    /// The #CHLI fields of a line, its texts borrowed, as `resolve::order::line_fields` sets
    /// them.
    fn line(l: &LineIn) -> Fields<12, ValueRef<'_>> {
        let layout = Layout::builtin(33).unwrap().of(RecordKind::Chli);
        let mut r = Fields::new(layout);
        r.set(Chli::ArRef, l.article.as_str());
        r.set(Chli::Design, l.design.as_str());
        r.set(Chli::Ttc, l.ttc);
        r.set(Chli::PrixUnitaire, l.unit);
        r.set(Chli::Qte, l.quantity);
        r.set(Chli::EuQte, l.quantity);
        if let Some(x) = &l.remise {
            r.set(Chli::Remise, x.as_str());
        }
        let day = jiff::civil::date(2026, 1, 15);
        r.set(Chli::DoDateLivr, day);
        r.set(Chli::DeNo, l.depot.as_str());
        r.set(Chli::Taxe1, l.rate.map_or(ValueRef::Text(""), ValueRef::Dec));
        r.set(Chli::DoDate, day);
        r.set(Chli::CodeTaxe1, l.tax_code.as_str());
        r
    }

    /// Lines encoded ahead then written with their code and notice are the bytes, the
    /// warnings (in order, counted, per record) and the refusal the whole records give.
    fn encoded_as_records(
        lines: &[LineIn],
        code: &str,
        notice: &str,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prop_assert_eq;
        let fields: Vec<Fields<12, ValueRef>> = lines.iter().map(line).collect();
        let mut whole: Vec<Record> = fields.iter().cloned().map(Fields::into_record).collect();
        for r in &mut whole {
            r.set(Chli::CtNum, code.to_string());
        }
        if let Some(first) = whole.first_mut().filter(|_| !notice.is_empty()) {
            first.set(Chli::TexteComplementaire, notice.to_string());
        }
        let (mut enc, mut w_whole, mut bytes_whole) = (RecordEncoder::default(), Warnings::new("x"), Vec::new());
        w_whole.track_records();
        let mut per_record_whole = Vec::new();
        for (n, r) in whole.iter().enumerate() {
            let subject =
                crate::write::Subject { tag: "CHLI", base: &"order #1001 (line 2)", item: Some(("line", n + 1)) };
            enc.write_record(r, &subject, &mut w_whole, &mut bytes_whole).unwrap();
            per_record_whole.push(w_whole.take_record());
        }
        let missing_whole = whole
            .iter()
            .find_map(|r| r.layout.required().iter().find(|&&i| r.is_blank(i)).map(|&i| r.layout.required_missing(i)));

        if lines.is_empty() {
            return Ok(());
        }
        let mut encoded = EncodedLines::new(fields[0].layout, lines.len());
        for f in &fields {
            encoded.push(f);
        }
        prop_assert_eq!(encoded.len(), lines.len());
        prop_assert_eq!(encoded.missing(code, notice), missing_whole);
        let (mut w_ahead, mut bytes_ahead) = (Warnings::new("x"), Vec::new());
        w_ahead.track_records();
        let mut enc = RecordEncoder::default();
        enc.write_encoded(&encoded, code, notice, &"order #1001 (line 2)", &mut w_ahead, &mut bytes_ahead).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&bytes_ahead), String::from_utf8_lossy(&bytes_whole));
        prop_assert_eq!(bytes_ahead, bytes_whole);
        prop_assert_eq!(&w_ahead.list, &w_whole.list);
        let all: Vec<usize> = per_record_whole.concat();
        let mut ahead = w_ahead.take_record();
        let mut whole_set = all.clone();
        ahead.sort_unstable();
        whole_set.sort_unstable();
        whole_set.dedup();
        prop_assert_eq!(ahead, whole_set);
        Ok(())
    }

    fn line_in() -> impl proptest::strategy::Strategy<Value = LineIn> {
        use proptest::prelude::*;
        (
            "[A-Za-z0-9 éœ#-]{0,22}",
            "[A-Za-z0-9 éèàÉœ’€#,.-]{0,80}",
            proptest::option::of("[0-9,]{1,6}[F%]"),
            "[A-Za-z0-9 ]{0,4}",
            "[A-Za-z0-9é]{0,7}",
            (-99_999i64..99_999, 0u32..4),
            (1i64..500, 0u32..3),
            proptest::option::of(0i64..2500),
            any::<bool>(),
        )
            .prop_map(|(article, design, remise, depot, tax_code, (u, us), (q, qs), rate, ttc)| LineIn {
                article,
                design,
                remise,
                depot,
                tax_code,
                unit: rust_decimal::Decimal::new(u, us),
                quantity: rust_decimal::Decimal::new(q, qs),
                rate: rate.map(|r| rust_decimal::Decimal::new(r, 2)),
                ttc,
            })
    }

    proptest::proptest! {
        /// A text encoded ahead as unchanged is what the encoder writes, and it says nothing.
        #[test]
        fn a_text_encoded_unchanged_is_the_encoders(
            s in "[ A-Za-z0-9#éÉàçœŒ’€\u{a0}\u{200b}\t\u{3a9}-]{0,40}",
            max in 1usize..45,
            w1252: bool,
        ) {
            let layout = Layout::builtin(33).unwrap().of(RecordKind::Chli);
            let mut f = layout.fields[layout.index(Chli::Design)].clone();
            f.max = Some(max);
            let cp = if w1252 { CodePage::Windows1252 } else { CodePage::Cp850 };
            let mut ahead = b"x".to_vec();
            if encoded_unchanged(&f, &s, cp, &mut ahead) {
                let (mut enc, mut w, mut here) = (RecordEncoder::new(cp), Warnings::new("x"), b"x".to_vec());
                enc.push_encoded(&f, "CHLI", &s, &"ligne", &mut w, &mut here);
                proptest::prop_assert_eq!([ahead, CRLF.to_vec()].concat(), here);
                proptest::prop_assert!(w.list.is_empty(), "{:?}", w.list);
            } else {
                proptest::prop_assert_eq!(ahead, b"x".to_vec());
            }
        }

        /// A header held as fields, its texts borrowed (`resolve::order::Header`), is written
        /// as the record of the same values: same bytes, same warnings (accents CP850 lacks,
        /// texts too long, a leading `#`), whatever order the fields are set in; and Sage
        /// would refuse both, or neither, for the same field.
        #[test]
        fn a_header_written_from_its_fields_is_its_record(
            texts in proptest::collection::vec(
                proptest::option::of("[ A-Za-z0-9#éÉàçœŒ’€\u{a0}-]{0,40}"), 10..=10),
            souche in proptest::option::of(0u32..4),
            provenance: bool,
            order in proptest::strategy::Strategy::prop_shuffle(proptest::strategy::Just((0usize..16).collect::<Vec<_>>())),
        ) {
            use crate::sage::Chen;
            use crate::sage::value::ValueRef;
            const TEXTS: [Chen; 10] = [
                Chen::Piece, Chen::Ref, Chen::Tiers, Chen::DeNo, Chen::LiNo, Chen::CoNom, Chen::CoPrenom,
                Chen::NCatCompta, Chen::CgNum, Chen::NoWeb,
            ];
            let layout = Layout::builtin(33).unwrap().of(RecordKind::Chen);
            let day = jiff::civil::date(2026, 3, 7);
            let mut values: Vec<(Chen, ValueRef<'_>)> = vec![
                (Chen::Type, ValueRef::Int(7)),
                (Chen::Date, ValueRef::Date(day)),
                (Chen::DateLivr, ValueRef::Date(day)),
                (Chen::Heure, ValueRef::Time(jiff::civil::time(9, 5, 0, 0))),
                (Chen::Souche, souche.map_or(ValueRef::Unset, |s| ValueRef::Int(s.into()))),
                (Chen::Provenance, if provenance { ValueRef::Int(3) } else { ValueRef::Unset }),
            ];
            values.extend(TEXTS.iter().zip(&texts).map(|(&f, t)| (f, t.as_deref().map_or(ValueRef::Unset, ValueRef::Text))));
            let (mut fields, mut record) = (Fields::<18, ValueRef<'_>>::new(layout), Record::new(layout));
            for &k in &order {
                let (f, v) = values[k];
                if v != ValueRef::Unset {
                    fields.set(f, v);
                    record.set(f, Value::from(v));
                }
            }
            let (mut enc, mut w_fields, mut by_fields) = (RecordEncoder::default(), Warnings::new("x"), Vec::new());
            enc.write_fields(&fields, &"#CHEN commande 1", &mut w_fields, &mut by_fields).unwrap();
            let (mut enc, mut w_record, mut by_record) = (RecordEncoder::default(), Warnings::new("x"), Vec::new());
            enc.write_record(&record, &"#CHEN commande 1", &mut w_record, &mut by_record).unwrap();
            proptest::prop_assert_eq!(&by_fields, &by_record);
            proptest::prop_assert_eq!(format!("{:?}", w_fields.list), format!("{:?}", w_record.list));
            // Against the plain definition: the first required field `is_blank` finds.
            let plain = layout.required().iter().find(|&&i| record.is_blank(i)).map(|&i| layout.required_missing(i));
            proptest::prop_assert_eq!(fields.missing_required(), plain.clone());
            proptest::prop_assert_eq!(record.missing_required(), plain);
        }

        /// A byte a field does not take is found wherever it is: in the eight looked up
        /// together or after them, for every mode of `AS_IS`.
        #[test]
        fn a_byte_not_taken_is_found_wherever_it_is(len in 1usize..30, at in 0usize..30, mode in 0usize..4) {
            let at = at % len;
            let mut b = vec![b'A'; len];
            // Refused in every mode: a control; in modes 2 and 3, a space too.
            b[at] = if mode >= 2 && at % 2 == 0 { b' ' } else { b'\t' };
            proptest::prop_assert!(!all_as_is(&b, &AS_IS[mode]));
            proptest::prop_assert!(!all_as_is_in(&b, mode));
            b[at] = b'Z';
            proptest::prop_assert!(all_as_is(&b, &AS_IS[mode]));
            proptest::prop_assert!(all_as_is_in(&b, mode));
        }

        /// Eight bytes at a time, the answer of the table, for any bytes (the edges of each
        /// range most often: 0x1F, 0x20, 0x60, 0x61, 0x7A, 0x7B, 0x7E, 0x7F, 0x80, 0xFF).
        #[test]
        fn a_word_at_a_time_answers_as_the_table(
            b in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![0x00u8, 0x1F, 0x20, 0x41, 0x5A, 0x60, 0x61, 0x7A, 0x7B, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]),
                    proptest::num::u8::ANY,
                    0x20u8..0x7F,
                ],
                0..40,
            ),
            mode in 0usize..4,
        ) {
            proptest::prop_assert_eq!(all_as_is_in(&b, mode), all_as_is(&b, &AS_IS[mode]), "{:?}", b);
        }
    }

    /// Every byte, alone and among taken ones, in every place of a word: the table's answer.
    #[test]
    fn every_byte_in_every_place_is_judged_as_the_table_does() {
        for (mode, table) in AS_IS.iter().enumerate() {
            for c in 0..=255u8 {
                for len in 1..=17 {
                    for at in 0..len {
                        let mut b = vec![b'Q'; len];
                        b[at] = c;
                        assert_eq!(
                            all_as_is_in(&b, mode),
                            all_as_is(&b, table),
                            "mode {mode}, {c:#x} at {at} of {len}"
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {

        /// `as_is` says what its definition says, for every kind of field.
        #[test]
        fn as_is_is_printable_ascii_with_nothing_to_change(
            s in "[ -~é\t#]{0,20}",
            upper: bool,
            alnum: bool,
            max in 0usize..22,
            text: bool,
        ) {
            let layout = Layout::builtin(33).unwrap().of(RecordKind::Chli);
            let mut f = layout.fields[layout.index(Chli::Design)].clone();
            (f.upper, f.max) = (upper, Some(max));
            f.charset = alnum.then(|| "A-Z0-9".to_string());
            f.kind = if text { Kind::Text } else { Kind::Dec };
            let expected = s.is_empty()
                || (text
                    && s.bytes().all(|b| (0x20..0x7F).contains(&b))
                    && !s.starts_with([' ', '#'])
                    && !s.ends_with(' ')
                    && (!upper || !s.bytes().any(|b| b.is_ascii_lowercase()))
                    && s.len() <= max
                    && (!alnum || s.bytes().all(|b| b.is_ascii_alphanumeric())));
            proptest::prop_assert_eq!(as_is(&f, &s), expected);
        }

        /// A text the encoder changed, met again in the same field (`RecordEncoder::memo`),
        /// is written and said as the first time, by one encoder as by a new one each record:
        /// the same bytes, the same warnings (each counted, with its records), whether the
        /// list is the same input's or the next's. Texts with a `#` or too long (warnings not
        /// keyed) and one text in two fields among them.
        #[test]
        fn a_text_met_again_is_written_and_said_as_the_first_time(
            picks in proptest::collection::vec((0usize..4, 0usize..6), 1..40),
            pool in proptest::collection::vec("[A-Za-z éœŒ’€#]{0,50}", 6),
        ) {
            use proptest::prop_assert_eq;
            let l = Layout::builtin(33).unwrap();
            // Two fields of #CHLI (cut at 69, and at 1980), two of #CCLI (cut at 17; and in
            // capitals, cut at 17).
            let fields: [(RecordKind, &str); 4] = [
                (RecordKind::Chli, "DL_Design"),
                (RecordKind::Chli, "DL_TexteComplementaire"),
                (RecordKind::Ccli, "CT_Classement"),
                (RecordKind::Ccli, "CT_NumPayeur"),
            ];
            let record = |(f, t): (usize, usize)| {
                let (kind, name) = fields[f];
                let mut r = Record::new(l.of(kind));
                r.set_named(name, pool[t].clone());
                r
            };
            let half = picks.len() / 2;
            let (mut memo, mut w_memo, mut w_memo2, mut b_memo) =
                (RecordEncoder::default(), Warnings::new("a"), Warnings::new("b"), Vec::new());
            let (mut w_new, mut w_new2, mut b_new) = (Warnings::new("a"), Warnings::new("b"), Vec::new());
            for (n, &p) in picks.iter().enumerate() {
                let r = record(p);
                let subject = format!("order {n}");
                let (wm, wn) = if n < half { (&mut w_memo, &mut w_new) } else { (&mut w_memo2, &mut w_new2) };
                memo.write_record(&r, &subject, wm, &mut b_memo).unwrap();
                RecordEncoder::default().write_record(&r, &subject, wn, &mut b_new).unwrap();
            }
            prop_assert_eq!(String::from_utf8_lossy(&b_memo), String::from_utf8_lossy(&b_new));
            prop_assert_eq!(&w_memo.list, &w_new.list);
            prop_assert_eq!(&w_memo2.list, &w_new2.list);
        }

        #[test]
        fn lines_encoded_ahead_are_their_records(
            lines in proptest::collection::vec(line_in(), 0..4),
            code in "[A-Za-z0-9é ]{0,20}",
            notice in "[a-zé ,]{0,40}",
        ) {
            encoded_as_records(&lines, &code, &notice)?;
        }
    }

    #[test]
    fn lines_encoded_ahead_at_the_edges() {
        let plain = |design: &str, article: &str| LineIn {
            article: article.into(),
            design: design.into(),
            remise: None,
            depot: "1".into(),
            tax_code: "C20".into(),
            unit: rust_decimal::Decimal::new(1250, 2),
            quantity: rust_decimal::Decimal::ONE,
            rate: Some(rust_decimal::Decimal::new(20, 0)),
            ttc: true,
        };
        // Plain lines: nothing left to the conversion but the code and the notice.
        encoded_as_records(&[plain("Pain de campagne", "PAIN-800"), plain("Baguette", "BAG")], "WEB000530", "")
            .unwrap();
        // A repeated transliteration, counted; a name cut; a notice on the first line only.
        let long = "Coffret découverte œnologie – trois vins de Loire, carafe et tire-bouchon offerts";
        let lines = [plain("Crème brûlée", "CREME"), plain("Crème brûlée", "CREME"), plain(long, "COFFRET")];
        encoded_as_records(&lines, "WEB000531", "Adresse de livraison différente : 3 rue de l’Église").unwrap();
        // Refused: no article on the second line; no code at all (the first line says so).
        encoded_as_records(&[plain("Pain", "PAIN"), plain("Sac", "")], "WEB000532", "").unwrap();
        encoded_as_records(&[plain("Pain", "PAIN"), plain("Sac", "")], "", "").unwrap();
        encoded_as_records(&[plain("Pain", ""), plain("Sac", "SAC")], "  ", "note").unwrap();
        let mut e = EncodedLines::new(Layout::builtin(33).unwrap().of(RecordKind::Chli), 2);
        e.push(&line(&plain("Pain", "PAIN")));
        e.push(&line(&plain("Sac", "")));
        assert!(e.missing("WEB000532", "").unwrap().contains("AR_Ref"));
        assert!(e.missing("", "").unwrap().contains("CT_Num"), "the first line lacks its code");
    }
}
