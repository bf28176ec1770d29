//! What a caller lends a long run: a clock for timings, a listener for
//! progress that can also stop the run, and how many threads it may use.
//!
//! The pipeline reads no clock and starts no thread on its own: the CLI
//! passes `Instant` and a thread count, the browser worker passes
//! `performance.now()` and a listener that posts progress to the page. None
//! of it changes a result: work split over threads is put back together in a
//! fixed order, so one thread and eight give the same bytes.

use crate::error::{Error, ErrorKind, Result};

/// How far a run has got: `done` of `total` steps of `stage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// `Sync` where there are threads. wasm32 has none ([`Control::map`] runs
/// everything on the calling thread there), so a browser worker's listener,
/// which posts to its page through handles that are not `Sync`, is lent as
/// it is, with no `unsafe` promise (the pattern of wgpu's `WasmNotSync`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` where there are threads; nothing in wasm32, which has none.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A clock: seconds from any fixed origin.
pub trait Clock: Fn() -> f64 + MaybeSync {}
impl<T: Fn() -> f64 + MaybeSync + ?Sized> Clock for T {}

/// A progress listener: told of progress, it returns `false` to cancel.
pub trait Listener: Fn(&Progress) -> bool + MaybeSync {}
impl<T: Fn(&Progress) -> bool + MaybeSync + ?Sized> Listener for T {}

/// The caller's clock, progress listener and thread budget. `Default` is no
/// clock, no listener, one thread.
#[derive(Clone, Copy, Default)]
pub struct Control<'a> {
    /// Seconds from any fixed origin.
    pub clock: Option<&'a dyn Clock>,
    /// Told of progress; returning `false` cancels the run.
    pub progress: Option<&'a dyn Listener>,
    /// Threads for independent work (folds, trials, trees, classes); 0 or 1
    /// runs everything on the calling thread. Ignored in wasm32, which has none.
    pub threads: usize,
}

impl Control<'_> {
    pub fn now(&self) -> f64 {
        self.clock.map_or(0.0, |c| c())
    }

    /// Reports progress; an error of kind `Cancelled` when the listener says stop.
    pub fn report(&self, stage: &'static str, done: usize, total: usize) -> Result<()> {
        match self.progress {
            Some(listen) if !listen(&Progress { stage, done, total }) => {
                Err(Error::new(ErrorKind::Cancelled, "cancelled"))
            }
            _ => Ok(()),
        }
    }

    /// The same control for work nested inside a step: it keeps the clock
    /// and the thread budget but reports nothing, so the outer stage's
    /// counts are the ones the person sees.
    pub fn quiet(&self) -> Control<'_> {
        Control { progress: None, ..*self }
    }

    /// Applies `f` to every item and returns the results in item order,
    /// spreading items over up to `threads` scoped threads and reporting each
    /// finished item as a step of `stage`. Every item's result depends only on
    /// the item, so the answer is the same for any thread count; the first
    /// error in item order wins, and after an error no new item starts.
    pub fn map<T: MaybeSync, R: Send>(
        &self,
        stage: &'static str,
        items: &[T],
        f: impl Fn(&T) -> Result<R> + MaybeSync,
    ) -> Result<Vec<R>> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let finished = AtomicUsize::new(0);
        let run = |item: &T| {
            f(item).and_then(|r| {
                let done = finished.fetch_add(1, Ordering::SeqCst) + 1;
                self.report(stage, done, items.len()).map(|()| r)
            })
        };
        #[cfg(not(target_arch = "wasm32"))]
        if self.threads.clamp(1, items.len().max(1)) > 1 {
            return self.map_on_threads(self.threads.min(items.len()), items, run);
        }
        // One thread: the first error ends the run, and no later item starts.
        items.iter().map(run).collect()
    }

    /// [`Control::map`]'s threads: each takes the next item until none is
    /// left or one failed; the results go back into item order.
    #[cfg(not(target_arch = "wasm32"))]
    fn map_on_threads<T: Sync, R: Send>(
        &self,
        threads: usize,
        items: &[T],
        run: impl Fn(&T) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let failed = AtomicBool::new(false);
        let run = |item: &T| {
            let r = run(item);
            if r.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            r
        };
        let next = AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<R>>> = (0..items.len()).map(|_| None).collect();
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        while !failed.load(Ordering::SeqCst) {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= items.len() {
                                break;
                            }
                            done.push((i, run(&items[i])));
                        }
                        done
                    })
                })
                .collect();
            for w in workers {
                for (i, r) in w.join().expect("a worker thread panicked") {
                    slots[i] = Some(r);
                }
            }
        });
        // Items after a failure may not have run; the failure comes first in order.
        let mut out = Vec::with_capacity(items.len());
        for slot in slots {
            match slot {
                Some(Ok(r)) => out.push(r),
                Some(Err(e)) => return Err(e),
                None => return Err(Error::new(ErrorKind::Cancelled, "cancelled")),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_item_order_for_any_thread_count() {
        let items: Vec<u64> = (0..50).collect();
        let square = |&i: &u64| Ok(i * i);
        let one = Control::default().map("item", &items, square).unwrap();
        for threads in [2, 3, 8] {
            assert_eq!(Control { threads, ..Control::default() }.map("item", &items, square).unwrap(), one);
        }
    }

    #[test]
    fn the_first_error_in_item_order_wins() {
        let items: Vec<u64> = (0..20).collect();
        let f = |&i: &u64| if i % 7 == 3 { Err(Error::new(ErrorKind::BadValue, format!("bad {i}"))) } else { Ok(i) };
        let e = Control { threads: 4, ..Control::default() }.map("item", &items, f).unwrap_err();
        assert_eq!(e.message(), "bad 3");
    }

    #[test]
    fn a_listener_that_says_stop_cancels() {
        let stop_after_2 = |p: &Progress| p.done < 2;
        let c = Control { progress: Some(&stop_after_2), ..Control::default() };
        assert!(c.report("fold", 1, 5).is_ok());
        assert_eq!(c.report("fold", 2, 5).unwrap_err().kind(), ErrorKind::Cancelled);
    }
}
