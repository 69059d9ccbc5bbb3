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

    /// In 8 bytes, as a run keeps it (one per created client: half the memory of `Placed`):
    /// file in the top 12 bits (`KEPT` as 0xFFE), length in the next 20, start in the low 32.
    /// `None` when it does not fit (a client's records over 1 MiB, a section past 4 GiB, a
    /// run of 4,000 outputs): kept whole aside (`Placements::over`).
    fn pack(self) -> Option<u64> {
        if self.file == u32::MAX {
            return Some(SLOT_NOWHERE);
        }
        let file = match self.file {
            Placed::KEPT => 0xFFE,
            f if f < 0xFFE => u64::from(f),
            _ => return None,
        };
        (self.len < 1 << 20 && self.start < 1 << 32).then_some(file << 52 | u64::from(self.len) << 32 | self.start)
    }

    fn unpack(v: u64) -> Placed {
        if v == SLOT_NOWHERE {
            return Placed::NOWHERE;
        }
        let file = match v >> 52 {
            0xFFE => Placed::KEPT,
            f => f as u32,
        };
        Placed { file, len: ((v >> 32) & 0xF_FFFF) as u32, start: v & 0xFFFF_FFFF }
    }
}

/// Slots no packed placement can equal (their top 12 bits are 0xFFF).
const SLOT_NOWHERE: u64 = u64::MAX;
const SLOT_OVER: u64 = u64::MAX - 1;

/// The placements of a run's created clients, by the resolver's created id (dense, from 0).
#[derive(Debug, Default)]
pub struct Placements {
    /// Packed (`Placed::pack`), or `SLOT_OVER` for those in `over`.
    by_id: crate::strindex::Chunked<u64>,
    over: rustc_hash::FxHashMap<u32, Placed>,
    /// `by_id`'s length when the current input started: the clients placed from there on
    /// were placed nowhere before it, so undoing them is cutting `by_id` back.
    first: usize,
    /// Clients below `first` placed again by the current input (a client created by an
    /// earlier input, rewritten), with where they were before, to come back to if the input
    /// fails.
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
            self.by_id.resize(id as usize + 1, SLOT_NOWHERE);
        }
        let before = self.get(id).unwrap_or(Placed::NOWHERE);
        self.put(id, Placed { file: 0, start, len });
        if (id as usize) < self.first {
            self.now.push((id, before));
        }
    }

    fn get(&self, id: u32) -> Option<Placed> {
        let v = *self.by_id.get(id as usize)?;
        Some(if v == SLOT_OVER { self.over[&id] } else { Placed::unpack(v) })
    }

    /// Sets the placement of `id`, a slot `by_id` has.
    fn put(&mut self, id: u32, p: Placed) {
        let slot = &mut self.by_id[id as usize];
        if *slot == SLOT_OVER {
            self.over.remove(&id);
        }
        *slot = p.pack().unwrap_or_else(|| {
            self.over.insert(id, p);
            SLOT_OVER
        });
    }

    /// Applies `f` to each client the current input placed (in its customers section:
    /// `file` 0), then starts the next input.
    fn input_end(&mut self, mut f: impl FnMut(&mut Placed)) {
        let mut apply = |this: &mut Placements, id: u32| {
            if let Some(mut p) = this.get(id).filter(|p| p.file == 0) {
                f(&mut p);
                this.put(id, p);
            }
        };
        for (id, _) in std::mem::take(&mut self.now) {
            apply(self, id);
        }
        for i in self.first..self.by_id.len() {
            apply(self, i as u32);
        }
        self.first = self.by_id.len();
    }

    /// The current input is finished: its customers section now sits in `sage` (its Format
    /// Sage output, after the frame lines of `version`), or, in a dry run, in the kept store.
    pub fn input_done(&mut self, sage: Option<&Path>, version: u32, dry: bool) {
        if dry {
            // Nothing in a file: the clients stay where the dry run kept them.
            return self.input_end(|p| p.file = Placed::KEPT);
        }
        let Some(file) = sage else { return self.input_end(|_| ()) };
        self.files.push(file.to_path_buf());
        let n = self.files.len() as u32;
        let header = SageFile::customers_offset(version);
        self.input_end(|p| {
            p.file = n;
            p.start += header;
        });
    }

    /// The current input failed: its clients are back where they were before it.
    pub fn input_failed(&mut self) {
        for (id, before) in std::mem::take(&mut self.now).into_iter().rev() {
            if (id as usize) < self.by_id.len() {
                self.put(id, before);
            }
        }
        self.by_id.truncate(self.first);
        let first = self.first;
        self.over.retain(|&id, _| (id as usize) < first);
    }

    /// The bytes of client `id`'s records as last written, if they were written anywhere
    /// they can be read back from.
    pub fn read(&self, id: u32, out: &mut Outputs, dest: &Destination) -> io::Result<Option<Vec<u8>>> {
        let Some(p) = self.get(id) else { return Ok(None) };
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// What `by_id` says of each client (`NOWHERE` entries left out).
    fn view(p: &Placements) -> HashMap<u32, (u32, u64, u32)> {
        (0..p.by_id.len())
            .map(|i| (i, p.get(i as u32).unwrap()))
            .filter(|(_, x)| x.file != u32::MAX)
            .map(|(i, x)| (i as u32, (x.file, x.start, x.len)))
            .collect()
    }

    #[test]
    fn a_placement_packs_or_is_kept_aside() {
        let files = [0, 1, 0xFFD, 0xFFE, 0xFFF, 70_000, Placed::KEPT];
        for file in files {
            for start in [0, 1, (1 << 32) - 1, 1 << 32, u64::MAX] {
                for len in [0, 1, (1 << 20) - 1, 1 << 20, u32::MAX] {
                    let p = Placed { file, start, len };
                    let fits = (file < 0xFFE || file == Placed::KEPT) && start < 1 << 32 && len < 1 << 20;
                    match p.pack() {
                        Some(v) => {
                            assert!(fits, "{p:?} packed");
                            assert!(v != SLOT_OVER && v != SLOT_NOWHERE, "{p:?} as a sentinel");
                            let back = Placed::unpack(v);
                            assert_eq!((back.file, back.start, back.len), (file, start, len));
                        }
                        None => assert!(!fits, "{p:?} kept aside"),
                    }
                }
            }
        }
        assert_eq!(Placed::NOWHERE.pack(), Some(SLOT_NOWHERE));
        assert_eq!(Placed::unpack(SLOT_NOWHERE).file, u32::MAX);
        let mut p = Placements::default();
        p.place(3, Some((1 << 40, 12)));
        p.place(4, Some((5, 6)));
        assert_eq!(p.over.len(), 1);
        assert_eq!(view(&p)[&3], (0, 1 << 40, 12));
        p.place(3, Some((7, 8)));
        assert!(p.over.is_empty(), "placed again, in 8 bytes: nothing left aside");
    }

    #[test]
    fn inputs_that_fail_leave_placements_as_they_found_them() {
        // Inputs of a run, some failing, placing new clients and again clients of earlier
        // inputs; against a model that copies everything at each input's start.
        let mut p = Placements::default();
        let mut model: HashMap<u32, (u32, u64, u32)> = HashMap::new();
        let mut created = 0u32;
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let dir = tempfile::tempdir().unwrap();
        for input in 0..60u64 {
            let before = model.clone();
            for _ in 0..next(40) {
                // A new client, or one created earlier (placed or not).
                let id = if created == 0 || next(3) == 0 {
                    created += 1;
                    created - 1
                } else {
                    next(created as u64) as u32
                };
                // Some past what packs in 8 bytes (see `Placed::pack`), or just below it
                // (an input's end adds the frame's head to the start).
                let start = if next(6) == 0 { (1 << 32) - next(40) } else { next(10_000) };
                let len = if next(6) == 0 { (1 << 20) - 2 + next(4) } else { 1 + next(300) };
                p.place(id, Some((start, len)));
                model.insert(id, (0, start, len as u32));
            }
            match next(4) {
                0 => {
                    p.input_failed();
                    model = before;
                }
                1 => {
                    p.input_done(None, 2, true);
                    model.values_mut().filter(|v| v.0 == 0).for_each(|v| v.0 = Placed::KEPT);
                }
                _ => {
                    p.input_done(Some(&dir.path().join(format!("{input}.txt"))), 2, false);
                    let (n, header) = (p.files.len() as u32, SageFile::customers_offset(2));
                    model.values_mut().filter(|v| v.0 == 0).for_each(|v| *v = (n, v.1 + header, v.2));
                }
            }
            assert_eq!(view(&p), model, "after input {input}");
            assert!(p.over.keys().all(|&id| p.by_id.get(id as usize) == Some(&SLOT_OVER)), "nothing stale aside");
        }
    }
}
