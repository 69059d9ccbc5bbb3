//! Writers of Sage import files. Each writes through `crate::atomic`: files appear only when complete.

pub mod param;
pub mod placed;
pub mod sage;

use std::cell::RefCell;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::atomic;
use crate::error::InputError;
use crate::profile::Profile;
use crate::report::Warnings;
use crate::sage::{FieldValue, Fields, Layout, Record};
use crate::warning_kind::WarningKind;

/// "#CHLI order #1001 (line 2), line 3": the record named in warnings, formatted only when a
/// warning is given.
pub struct Subject<'a> {
    pub tag: &'a str,
    pub base: &'a dyn std::fmt::Display,
    /// (" line", 3) → ", line 3".
    pub item: Option<(&'static str, usize)>,
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} {}", self.tag, self.base)?;
        if let Some((what, n)) = self.item {
            write!(f, ", {what} {n}")?;
        }
        Ok(())
    }
}

/// A document's record as Format Sage takes it: a `Record`, or its fields (`Fields`: a
/// header, its texts borrowed, `resolve::order::Header`; a due date, `order::Due`), written
/// without a record being made.
pub trait SageRecord {
    fn tag(&self) -> &str;
    fn write_to(&self, s: &mut sage::SageFile, subject: &dyn std::fmt::Display, w: &mut Warnings) -> io::Result<()>;
}

impl SageRecord for Record {
    fn tag(&self) -> &str {
        Record::tag(self)
    }
    fn write_to(&self, s: &mut sage::SageFile, subject: &dyn std::fmt::Display, w: &mut Warnings) -> io::Result<()> {
        s.document_record(self, subject, w)
    }
}

impl<const N: usize, V: FieldValue> SageRecord for Fields<N, V> {
    fn tag(&self) -> &str {
        &self.layout.tag
    }
    fn write_to(&self, s: &mut sage::SageFile, subject: &dyn std::fmt::Display, w: &mut Warnings) -> io::Result<()> {
        s.document_fields(self, subject, w)
    }
}

/// A document in Format Sage: its header, its lines (`lines`), its due dates.
fn sage_document(
    s: &mut sage::SageFile,
    header: &impl SageRecord,
    dues: &[impl SageRecord],
    subject: &str,
    w: &mut Warnings,
    lines: impl FnOnce(&mut sage::SageFile, &mut Warnings) -> io::Result<()>,
) -> io::Result<()> {
    header.write_to(s, &Subject { tag: header.tag(), base: &subject, item: None }, w)?;
    lines(s, w)?;
    for (i, d) in dues.iter().enumerate() {
        d.write_to(s, &Subject { tag: d.tag(), base: &subject, item: Some(("due", i + 1)) }, w)?;
    }
    Ok(())
}

/// What the profile asks to write for each input: Format Sage, paramétrable templates, or both.
#[derive(Debug, Clone)]
pub struct OutputSet {
    pub sage: bool,
    pub sage_version: u32,
    pub templates: Vec<Arc<param::Template>>,
}

impl OutputSet {
    /// Does Format Sage alone take the documents' lines (no paramétrable file of lines, which
    /// needs their records)? Then they may be encoded ahead (`sage::EncodedLines`).
    pub fn lines_encodable(&self) -> bool {
        self.sage && !self.templates.iter().any(|t| t.per == param::Per::DocumentLine)
    }

    /// Format Sage only.
    pub fn sage_only(sage_version: u32) -> OutputSet {
        OutputSet { sage: true, sage_version, templates: Vec::new() }
    }

    /// `[output]` of the profile: templates loaded (built-in names, or files relative to the
    /// profile's folder) and checked against `layout`.
    pub fn from_profile(p: &Profile, layout: &'static Layout) -> Result<OutputSet, param::TemplateError> {
        let mut templates = Vec::new();
        for entry in &p.output.templates {
            templates.push(Arc::new(param::template::load(entry, &p.base_dir, layout)?));
        }
        Ok(OutputSet { sage: p.output.sage, sage_version: p.output.sage_version, templates })
    }
}

/// Where the outputs of a run go: files in the output folder, or nowhere (`--dry-run`).
///
/// A dry run feeds the same records to the same writers and encoders as a real run, so it
/// gives the same warnings and refusals; only the bytes go nowhere, and `finish` names the
/// files without writing them. The Format Sage customers sections are kept (see `Kept`): a
/// later order of a client created in the run reads its records back, as a real run reads
/// them from its files.
#[derive(Clone, Default)]
pub enum Destination {
    #[default]
    Files,
    Nowhere(Kept),
}

impl Destination {
    pub fn is_dry(&self) -> bool {
        matches!(self, Destination::Nowhere(_))
    }
}

/// The Format Sage customers sections of a dry run, end to end, for reading clients back.
/// In memory up to `Kept::IN_MEMORY` bytes, then in an anonymous file of the system's
/// temporary folder that the system removes when it is closed: never in the output or state
/// folder, never left behind.
#[derive(Clone)]
pub struct Kept(Rc<RefCell<tempfile::SpooledTempFile>>);

impl Default for Kept {
    fn default() -> Kept {
        Kept(Rc::new(RefCell::new(tempfile::SpooledTempFile::new(Kept::IN_MEMORY))))
    }
}

impl Kept {
    /// About 20,000 new clients' records.
    const IN_MEMORY: usize = 16 << 20;

    /// Bytes kept so far: where the next section starts.
    pub fn len(&self) -> io::Result<u64> {
        self.0.borrow_mut().seek(io::SeekFrom::End(0))
    }

    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// `len` bytes from `start` (positions given by `len` when they were written).
    pub fn read(&self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        let mut f = self.0.borrow_mut();
        f.seek(io::SeekFrom::Start(start))?;
        let mut buf = vec![0u8; len as usize];
        let read = f.read_exact(&mut buf);
        // Back to the end whatever happened: the next section goes there.
        f.seek(io::SeekFrom::End(0))?;
        read.map(|()| buf)
    }
}

impl Write for Kept {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// One output file: written aside and renamed into place at `commit_new`, or, in a dry run,
/// written nowhere under the name it would take.
pub enum OutFile {
    File(atomic::AtomicFile),
    Nowhere(PathBuf),
}

impl OutFile {
    pub fn create(target: &Path, dest: &Destination) -> io::Result<OutFile> {
        match dest {
            Destination::Files => Ok(OutFile::File(atomic::AtomicFile::create(target)?)),
            Destination::Nowhere(_) => Ok(OutFile::Nowhere(target.to_path_buf())),
        }
    }

    pub fn target(&self) -> &Path {
        match self {
            OutFile::File(f) => f.target(),
            OutFile::Nowhere(t) => t,
        }
    }

    /// Another final name, in the same folder.
    pub fn set_target(&mut self, target: &Path) {
        match self {
            OutFile::File(f) => f.set_target(target),
            OutFile::Nowhere(t) => *t = target.to_path_buf(),
        }
    }

    /// Into place, never over an existing file (nothing, in a dry run).
    pub fn commit_new(self) -> io::Result<()> {
        match self {
            OutFile::File(f) => f.commit_new(),
            OutFile::Nowhere(_) => Ok(()),
        }
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutFile::File(f) => f.write(buf),
            OutFile::Nowhere(_) => Ok(buf.len()),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            OutFile::File(f) => f.write_all(buf),
            OutFile::Nowhere(_) => Ok(()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutFile::File(f) => f.flush(),
            OutFile::Nowhere(_) => Ok(()),
        }
    }
}

/// Every file one input produces, fed the same records: Format Sage and the import paramétrable
/// templates. Nothing appears under a final name before `finish`, and dropping an `Outputs`
/// removes every temporary file.
pub struct Outputs {
    pub sage: Option<sage::SageFile>,
    pub templates: Vec<param::ParamFile>,
}

impl Outputs {
    /// Opens the outputs of one input: `out_dir/<stem>.txt` for Format Sage,
    /// `out_dir/<stem>.<template>.<csv|txt>` for each template.
    pub fn create(out_dir: &Path, stem: &str, set: &OutputSet) -> io::Result<Outputs> {
        Outputs::open(out_dir, stem, set, &Destination::Files)
    }

    /// `create`, or for a dry run (`Destination::Nowhere`) the same writers over nothing.
    pub fn open(out_dir: &Path, stem: &str, set: &OutputSet, dest: &Destination) -> io::Result<Outputs> {
        let sage = if set.sage {
            Some(sage::SageFile::create(&out_dir.join(format!("{stem}.txt")), set.sage_version, dest)?)
        } else {
            None
        };
        let mut templates = Vec::with_capacity(set.templates.len());
        for t in &set.templates {
            templates.push(param::ParamFile::open(&out_dir.join(t.file_name(stem)), Arc::clone(t), dest)?);
        }
        Ok(Outputs { sage, templates })
    }

    /// Final paths an input may produce, for the report and for collision checks.
    pub fn targets(out_dir: &Path, stem: &str, set: &OutputSet) -> Vec<PathBuf> {
        let mut v = Vec::new();
        if set.sage {
            v.push(out_dir.join(format!("{stem}.txt")));
        }
        v.extend(set.templates.iter().map(|t| out_dir.join(t.file_name(stem))));
        v
    }

    /// A new client: its #CCLI then its #CCDL records; one line of each client template.
    /// Returns where the records sit in the Format Sage file's customers section (start,
    /// length), to read them back if the client is written again later in the run.
    /// `subject` is formatted only where a warning or a template needs it.
    pub fn client(
        &mut self,
        records: &[Record],
        subject: &dyn std::fmt::Display,
        w: &mut Warnings,
    ) -> io::Result<Option<(u64, u64)>> {
        let mut range = None;
        if let Some(s) = self.sage.as_mut() {
            let start = s.customers_position();
            for r in records {
                s.customer_record(r, &Subject { tag: r.tag(), base: subject, item: None }, w)?;
            }
            range = Some((start, s.customers_position() - start));
        }
        if let Some(ccli) = records.iter().find(|r| r.tag() == "CCLI") {
            let mut named = None;
            for t in self.templates.iter_mut().filter(|t| t.template().per == param::Per::Client) {
                t.write_line(&[ccli], named.get_or_insert_with(|| subject.to_string()), w)?;
            }
        }
        Ok(range)
    }

    /// An existing client rewritten from its exported block: known records through their
    /// layout (unchanged fields verbatim), other children copied line by line.
    pub fn client_block(
        &mut self,
        block: &[crate::gescom::export::BlockRecord],
        subject: &str,
        w: &mut Warnings,
    ) -> io::Result<Option<(u64, u64)>> {
        use crate::gescom::export::BlockRecord;
        let mut range = None;
        if let Some(s) = self.sage.as_mut() {
            let start = s.customers_position();
            for r in block {
                match r {
                    BlockRecord::Known(rec) => {
                        s.customer_record(rec, &Subject { tag: rec.tag(), base: &subject, item: None }, w)?
                    }
                    BlockRecord::Raw { tag, lines } => s.customer_raw(tag, lines)?,
                }
            }
            range = Some((start, s.customers_position() - start));
        }
        Ok(range)
    }

    /// Bytes of the customers section written earlier (see `client`).
    pub fn read_client(&mut self, (start, len): (u64, u64)) -> io::Result<Vec<u8>> {
        match self.sage.as_mut() {
            Some(s) => s.read_customers(start, len),
            None => Err(io::Error::other("no Format Sage output to read a client back from")),
        }
    }

    /// A document: its #CHEN, each #CHLI and each #CHRE to Format Sage, in that order; one line
    /// per #CHLI (with the #CHEN fields repeated) to each document-line template.
    pub fn document(
        &mut self,
        header: &Record,
        lines: &[Record],
        dues: &[impl SageRecord],
        subject: &str,
        w: &mut Warnings,
    ) -> io::Result<()> {
        if let Some(s) = self.sage.as_mut() {
            sage_document(s, header, dues, subject, w, |s, w| {
                for (i, l) in lines.iter().enumerate() {
                    s.document_record(l, &Subject { tag: l.tag(), base: &subject, item: Some(("line", i + 1)) }, w)?;
                }
                Ok(())
            })?;
        }
        let is_lines = |t: &&mut param::ParamFile| t.template().per == param::Per::DocumentLine;
        if lines.is_empty() {
            for t in self.templates.iter_mut().filter(is_lines) {
                let file = t.template().file_name("<input>");
                w.push(WarningKind::NoLine, subject, "", format!("the document has no line: nothing of it in {file}"));
            }
        }
        if !self.templates.iter().any(|t| t.template().per == param::Per::DocumentLine) {
            return Ok(());
        }
        for (i, l) in lines.iter().enumerate() {
            let line_subject = format!("{subject}, line {}", i + 1);
            for t in self.templates.iter_mut().filter(is_lines) {
                t.write_document_line(header, l, subject, &line_subject, i == 0, w)?;
            }
        }
        Ok(())
    }

    /// `document`, its lines encoded on the reading thread (`sage::EncodedLines`), the
    /// client's `code` and the first line's `notice` put in: for Format Sage alone, as a
    /// paramétrable file of lines needs the records themselves.
    #[allow(clippy::too_many_arguments)]
    pub fn document_encoded(
        &mut self,
        header: &impl SageRecord,
        lines: &sage::EncodedLines,
        code: &str,
        notice: &str,
        dues: &[impl SageRecord],
        subject: &str,
        w: &mut Warnings,
    ) -> io::Result<()> {
        // Never met: the caller encodes lines only for `OutputSet::lines_encodable`.
        if self.templates.iter().any(|t| t.template().per == param::Per::DocumentLine) {
            return Err(io::Error::other("a paramétrable file of lines needs the lines' records, not their encoding"));
        }
        if let Some(s) = self.sage.as_mut() {
            sage_document(s, header, dues, subject, w, |s, w| s.encoded_lines(lines, code, notice, &subject, w))?;
        }
        Ok(())
    }

    /// Gives every file the final names of `stem` in `out_dir` (the folder they were opened
    /// in): `Outputs::targets(out_dir, stem, ..)`, in the same order.
    pub fn retarget(&mut self, out_dir: &Path, stem: &str) {
        if let Some(s) = self.sage.as_mut() {
            s.set_target(&out_dir.join(format!("{stem}.txt")));
        }
        for t in &mut self.templates {
            let name = t.template().file_name(stem);
            t.set_target(&out_dir.join(name));
        }
    }

    /// Nothing was written to any file.
    pub fn is_empty(&self) -> bool {
        self.sage.as_ref().is_none_or(|s| s.is_empty()) && self.templates.iter().all(|t| t.is_empty())
    }

    /// The files of the Format Sage output to join before `finish` (`SageFile::sealing`), to
    /// do on another thread while the state is saved; the result goes back through `sealed`.
    pub fn sealing(&mut self) -> Option<io::Result<sage::Sealing>> {
        self.sage.as_mut().and_then(|s| s.sealing())
    }

    /// What became of the files `sealing` took (`SageFile::sealed`).
    pub fn sealed(&mut self, result: io::Result<std::fs::File>) {
        if let Some(s) = self.sage.as_mut() {
            s.sealed(result);
        }
    }

    /// Renames every file into place, in order; returns the paths in place and, if one failed,
    /// its error (the files before it are in place: they cannot be taken back). A template
    /// that received no line (a client template on an input without new clients) writes no file.
    /// In a dry run: the paths it would write, nothing written.
    pub fn finish(self) -> (Vec<PathBuf>, io::Result<()>) {
        let mut done = Vec::new();
        if let Some(s) = self.sage {
            let t = s.target().to_path_buf();
            if let Err(e) = s.finish() {
                return (done, Err(e));
            }
            done.push(t);
        }
        for t in self.templates {
            if !t.is_empty() {
                match t.finish() {
                    Ok(path) => done.push(path),
                    Err(e) => return (done, Err(e)),
                }
            }
        }
        (done, Ok(()))
    }

    /// The final paths `finish` will write, in its order (a template with no line is not
    /// written): what the ledger checks after a crash.
    pub fn to_write(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.sage.iter().map(|s| s.target().to_path_buf()).collect();
        v.extend(self.templates.iter().filter(|t| !t.is_empty()).map(|t| t.target().to_path_buf()));
        v
    }
}

/// An error of an output as the error of its input: a value a template refuses names its
/// record and field; an error of the state folder (the ledger) says so; anything else is the
/// output file's error, on writing.
pub fn output_error(input: &Path, out: PathBuf, e: io::Error) -> InputError {
    if let Some(r) = param::RefusedValue::in_io(&e) {
        return InputError::Other { path: input.to_path_buf(), message: format!("template {}: {r}", r.template) };
    }
    if let Some(s) = StateWrite::in_io(&e) {
        return InputError::Other { path: input.to_path_buf(), message: s.0.clone() };
    }
    InputError::Other { path: out, message: format!("cannot write: {e}") }
}

/// An error writing the state folder (the ledger) met while writing outputs: it names the
/// state file, not the output.
#[derive(Debug)]
pub struct StateWrite(pub String);

impl std::fmt::Display for StateWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StateWrite {}

impl StateWrite {
    pub fn in_io(e: &io::Error) -> Option<&StateWrite> {
        e.get_ref().and_then(|x| x.downcast_ref::<StateWrite>())
    }

    /// `e`, met on `path` of the state folder, carried through an `io::Error`.
    pub fn wrap(path: &Path, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), StateWrite(format!("state {}: cannot write: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_error_says_write_and_a_state_error_names_the_state_file() {
        let e = output_error(
            Path::new("commandes.csv"),
            PathBuf::from("out/commandes"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert!(e.to_string().starts_with("out/commandes: cannot write:"), "{e}");
        let ledger = Path::new("state").join("ledger.tsv");
        let e = output_error(
            Path::new("commandes.csv"),
            PathBuf::from("out/commandes"),
            StateWrite::wrap(&ledger, io::Error::from(io::ErrorKind::PermissionDenied)),
        );
        let shown = e.to_string();
        assert!(shown.starts_with("commandes.csv: state ") && shown.contains("ledger.tsv: cannot write"), "{shown}");
        assert!(!shown.contains("out/commandes") && !shown.contains("read"), "{shown}");
    }
}
