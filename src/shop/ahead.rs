//! Reading an input on a second thread while the first converts what was read: parsing the
//! export (CSV, UTF-8 checks, amounts, dates) is about a third of a conversion's work, and
//! the machines passerelle runs on have two cores or more.
//!
//! The records come back in their order, each with the warnings its reading gave (noted by a
//! `Warnings::deferred` list and replayed just before the record is handed on), so the
//! report is the one a reading on the same thread gives, entry for entry. The reader stays
//! at most `DEPTH` batches ahead: memory does not depend on the file's size. When the
//! consumer stops (an error), the reader stops at its next batch.

use std::cell::Cell;
use std::sync::mpsc;

use crate::error::InputError;
use crate::report::{Deferred, Warnings};

/// Records handed over at once: an exchange may wake the other thread, which costs far more
/// than a record, so they go by batches.
const BATCH: usize = 256;
/// Batches the reader may be ahead.
const DEPTH: usize = 3;

thread_local! {
    /// On the reader's thread: its last batch found the consumer's queue full.
    static BEHIND: Cell<bool> = const { Cell::new(false) };
}

/// Whether the consumer sets the pace: the reader's last batch had to wait for room. Work
/// either thread can do is then best done by the reader (`convert` makes new clients' texts
/// there), which would wait anyway; when the reader sets the pace, by the consumer. `false`
/// off the reader's thread.
pub fn consumer_behind() -> bool {
    BEHIND.with(Cell::get)
}

/// One `next` of the reader: its result and the warnings it gave.
struct Step<T> {
    item: Result<Option<T>, InputError>,
    notes: Vec<Deferred>,
}

/// Calls `each` with every record `next` reads from `reader`, `next` running on another
/// thread. The warnings `next` gives go to `w` as if it had been given `w`. Stops at the end
/// of the input, at the first error of `next` (returned, after the records read before it),
/// or at the first error of `each`. `each` may take the record (`std::mem::take`); what it
/// leaves is freed on the reader's thread.
pub fn each<R, T, N, E>(reader: &mut R, w: &mut Warnings, next: N, each: E) -> Result<(), InputError>
where
    R: Send,
    T: Send,
    N: FnMut(&mut R, &mut Warnings) -> Result<Option<T>, InputError> + Send,
    E: FnMut(&mut T, &mut Warnings) -> Result<(), InputError>,
{
    each_recycling(reader, w, next, None::<fn(&mut R, T)>, each)
}

/// `each`, where what `each` leaves of a record is handed to `recycle` with the reader, on
/// the reader's thread, once the record's batch is back, instead of being freed: a reader
/// can fill it again and spare the allocations of a new one. A record is recycled at most
/// once, after `each` saw it; the records of a batch still in flight when the run stops,
/// and those after an error, are freed. Without `recycle` (`each`), a batch back is emptied
/// at once rather than record by record (records can be large: moving each out costs).
pub fn each_recycling<R, T, N, C, E>(
    reader: &mut R,
    w: &mut Warnings,
    mut next: N,
    mut recycle: Option<C>,
    mut each: E,
) -> Result<(), InputError>
where
    R: Send,
    T: Send,
    N: FnMut(&mut R, &mut Warnings) -> Result<Option<T>, InputError> + Send,
    C: FnMut(&mut R, T) + Send,
    E: FnMut(&mut T, &mut Warnings) -> Result<(), InputError>,
{
    let input = w.input.clone();
    let ahead = std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<Step<T>>>(DEPTH);
        // Batches handed on go back to the reader, which empties and reuses them.
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<Step<T>>>();
        let (reader, next, recycle) = (&mut *reader, &mut next, recycle.as_mut());
        let spawned = std::thread::Builder::new()
            .name("passerelle-reader".into())
            .spawn_scoped(scope, move || read(reader, input, next, recycle, full_tx, empty_rx));
        if spawned.is_err() {
            // No thread to be had (a system at its limit): read on this one, below.
            return None;
        }
        for mut batch in full_rx.iter() {
            for step in batch.iter_mut() {
                w.replay(std::mem::take(&mut step.notes));
                match &mut step.item {
                    Ok(Some(record)) => {
                        if let Err(e) = each(record, w) {
                            return Some(Err(e));
                        }
                    }
                    Ok(None) => return Some(Ok(())),
                    Err(_) => return Some(std::mem::replace(&mut step.item, Ok(None)).map(|_| ())),
                }
            }
            // The records go back too: freed by the thread that made them, which costs less.
            let _ = empty_tx.send(batch);
        }
        // The reader ended without saying so: it panicked, and the scope passes the panic on.
        Some(Ok(()))
    });
    match ahead {
        Some(done) => done,
        None => {
            while let Some(mut record) = next(reader, w)? {
                each(&mut record, w)?;
                if let Some(recycle) = recycle.as_mut() {
                    recycle(reader, record);
                }
            }
            Ok(())
        }
    }
}

/// The reader's side: batches of steps until the end, an error, or a consumer that left.
fn read<R, T, N, C>(
    reader: &mut R,
    input: String,
    mut next: N,
    mut recycle: Option<C>,
    full: mpsc::SyncSender<Vec<Step<T>>>,
    empty: mpsc::Receiver<Vec<Step<T>>>,
) where
    N: FnMut(&mut R, &mut Warnings) -> Result<Option<T>, InputError>,
    C: FnMut(&mut R, T),
{
    let mut notes = Warnings::deferred(input);
    loop {
        let mut batch = empty.try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH));
        // A batch comes back whole: the consumer saw every record of it.
        match recycle.as_mut() {
            Some(recycle) => {
                for step in batch.drain(..) {
                    if let Ok(Some(record)) = step.item {
                        recycle(reader, record);
                    }
                }
            }
            None => batch.clear(),
        }
        let mut last = false;
        while batch.len() < BATCH && !last {
            let item = next(reader, &mut notes);
            last = !matches!(item, Ok(Some(_)));
            batch.push(Step { item, notes: notes.take_deferred() });
        }
        let sent = match full.try_send(batch) {
            Ok(()) => {
                BEHIND.set(false);
                true
            }
            Err(mpsc::TrySendError::Full(batch)) => {
                BEHIND.set(true);
                full.send(batch).is_ok()
            }
            Err(mpsc::TrySendError::Disconnected(_)) => false,
        };
        if !sent || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warning_kind::WarningKind;

    /// Numbers 1..=n, a warning on every third, an error at `fail` if given.
    fn numbers(n: u32, fail: Option<u32>) -> impl FnMut(&mut u32, &mut Warnings) -> Result<Option<u32>, InputError> {
        move |at, w| {
            *at += 1;
            if Some(*at) == fail {
                return Err(InputError::Other { path: "x.csv".into(), message: format!("bad {at}") });
            }
            if *at % 3 == 0 {
                w.push(WarningKind::Guessed, &format!("record {at}"), "f", format!("third {}", *at % 2));
            }
            Ok((*at <= n).then_some(*at))
        }
    }

    #[test]
    fn records_and_warnings_come_as_on_one_thread() {
        for n in [0, 1, 63, 64, 65, 1000] {
            let mut one = Warnings::new("x.csv");
            let (mut at, mut seen_one) = (0, Vec::new());
            let mut next = numbers(n, None);
            while let Some(r) = next(&mut at, &mut one).unwrap() {
                seen_one.push((r, one.len()));
                one.push(WarningKind::Truncated, &format!("record {r}"), "g", "consumer");
            }
            let mut two = Warnings::new("x.csv");
            let (mut at, mut seen_two) = (0, Vec::new());
            each(&mut at, &mut two, numbers(n, None), |r, w| {
                seen_two.push((*r, w.len()));
                w.push(WarningKind::Truncated, &format!("record {r}"), "g", "consumer");
                Ok(())
            })
            .unwrap();
            assert_eq!(seen_one, seen_two, "n = {n}");
            let list = |w: &Warnings| {
                w.list.iter().map(|x| (x.kind, x.record.clone(), x.message.clone(), x.count)).collect::<Vec<_>>()
            };
            assert_eq!(list(&one), list(&two), "n = {n}");
        }
    }

    #[test]
    fn an_error_of_the_reader_comes_after_the_records_before_it() {
        let mut w = Warnings::new("x.csv");
        let mut got = Vec::new();
        let r = each(&mut 0, &mut w, numbers(500, Some(200)), |r, _| {
            got.push(*r);
            Ok(())
        });
        assert!(matches!(r, Err(InputError::Other { ref message, .. }) if message == "bad 200"));
        assert_eq!(got, (1..200).collect::<Vec<_>>());
    }

    #[test]
    fn an_error_of_the_consumer_stops_the_reader() {
        let mut w = Warnings::new("x.csv");
        let mut read = 0;
        let r = each(&mut read, &mut w, numbers(u32::MAX - 1, None), |r, _| {
            if *r == 10 { Err(InputError::Other { path: "x.csv".into(), message: "stop".into() }) } else { Ok(()) }
        });
        assert!(r.is_err());
        // The reader stopped within a few batches of the consumer, not at the end.
        assert!(read < 10 + (DEPTH as u32 + 3) * BATCH as u32, "{read}");
    }

    /// Records come back to the reader once each, after the consumer saw them, in their order;
    /// all but the last batches' (still in flight at the end) come back.
    #[test]
    fn records_come_back_to_the_reader_after_the_consumer() {
        let n = 10 * BATCH as u32 + 7;
        let seen = std::sync::Mutex::new(Vec::new());
        let mut reader = (0u32, Vec::new());
        let mut w = Warnings::new("x.csv");
        each_recycling(
            &mut reader,
            &mut w,
            |(at, _): &mut (u32, Vec<u32>), _: &mut Warnings| {
                *at += 1;
                Ok((*at <= n).then_some(*at))
            },
            Some(|(_, back): &mut (u32, Vec<u32>), r: u32| {
                assert!(seen.lock().unwrap().contains(&r), "{r} back before the consumer saw it");
                back.push(r);
            }),
            |r, _| {
                seen.lock().unwrap().push(*r);
                Ok(())
            },
        )
        .unwrap();
        let back = reader.1;
        assert_eq!(back, (1..=back.len() as u32).collect::<Vec<_>>());
        assert!(back.len() >= (n as usize).saturating_sub((DEPTH + 2) * BATCH), "{} back", back.len());
    }

    /// The reader learns that the consumer sets the pace when a batch finds the queue full
    /// (a consumer held on its first record until the reader has filled the queue), and only
    /// on its own thread; what it says changes no record.
    #[test]
    fn the_reader_knows_when_the_consumer_is_behind() {
        let n = (DEPTH as u32 + 4) * BATCH as u32;
        let read = std::sync::atomic::AtomicU32::new(0);
        let behind = std::sync::Mutex::new(Vec::new());
        let mut w = Warnings::new("x.csv");
        let mut got = Vec::new();
        let next = |at: &mut u32, _: &mut Warnings| {
            *at += 1;
            read.store(*at, std::sync::atomic::Ordering::Relaxed);
            behind.lock().unwrap().push((*at, consumer_behind()));
            Ok((*at <= n).then_some(*at))
        };
        each(&mut 0, &mut w, next, |r, _| {
            assert!(!consumer_behind(), "not on the consumer's thread");
            if *r == 1 {
                // The reader fills the queue (DEPTH batches) and reads one more batch.
                while read.load(std::sync::atomic::Ordering::Relaxed) < (DEPTH as u32 + 2) * BATCH as u32 {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            got.push(*r);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, (1..=n).collect::<Vec<_>>());
        let behind = behind.into_inner().unwrap();
        assert!(behind.iter().take(BATCH).all(|&(_, b)| !b), "the first batch waits for nothing");
        let after = (DEPTH as u32 + 2) * BATCH as u32;
        assert!(behind.iter().any(|&(at, b)| at > after && b), "the batch after a full queue knows it");
    }
}
