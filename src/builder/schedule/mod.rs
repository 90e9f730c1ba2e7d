//! Running many image builds: a DAG of jobs (a job waits for the jobs whose
//! images it reads), at most `-j N` at once, a failure skipping the jobs that
//! depend on it and nothing else.

pub mod stack;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::builder::daemon::Daemon;
use crate::builder::exec::Cancel;
use crate::builder::job::{ImageSpec, Outcome, Settings};
use crate::builder::progress::{Emitter, Event, JobResult};

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
        Outcome::Failed { summary, .. } => JobResult::Failed {
            message: summary.clone(),
        },
        Outcome::Skipped { reason } => JobResult::Skipped {
            reason: reason.clone(),
        },
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
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut started: BTreeSet<usize> = BTreeSet::new();
    let mut running = tokio::task::JoinSet::new();
    for (i, j) in jobs.iter().enumerate() {
        if let Some(why) = &j.blocked {
            let o = Outcome::Failed {
                summary: why.clone(),
                report: format!("error: {}: {why}\n", j.spec.name),
                cancelled: false,
                could_not_run: false,
            };
            events.send(Event::Finished {
                job: i,
                result: job_result(&o),
            });
            outcomes[i] = Some(o);
        }
    }
    loop {
        // Skip jobs whose dependencies failed or were skipped.
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if outcomes[i].is_some() || started.contains(&i) {
                    continue;
                }
                let bad = jobs[i].deps.iter().find(|&&d| {
                    matches!(
                        outcomes[d],
                        Some(Outcome::Failed { .. }) | Some(Outcome::Skipped { .. })
                    )
                });
                if let Some(&d) = bad {
                    let why = match &outcomes[d] {
                        Some(Outcome::Failed {
                            cancelled: true, ..
                        }) => "was cancelled",
                        Some(Outcome::Failed { .. }) => "failed",
                        _ => "was skipped",
                    };
                    let o = Outcome::Skipped {
                        reason: format!("it needs `{}`, which {why}", jobs[d].spec.name),
                    };
                    events.send(Event::Finished {
                        job: i,
                        result: job_result(&o),
                    });
                    outcomes[i] = Some(o);
                    changed = true;
                }
            }
        }
        // Start what is ready.
        for i in 0..n {
            if running.len() >= parallel {
                break;
            }
            if outcomes[i].is_some() || started.contains(&i) {
                continue;
            }
            let ready = jobs[i].deps.iter().all(|&d| {
                matches!(
                    outcomes[d],
                    Some(Outcome::Built { .. }) | Some(Outcome::Cached { .. })
                )
            });
            if !ready {
                continue;
            }
            if cancel.is_cancelled() {
                let o = Outcome::Failed {
                    summary: "cancelled".to_string(),
                    report: String::new(),
                    cancelled: true,
                    could_not_run: false,
                };
                events.send(Event::Finished {
                    job: i,
                    result: job_result(&o),
                });
                outcomes[i] = Some(o);
                continue;
            }
            started.insert(i);
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
            Some(Ok((i, o))) => outcomes[i] = Some(o),
            Some(Err(e)) => {
                // A panicking job: report it against whichever job it was.
                let msg = format!("internal error: {e}");
                if let Some(i) = (0..n).find(|i| started.contains(i) && outcomes[*i].is_none()) {
                    outcomes[i] = Some(Outcome::Failed {
                        summary: msg.clone(),
                        report: format!("error: {msg}\n"),
                        cancelled: false,
                        could_not_run: false,
                    });
                }
            }
            None => {
                if outcomes.iter().all(Option::is_some) {
                    break;
                }
                // Nothing running and nothing ready: only possible with a cycle.
                for (i, o) in outcomes.iter_mut().enumerate() {
                    if o.is_none() {
                        *o = Some(Outcome::Skipped {
                            reason: "its dependencies form a cycle".to_string(),
                        });
                        events.send(Event::Finished {
                            job: i,
                            result: JobResult::Skipped {
                                reason: "its dependencies form a cycle".to_string(),
                            },
                        });
                    }
                }
                break;
            }
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.expect("every job ends"))
        .collect()
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
