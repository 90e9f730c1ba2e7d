//! Running many image builds: a DAG of jobs (a job waits for the jobs whose
//! images it reads), at most `-j N` at once, a failure skipping the jobs that
//! depend on it and nothing else.

pub mod bake;
pub mod fleet;
pub mod stack;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::builder::daemon::Daemon;
use crate::builder::exec::Cancel;
use crate::builder::job::{ImageSpec, Outcome, Settings};
use crate::builder::progress::{Emitter, Event, JobResult};
use crate::dockerfile::Dockerfile;

/// One node of the plan.
#[derive(Clone, Debug)]
pub struct PlannedJob {
    pub spec: ImageSpec,
    /// Indexes of the jobs this one waits for.
    pub deps: Vec<usize>,
    /// Why this job cannot run at all (found while planning): it fails
    /// without being sent.
    pub blocked: Option<String>,
}

/// A dependency cycle, as the names along it (`a → b → a`).
pub fn find_cycle(names: &[String], deps: &[Vec<usize>]) -> Option<Vec<String>> {
    // 0 = unvisited, 1 = on the stack, 2 = done
    fn visit(
        n: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[n] = 1;
        stack.push(n);
        for &d in &deps[n] {
            if state[d] == 1 {
                let from = stack.iter().position(|&x| x == d).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(d);
                return Some(cycle);
            }
            if state[d] == 0 {
                if let Some(c) = visit(d, deps, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[n] = 2;
        None
    }
    let mut state = vec![0u8; deps.len()];
    for n in 0..deps.len() {
        if state[n] == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, deps, &mut state, &mut stack) {
                // Report the cycle in dependency order: a needs b needs a.
                return Some(c.into_iter().map(|i| names[i].clone()).collect());
            }
        }
    }
    None
}

fn job_result(o: &Outcome) -> JobResult {
    match o {
        Outcome::Built {
            image_id,
            secs,
            bytes,
            ..
        } => JobResult::Built {
            image_id: image_id.clone(),
            secs: *secs,
            bytes: *bytes,
        },
        Outcome::Cached { image_id, .. } => JobResult::Cached {
            image_id: image_id.clone(),
        },
        Outcome::Failed {
            summary,
            secs,
            cancelled,
            ..
        } => JobResult::Failed {
            message: summary.clone(),
            secs: *secs,
            cancelled: *cancelled,
        },
        Outcome::Skipped { reason } => JobResult::Skipped {
            reason: reason.clone(),
        },
    }
}

/// What both schedulers ([`run_all`], [`fleet::run_on_nodes`]) keep of a
/// run: each job's outcome once known, the jobs sent, and a `Finished`
/// event sent as each outcome is decided here.
struct Ledger<'a> {
    jobs: &'a [PlannedJob],
    outcomes: Vec<Option<Outcome>>,
    started: BTreeSet<usize>,
    events: crate::builder::progress::Sender,
}

impl<'a> Ledger<'a> {
    /// A ledger whose jobs blocked while planning have failed already.
    fn new(jobs: &'a [PlannedJob], events: crate::builder::progress::Sender) -> Ledger<'a> {
        let mut ledger = Ledger {
            jobs,
            outcomes: vec![None; jobs.len()],
            started: BTreeSet::new(),
            events,
        };
        for (i, j) in jobs.iter().enumerate() {
            if let Some(why) = &j.blocked {
                let o = Outcome::Failed {
                    summary: why.clone(),
                    report: format!("error: {}: {why}\n", j.spec.name),
                    cancelled: false,
                    could_not_run: false,
                    secs: None,
                };
                ledger.finish(i, o);
            }
        }
        ledger
    }

    /// Job `i` ended with `o`: the `Finished` event, then the outcome kept.
    fn finish(&mut self, i: usize, o: Outcome) {
        self.events.send(Event::Finished {
            job: i,
            result: job_result(&o),
        });
        self.outcomes[i] = Some(o);
    }

    /// Neither ended nor sent.
    fn waiting(&self, i: usize) -> bool {
        self.outcomes[i].is_none() && !self.started.contains(&i)
    }

    /// Every job it depends on has its image.
    fn ready(&self, i: usize) -> bool {
        self.jobs[i].deps.iter().all(|&d| {
            matches!(
                self.outcomes[d],
                Some(Outcome::Built { .. }) | Some(Outcome::Cached { .. })
            )
        })
    }

    /// Skips the waiting jobs that depend on a failed or skipped job, and
    /// the jobs that depend on those, and so on.
    fn skip_dependents_of_failures(&mut self) {
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..self.jobs.len() {
                if !self.waiting(i) {
                    continue;
                }
                let bad = self.jobs[i].deps.iter().find(|&&d| {
                    matches!(
                        self.outcomes[d],
                        Some(Outcome::Failed { .. }) | Some(Outcome::Skipped { .. })
                    )
                });
                if let Some(&d) = bad {
                    let why = match &self.outcomes[d] {
                        Some(Outcome::Failed {
                            cancelled: true, ..
                        }) => "was cancelled",
                        Some(Outcome::Failed { .. }) => "failed",
                        _ => "was skipped",
                    };
                    let o = Outcome::Skipped {
                        reason: format!("it needs `{}`, which {why}", self.jobs[d].spec.name),
                    };
                    self.finish(i, o);
                    changed = true;
                }
            }
        }
    }

    /// Job `i` ends cancelled without being sent.
    fn cancel(&mut self, i: usize) {
        let o = Outcome::Failed {
            summary: "cancelled".to_string(),
            report: String::new(),
            cancelled: true,
            could_not_run: false,
            secs: None,
        };
        self.finish(i, o);
    }

    /// A sent job whose task panicked: reported against the first sent job
    /// still without an outcome. Returns that job.
    fn panicked(&mut self, e: tokio::task::JoinError) -> Option<usize> {
        let msg = format!("internal error: {e}");
        let i = (0..self.jobs.len())
            .find(|i| self.started.contains(i) && self.outcomes[*i].is_none())?;
        self.outcomes[i] = Some(Outcome::Failed {
            summary: msg.clone(),
            report: format!("error: {msg}\n"),
            cancelled: false,
            could_not_run: false,
            secs: None,
        });
        Some(i)
    }

    /// Nothing running and nothing can start: whatever has not ended is
    /// skipped (only possible with a cycle, which the planner refuses).
    fn end_the_rest(&mut self) {
        for i in 0..self.jobs.len() {
            if self.outcomes[i].is_none() {
                let reason = "its dependencies form a cycle".to_string();
                self.finish(i, Outcome::Skipped { reason });
            }
        }
    }

    fn all_ended(&self) -> bool {
        self.outcomes.iter().all(Option::is_some)
    }

    fn into_outcomes(self) -> Vec<Outcome> {
        self.outcomes
            .into_iter()
            .map(|o| o.expect("every job ends"))
            .collect()
    }
}

/// Runs every job, `parallel` at a time, each after the jobs it depends on.
/// Returns one outcome per job, in job order. Emits a `Finished` event per
/// job. The jobs' dependencies must not form a cycle ([`find_cycle`]).
pub async fn run_all(
    daemon: Arc<Daemon>,
    jobs: Vec<PlannedJob>,
    settings: Settings,
    parallel: usize,
    events: crate::builder::progress::Sender,
    cancel: Cancel,
) -> Vec<Outcome> {
    let n = jobs.len();
    let parallel = parallel.max(1);
    let jobs = Arc::new(jobs);
    let settings = Arc::new(settings);
    let mut ledger = Ledger::new(&jobs, events.clone());
    let mut running = tokio::task::JoinSet::new();
    loop {
        ledger.skip_dependents_of_failures();
        // Start what is ready.
        for i in 0..n {
            if running.len() >= parallel {
                break;
            }
            if !ledger.waiting(i) || !ledger.ready(i) {
                continue;
            }
            if cancel.is_cancelled() {
                ledger.cancel(i);
                continue;
            }
            ledger.started.insert(i);
            let daemon = daemon.clone();
            let jobs = jobs.clone();
            let settings = settings.clone();
            let emit = Emitter::new(i, events.clone());
            let mut cancel = cancel.clone();
            running.spawn(async move {
                let o = crate::builder::job::build_one(
                    &daemon,
                    &jobs[i].spec,
                    &settings,
                    &emit,
                    &mut cancel,
                )
                .await;
                emit.send(Event::Finished {
                    job: i,
                    result: job_result(&o),
                });
                (i, o)
            });
        }
        match running.join_next().await {
            Some(Ok((i, o))) => ledger.outcomes[i] = Some(o),
            Some(Err(e)) => {
                ledger.panicked(e);
            }
            None => {
                if !ledger.all_ended() {
                    ledger.end_the_rest();
                }
                break;
            }
        }
    }
    ledger.into_outcomes()
}

/// Reads and parses a job's Dockerfile (`shown` is its path as the user
/// sees it); the error is why the job cannot run, at `file:line:col`.
pub(crate) fn read_dockerfile(path: &std::path::Path, shown: &str) -> Result<Dockerfile, String> {
    let bytes = crate::input::read_input(path)
        .map_err(|e| format!("cannot read the Dockerfile {shown}: {e}"))?;
    crate::dockerfile::parse_bytes(bytes).map_err(|e| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lc = crate::span::LineIndex::new(&text).line_col(&text, e.span.start);
        format!("{shown}:{}:{}: {}", lc.line, lc.column, e.message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_named_in_order() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(find_cycle(&names, &[vec![1], vec![2], vec![]]), None);
        assert_eq!(
            find_cycle(&names, &[vec![1], vec![2], vec![0]]),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        assert_eq!(
            find_cycle(&names, &[vec![], vec![1], vec![]]),
            Some(vec!["b".into(), "b".into()])
        );
    }
}
