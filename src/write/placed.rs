//! Where the records of each client created in a run sit in its Format Sage outputs, so that
//! a later order of the same customer with a new delivery address reads them back and writes
//! them again, completed. The writer owns this because only it knows the file's frame: a
//! record's position in the customers section becomes a position in the finished file once
//! the section is joined after the `#FLG`/`#VER` lines (`SageFile::customers_offset`).

use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use super::sage::SageFile;
use super::{Destination, Outputs};

/// A client's records in a Format Sage output: in the current input's customers section
/// (`file` 0) or in a finished output file (`files[file - 1]`). 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Placed {
    file: u32,
    len: u32,
    start: u64,
}

impl Placed {
    /// Not written (yet): no Format Sage output.
    const NOWHERE: Placed = Placed { file: u32::MAX, len: 0, start: 0 };
    /// A dry run's finished input: `start` is in the `Kept` store of `Destination::Nowhere`.
    const KEPT: u32 = u32::MAX - 1;
}

/// The placements of a run's created clients, by the resolver's created id (dense, from 0).
#[derive(Debug, Default)]
pub struct Placements {
    by_id: Vec<Placed>,
    /// Clients placed by the current input (their file is its Format Sage output), with where
    /// they were before, to come back to if the input fails.
    now: Vec<(u32, Placed)>,
    /// Finished Format Sage outputs holding created clients (`Placed::file` - 1).
    files: Vec<PathBuf>,
}

impl Placements {
    /// Remembers where client `id`'s records were just written in the current input's
    /// customers section (`range`: start and length, from `Outputs::client`).
    pub fn place(&mut self, id: u32, range: Option<(u64, u64)>) {
        let Some((start, len)) = range else { return };
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        if self.by_id.len() <= id as usize {
            self.by_id.resize(id as usize + 1, Placed::NOWHERE);
        }
        let before = std::mem::replace(&mut self.by_id[id as usize], Placed { file: 0, start, len });
        self.now.push((id, before));
    }

    /// The current input is finished: its customers section now sits in `sage` (its Format
    /// Sage output, after the frame lines of `version`), or, in a dry run, in the kept store.
    pub fn input_done(&mut self, sage: Option<&Path>, version: u32, dry: bool) {
        let now = std::mem::take(&mut self.now);
        if dry {
            // Nothing in a file: the clients stay where the dry run kept them.
            for (id, _) in now {
                if let Some(p) = self.by_id.get_mut(id as usize).filter(|p| p.file == 0) {
                    p.file = Placed::KEPT;
                }
            }
            return;
        }
        let Some(file) = sage else { return };
        self.files.push(file.to_path_buf());
        let n = self.files.len() as u32;
        let header = SageFile::customers_offset(version);
        for (id, _) in now {
            if let Some(p) = self.by_id.get_mut(id as usize).filter(|p| p.file == 0) {
                p.file = n;
                p.start += header;
            }
        }
    }

    /// The current input failed: its clients are back where they were before it.
    pub fn input_failed(&mut self) {
        for (id, before) in std::mem::take(&mut self.now).into_iter().rev() {
            if let Some(p) = self.by_id.get_mut(id as usize) {
                *p = before;
            }
        }
    }

    /// The bytes of client `id`'s records as last written, if they were written anywhere
    /// they can be read back from.
    pub fn read(&self, id: u32, out: &mut Outputs, dest: &Destination) -> io::Result<Option<Vec<u8>>> {
        let Some(p) = self.by_id.get(id as usize).copied() else { return Ok(None) };
        let bytes = match p.file {
            u32::MAX => return Ok(None),
            Placed::KEPT => match dest {
                Destination::Nowhere(kept) => kept.read(p.start, p.len as u64)?,
                Destination::Files => return Ok(None),
            },
            0 => out.read_client((p.start, p.len as u64))?,
            n => {
                let mut f = std::fs::File::open(&self.files[n as usize - 1])?;
                f.seek(io::SeekFrom::Start(p.start))?;
                let mut buf = vec![0u8; p.len as usize];
                f.read_exact(&mut buf)?;
                buf
            }
        };
        Ok(Some(bytes))
    }
}
