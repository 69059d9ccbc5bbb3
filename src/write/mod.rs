//! Writers of Sage import files and the atomic-file discipline they share.

pub mod atomic;
pub mod sage;

use std::io;
use std::path::{Path, PathBuf};

use crate::report::Warnings;
use crate::sage::Record;

/// Every file one input produces, fed the same records. Format Sage today; the import
/// paramétrable templates plug in here too. Nothing appears under a final name before
/// `finish`, and dropping an `Outputs` removes every temporary file.
pub struct Outputs {
    pub sage: Option<sage::SageFile>,
}

impl Outputs {
    /// Opens the outputs of one input: `out_dir/<stem>.txt` for Format Sage.
    pub fn create(out_dir: &Path, stem: &str, sage_version: u32) -> io::Result<Outputs> {
        let target = out_dir.join(format!("{stem}.txt"));
        Ok(Outputs { sage: Some(sage::SageFile::create(&target, sage_version)?) })
    }

    /// Final paths, for the report and for collision checks.
    pub fn targets(out_dir: &Path, stem: &str) -> Vec<PathBuf> {
        vec![out_dir.join(format!("{stem}.txt"))]
    }

    /// A new client: its #CCLI then its #CCDL records.
    pub fn client(&mut self, records: &[Record], subject: &str, w: &mut Warnings) -> io::Result<()> {
        if let Some(s) = self.sage.as_mut() {
            for r in records {
                s.customer_record(r, &format!("#{} {subject}", r.tag()), w)?;
            }
        }
        Ok(())
    }

    /// An existing client rewritten from its exported block: known records through their
    /// layout (unchanged fields verbatim), other children copied line by line.
    pub fn client_block(
        &mut self,
        block: &[crate::gescom::export::BlockRecord],
        subject: &str,
        w: &mut Warnings,
    ) -> io::Result<()> {
        use crate::gescom::export::BlockRecord;
        if let Some(s) = self.sage.as_mut() {
            for r in block {
                match r {
                    BlockRecord::Known(rec) => s.customer_record(rec, &format!("#{} {subject}", rec.tag()), w)?,
                    BlockRecord::Raw { tag, lines } => s.customer_raw(tag, lines)?,
                }
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.sage.as_ref().is_none_or(|s| s.is_empty())
    }

    /// Renames every file into place; returns the paths written.
    pub fn finish(self) -> io::Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        if let Some(s) = self.sage {
            let t = s.target().to_path_buf();
            s.finish()?;
            done.push(t);
        }
        Ok(done)
    }
}
