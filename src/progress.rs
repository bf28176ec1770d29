//! How far a run has got, as the status line says it. Plain data with no
//! browser in it, so its arithmetic is tested natively (the app's other
//! modules exist only for wasm32).

/// How far a training or comparison run has got: the stage, its jobs done
/// and in all, and when (on the page's clock, in ms) the run began. Times are the page's own, not the workers': a stage's estimate
/// once divided the whole run's seconds by the stage's jobs ("3918.7 s
/// left" for a stage that ended in 15 s), and the elapsed time stood still
/// between messages.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    pub stage: String,
    pub done: usize,
    pub total: usize,
    pub run_started_ms: f64,
    /// When the stage's first jobs were done, and how many: the estimate
    /// runs from there, as a stage's start (a worker reading the file,
    /// preparing the split) said nothing of its pace; after one tree in
    /// 1.8 s a stage of 100 was once put at three minutes.
    pub first: Option<(f64, usize)>,
}

impl RunProgress {
    /// The progress after `previous` once `done` of `total` jobs of `stage`
    /// are done at `now_ms`. `paced` says every worker of the stage has
    /// finished a job: the estimate's clock starts then, not at the first
    /// worker's first job (a second worker still compiling its module once
    /// made 2 trees of 100 in 2.5 s read "about 2 min left" for a stage
    /// that took 20 s).
    pub fn after(
        previous: Option<&RunProgress>,
        stage: String,
        done: usize,
        total: usize,
        run_started_ms: f64,
        now_ms: f64,
        paced: bool,
    ) -> RunProgress {
        let first = match previous {
            Some(p) if p.stage == stage && p.total == total => p.first,
            _ => None,
        };
        let first = first.or((paced && done > 0).then_some((now_ms, done)));
        RunProgress { stage, done, total, run_started_ms, first }
    }

    /// "cross-validation fold 3 of 5 · 4.2 s · about 3 s left in this stage" at `now_ms`.
    pub fn text(&self, now_ms: f64) -> String {
        let elapsed = (now_ms - self.run_started_ms).max(0.0) / 1000.0;
        // An estimate needs a tenth of the stage's jobs (two at least) done
        // since the clock started, and a second of them: a worker's first
        // jobs run before the browser has optimised its code (wasm tiers
        // up while it runs), and one tree in 1.2 s once put a stage of 100
        // that took 20 s at "about 2 min 03 s".
        let needed = self.total.div_ceil(10).max(2);
        let left = self
            .first
            .filter(|&(t0, d0)| self.done >= d0 + needed && self.done < self.total && now_ms - t0 >= 1000.0)
            .map(|(t0, d0)| {
                let left = (now_ms - t0) / 1000.0 / (self.done - d0) as f64 * (self.total - self.done) as f64;
                format!(" · about {} left in this stage", seconds(left))
            });
        format!("{} {} of {} · {:.1} s{}", self.stage, self.done, self.total, elapsed, left.unwrap_or_default())
    }
}

/// A duration as a person reads it: "4 s", "2 min 05 s".
pub fn seconds(s: f64) -> String {
    let s = s.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::RunProgress;

    /// Each step: jobs done, at ms, whether every worker has finished one;
    /// then the text at the last step's time.
    fn check(steps: &[(usize, f64, bool)], expected: &str) {
        let mut p: Option<RunProgress> = None;
        for &(done, now, paced) in steps {
            p = Some(RunProgress::after(p.as_ref(), "tree (2 workers)".into(), done, 100, 0.0, now, paced));
        }
        assert_eq!(p.unwrap().text(steps.last().unwrap().1), expected);
    }

    #[test]
    fn a_second_worker_still_starting_gives_no_estimate() {
        // What the CI run saw: one tree each from two workers 1.2 s apart.
        check(&[(1, 1300.0, false), (2, 2500.0, true)], "tree (2 workers) 2 of 100 · 2.5 s");
    }

    #[test]
    fn one_slow_job_after_the_start_gives_no_estimate() {
        // What the next CI run saw: the third tree 1.2 s after the second,
        // read as "about 2 min 03 s left".
        check(&[(1, 1300.0, false), (2, 1700.0, true), (3, 2900.0, true)], "tree (2 workers) 3 of 100 · 2.9 s");
        check(&[(2, 1700.0, true), (11, 3700.0, true)], "tree (2 workers) 11 of 100 · 3.7 s");
    }

    #[test]
    fn the_estimate_runs_from_when_every_worker_is_going() {
        // From 2 at 2.5 s to 12 at 4.5 s: 5 trees a second, 88 left.
        check(
            &[(1, 1300.0, false), (2, 2500.0, true), (12, 4500.0, true)],
            "tree (2 workers) 12 of 100 · 4.5 s · about 18 s left in this stage",
        );
    }

    #[test]
    fn a_short_stage_needs_two_jobs_for_an_estimate() {
        let p = RunProgress::after(None, "fold".into(), 1, 5, 0.0, 1000.0, true);
        let p = RunProgress::after(Some(&p), "fold".into(), 2, 5, 0.0, 3000.0, true);
        assert_eq!(p.text(3000.0), "fold 2 of 5 · 3.0 s");
        let p = RunProgress::after(Some(&p), "fold".into(), 3, 5, 0.0, 5000.0, true);
        assert_eq!(p.text(5000.0), "fold 3 of 5 · 5.0 s · about 4 s left in this stage");
    }

    #[test]
    fn a_new_stage_starts_its_own_clock() {
        let p = RunProgress::after(None, "a".into(), 5, 10, 0.0, 1000.0, true);
        let p = RunProgress::after(Some(&p), "b".into(), 1, 10, 0.0, 9000.0, true);
        assert_eq!(p.first, Some((9000.0, 1)));
    }
}
