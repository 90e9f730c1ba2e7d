//! The dependency graph of jobs spread over the nodes of a fleet.
//!
//! Placement, for each job whose dependencies are done, in job order:
//! 1. cache affinity: the node that built the job last (remembered beside
//!    the build records) and still holds its image is its node, and the job
//!    waits for a free slot there while that node answers; otherwise the
//!    nodes are scored by the images the job reads that they hold (base
//!    images, siblings' images);
//! 2. then load: the fewest builds running;
//! 3. then the order the nodes were given.
//!
//! Each node runs at most its `jobs` builds at once. A sibling's image the
//! job reads is moved to its node first ([`crate::builder::fleet::moves`]).
//! A build that fails on a node that no longer answers is run once more on
//! another node; its failed attempt leaves no tag and no record (both are
//! written only after a successful build).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::Arc;

use super::{job_result, PlannedJob};
use crate::builder::exec::Cancel;
use crate::builder::fleet::moves::{self, Transfer};
use crate::builder::fleet::{answers, FleetSettings, Node};
use crate::builder::job::{build_one, tag_all, ImageSpec, Outcome, Settings};
use crate::builder::progress::{Emitter, Event, NoteLevel};
use crate::builder::stages;

/// The nodes and how images move between them.
#[derive(Debug)]
pub struct Fleet {
    pub nodes: Vec<Node>,
    pub settings: FleetSettings,
}

impl Fleet {
    /// How images move: direct without a registry; with one, as configured.
    pub fn transfer(&self) -> Transfer {
        match &self.settings.registry {
            None => Transfer::Direct,
            Some(_) => self.settings.moves.unwrap_or(Transfer::DEFAULT),
        }
    }
}

/// How one job ended, and where.
#[derive(Clone, Debug)]
pub struct Placed {
    pub outcome: Outcome,
    /// The node that ran its last attempt.
    pub node: Option<String>,
    /// Why it moved to that node from another one mid-build.
    pub moved: Option<String>,
}

enum Ended {
    Done(Outcome),
    /// The node stopped answering during the build: why.
    NodeLost(String),
}

/// A sibling's image a job reads that its node lacks.
struct Need {
    job: usize,
    image_id: String,
    /// A node that holds it and answers.
    source: Option<usize>,
    /// Its `repo@digest` in the fleet's registry.
    pinned: Option<String>,
}

struct Task {
    job: usize,
    node: usize,
    ended: Ended,
    /// Sibling images (by job) now on this node.
    received: Vec<usize>,
    /// The registry's `repo@digest` of the job's image, once published.
    published: Option<String>,
}

/// The job's images as the registry serves them: its own cache reference,
/// read as a cache source, and inline cache metadata in what it builds.
fn with_registry_cache(spec: &ImageSpec, registry: Option<&str>) -> ImageSpec {
    let mut spec = spec.clone();
    if let Some(reg) = registry {
        let reference = moves::cache_reference(reg, &spec.name);
        if !spec.cache_from.contains(&reference) {
            spec.cache_from.push(reference);
        }
        spec.inline_cache = true;
    }
    spec
}

/// Runs every job on the fleet. One [`Placed`] per job, in job order; a
/// `Finished` event per job (none for an attempt that is run again).
pub async fn run_on_nodes(
    fleet: Arc<Fleet>,
    jobs: Vec<PlannedJob>,
    settings: Settings,
    events: mpsc::Sender<Event>,
    cancel: Cancel,
) -> Vec<Placed> {
    let n = jobs.len();
    let jobs = Arc::new(jobs);
    let settings = Arc::new(settings);
    let nodes = fleet.nodes.len();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut started: BTreeSet<usize> = BTreeSet::new();
    let mut placed_on: Vec<Option<usize>> = vec![None; n];
    let mut moved: Vec<Option<String>> = vec![None; n];
    let mut attempts = vec![0u32; n];
    let mut holders: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut published: Vec<Option<String>> = vec![None; n];
    let mut alive = vec![true; nodes];
    let mut running_on = vec![0usize; nodes];
    // (own image held, images read held), per node, once a job is ready.
    let mut affinity: BTreeMap<usize, Vec<(bool, usize)>> = BTreeMap::new();
    let mut running = tokio::task::JoinSet::new();
    let finish = |i: usize, o: Outcome, outcomes: &mut Vec<Option<Outcome>>| {
        let _ = events.send(Event::Finished {
            job: i,
            result: job_result(&o),
        });
        outcomes[i] = Some(o);
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
            finish(i, o, &mut outcomes);
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
                    finish(i, o, &mut outcomes);
                    changed = true;
                }
            }
        }
        // Place what is ready.
        for i in 0..n {
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
                    secs: None,
                };
                finish(i, o, &mut outcomes);
                continue;
            }
            if !alive.iter().any(|a| *a) {
                let o = Outcome::Failed {
                    summary: "no node of the fleet answers any more".to_string(),
                    report: format!(
                        "error: {}: no node of the fleet answers any more\n",
                        jobs[i].spec.name
                    ),
                    cancelled: false,
                    could_not_run: true,
                    secs: None,
                };
                finish(i, o, &mut outcomes);
                continue;
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = affinity.entry(i) {
                slot.insert(score(&fleet, &jobs, i, &holders, &alive, &settings).await);
            }
            let limits: Vec<usize> = fleet.nodes.iter().map(|n| n.jobs).collect();
            let Some(node) = choose_node(&affinity[&i], &alive, &running_on, &limits) else {
                continue;
            };
            // The siblings' images this job reads, and where they are.
            let mut needs: Vec<Need> = Vec::new();
            for &d in &jobs[i].deps {
                let image_id = match &outcomes[d] {
                    Some(Outcome::Built { image_id, .. } | Outcome::Cached { image_id, .. }) => {
                        image_id.clone()
                    }
                    _ => continue,
                };
                if holders[d].contains(&node) {
                    continue;
                }
                needs.push(Need {
                    job: d,
                    image_id,
                    source: holders[d].iter().copied().find(|&k| alive[k]),
                    pinned: published[d].clone(),
                });
            }
            started.insert(i);
            placed_on[i] = Some(node);
            attempts[i] += 1;
            running_on[node] += 1;
            let may_retry = attempts[i] == 1;
            let (fleet, jobs, settings) = (fleet.clone(), jobs.clone(), settings.clone());
            let emit = Emitter::new(i, events.clone());
            let mut cancel = cancel.clone();
            running.spawn(async move {
                let mut task = run_job(&fleet, &jobs, &settings, i, node, needs, &emit, &mut cancel)
                    .await;
                // A second lost node ends the job: it is not moved again.
                if let (Ended::NodeLost(why), false) = (&task.ended, may_retry) {
                    let why = why.clone();
                    task.ended = Ended::Done(Outcome::Failed {
                        summary: format!(
                            "node `{}` stopped answering too: {why}",
                            fleet.nodes[node].name
                        ),
                        report: format!(
                            "error: {}: it was run on two nodes and each stopped answering ({why})\n",
                            jobs[i].spec.name
                        ),
                        cancelled: false,
                        could_not_run: true,
                        secs: None,
                    });
                }
                if let Ended::Done(o) = &task.ended {
                    emit.send(Event::Finished {
                        job: i,
                        result: job_result(o),
                    });
                }
                task
            });
        }
        match running.join_next().await {
            Some(Ok(task)) => {
                let (i, k) = (task.job, task.node);
                running_on[k] -= 1;
                for d in &task.received {
                    holders[*d].insert(k);
                }
                if task.published.is_some() {
                    published[i] = task.published;
                }
                match task.ended {
                    Ended::Done(o) => {
                        if matches!(o, Outcome::Built { .. } | Outcome::Cached { .. }) {
                            holders[i].insert(k);
                            if let Some(store) = &settings.records {
                                let node = &fleet.nodes[k].daemon.endpoint.host;
                                if let Err(e) = store.set_last_node(&identity(&jobs[i].spec), node)
                                {
                                    let _ = events.send(Event::Note {
                                        job: i,
                                        level: NoteLevel::Warning,
                                        text: format!("cannot remember where it was built: {e}"),
                                    });
                                }
                            }
                        }
                        outcomes[i] = Some(o);
                    }
                    Ended::NodeLost(why) => {
                        alive[k] = false;
                        for h in holders.iter_mut() {
                            h.remove(&k);
                        }
                        let text = format!(
                            "node `{}` stopped answering during the build ({why}); building it again on another node",
                            fleet.nodes[k].name
                        );
                        let _ = events.send(Event::Note {
                            job: i,
                            level: NoteLevel::Warning,
                            text,
                        });
                        moved[i] = Some(format!(
                            "moved from node `{}`, which stopped answering ({why})",
                            fleet.nodes[k].name
                        ));
                        started.remove(&i);
                        affinity.remove(&i);
                    }
                }
            }
            Some(Err(e)) => {
                let msg = format!("internal error: {e}");
                if let Some(i) = (0..n).find(|i| started.contains(i) && outcomes[*i].is_none()) {
                    if let Some(k) = placed_on[i] {
                        running_on[k] = running_on[k].saturating_sub(1);
                    }
                    outcomes[i] = Some(Outcome::Failed {
                        summary: msg.clone(),
                        report: format!("error: {msg}\n"),
                        cancelled: false,
                        could_not_run: false,
                        secs: None,
                    });
                }
            }
            None => {
                if outcomes.iter().all(Option::is_some) {
                    break;
                }
                // Nothing running and nothing placed: a cycle (the planner
                // refuses them), or jobs waiting for nodes that are gone.
                for (i, o) in outcomes.iter_mut().enumerate() {
                    if o.is_none() {
                        let reason = "its dependencies form a cycle".to_string();
                        let _ = events.send(Event::Finished {
                            job: i,
                            result: crate::builder::progress::JobResult::Skipped {
                                reason: reason.clone(),
                            },
                        });
                        *o = Some(Outcome::Skipped { reason });
                    }
                }
                break;
            }
        }
    }
    outcomes
        .into_iter()
        .zip(placed_on)
        .zip(moved)
        .map(|((o, node), moved)| Placed {
            outcome: o.expect("every job ends"),
            node: node.map(|k| fleet.nodes[k].name.clone()),
            moved,
        })
        .collect()
}

/// The node for a ready job, or `None` to wait. `scores[k]`: whether node
/// `k` built the job last and holds its image, and how many of the images
/// it reads node `k` holds. A job waits for the node that built it last
/// while that node answers; otherwise it goes to the free node with the
/// best score, then the fewest builds running, then the first given.
pub fn choose_node(
    scores: &[(bool, usize)],
    alive: &[bool],
    running: &[usize],
    limits: &[usize],
) -> Option<usize> {
    let free = |k: usize| alive[k] && running[k] < limits[k];
    if let Some(home) = (0..scores.len()).find(|&k| alive[k] && scores[k].0) {
        return free(home).then_some(home);
    }
    (0..scores.len()).filter(|&k| free(k)).max_by_key(|&k| {
        (
            scores[k].1,
            std::cmp::Reverse(running[k]),
            std::cmp::Reverse(k),
        )
    })
}

/// What identifies a job across runs for its placement: its name, its
/// Dockerfile and its tags.
pub fn identity(spec: &ImageSpec) -> String {
    format!(
        "{}\0{}\0{}",
        spec.name,
        spec.dockerfile_path.display(),
        spec.tags.join("\0")
    )
}

/// Per node: whether it built the job's image last and still holds it
/// (its first tag), and how many of the images the job reads it holds.
async fn score(
    fleet: &Fleet,
    jobs: &[PlannedJob],
    i: usize,
    holders: &[BTreeSet<usize>],
    alive: &[bool],
    settings: &Settings,
) -> Vec<(bool, usize)> {
    let spec = &jobs[i].spec;
    let last = settings
        .records
        .as_ref()
        .and_then(|r| r.last_node(&identity(spec)));
    let needed = stages::needed_stages(&spec.df, spec.target.as_deref(), &spec.build_args)
        .unwrap_or_else(|_| vec![true; spec.df.stages.len()]);
    let produced: BTreeSet<String> = jobs[i]
        .deps
        .iter()
        .flat_map(|&d| jobs[d].spec.tags.iter())
        .map(|t| super::stack::normalize_reference(t))
        .collect();
    let bases: Vec<String> = stages::external_images(&spec.df, &needed, &spec.build_args)
        .into_iter()
        .map(|e| e.reference)
        .filter(|r| !produced.contains(&super::stack::normalize_reference(r)))
        .collect();
    let own = spec.tags.first().cloned();
    let futs = fleet.nodes.iter().enumerate().map(|(k, node)| {
        let bases = &bases;
        let own = &own;
        let built_here = last.as_deref() == Some(node.daemon.endpoint.host.as_str());
        async move {
            // A node that stopped answering is not asked (it may hang).
            if !alive[k] {
                return (false, 0);
            }
            let holds = |r: String| async move {
                matches!(node.daemon.inspect_image(&r).await, Ok(Some(_)))
            };
            let own_held = match own {
                Some(t) if built_here => holds(t.clone()).await,
                _ => false,
            };
            let mut held = jobs[i]
                .deps
                .iter()
                .filter(|&&d| holders[d].contains(&k))
                .count();
            for b in bases {
                if holds(b.clone()).await {
                    held += 1;
                }
            }
            (own_held, held)
        }
    });
    futures_util::future::join_all(futs).await
}

/// One attempt of job `i` on `node`: the sibling images it reads brought
/// there, the build, and with a registry its image published.
#[allow(clippy::too_many_arguments)]
async fn run_job(
    fleet: &Fleet,
    jobs: &[PlannedJob],
    settings: &Settings,
    i: usize,
    node: usize,
    needs: Vec<Need>,
    emit: &Emitter,
    cancel: &mut Cancel,
) -> Task {
    let target = &fleet.nodes[node];
    let registry = fleet.settings.registry.as_deref();
    let mut task = Task {
        job: i,
        node,
        ended: Ended::Done(Outcome::Skipped {
            reason: String::new(),
        }),
        received: Vec::new(),
        published: None,
    };
    emit.note(
        NoteLevel::Info,
        format!(
            "on node `{}` ({})",
            target.name, target.daemon.endpoint.host
        ),
    );
    for Need {
        job: d,
        image_id,
        source,
        pinned,
    } in needs
    {
        let dep = &jobs[d].spec;
        // Held from an earlier run: only its tags may need to follow.
        if let Ok(Some(_)) = target.daemon.inspect_image(&image_id).await {
            if tag_all(&target.daemon, &image_id, &dep.tags).await.is_ok() {
                task.received.push(d);
                continue;
            }
        }
        let started = std::time::Instant::now();
        let how = match (fleet.transfer(), registry, &pinned, source) {
            (Transfer::Registry, Some(_), Some(pinned), _) => {
                moves::pull(&target.daemon, &settings.credentials, pinned, &image_id)
                    .await
                    .map(|()| "from the registry".to_string())
            }
            (Transfer::Registry, Some(reg), None, Some(s)) => moves::by_registry(
                &fleet.nodes[s].daemon,
                &target.daemon,
                &settings.credentials,
                &image_id,
                &moves::cache_reference(reg, &dep.name),
                emit,
            )
            .await
            .map(|()| format!("from node `{}` through the registry", fleet.nodes[s].name)),
            (_, _, _, Some(s)) => moves::direct(&fleet.nodes[s].daemon, &target.daemon, &image_id)
                .await
                .map(|bytes| {
                    format!(
                        "from node `{}` directly, {}",
                        fleet.nodes[s].name,
                        crate::builder::progress::human_bytes(bytes)
                    )
                }),
            (_, _, Some(pinned), None) => {
                moves::pull(&target.daemon, &settings.credentials, pinned, &image_id)
                    .await
                    .map(|()| "from the registry".to_string())
            }
            (_, _, None, None) => Err(format!(
                "no node that answers holds it (it was built on a node that stopped answering{})",
                if registry.is_some() {
                    ", and it was not in the registry"
                } else {
                    "; configure a `[fleet] registry` to keep images past a node"
                }
            )),
        };
        let result = match how {
            Ok(how) => tag_all(&target.daemon, &image_id, &dep.tags)
                .await
                .map(|()| how),
            Err(e) => Err(e),
        };
        match result {
            Ok(how) => {
                emit.note(
                    NoteLevel::Info,
                    format!(
                        "moved the image of `{}` to node `{}` {how} in {:.2}s",
                        dep.name,
                        target.name,
                        started.elapsed().as_secs_f64()
                    ),
                );
                task.received.push(d);
            }
            Err(e) => {
                if let Err(why) = answers(&target.daemon).await {
                    task.ended = Ended::NodeLost(why);
                    return task;
                }
                let summary = format!(
                    "cannot bring the image of `{}` to node `{}`: {e}",
                    dep.name, target.name
                );
                task.ended = Ended::Done(Outcome::Failed {
                    report: format!("error: {}: {summary}\n", jobs[i].spec.name),
                    summary,
                    cancelled: false,
                    could_not_run: false,
                    secs: None,
                });
                return task;
            }
        }
    }
    let spec = with_registry_cache(&jobs[i].spec, registry);
    let (outcome, lost) = build_watched(target, &spec, settings, emit, cancel).await;
    if let Some(why) = lost {
        task.ended = Ended::NodeLost(why);
        return task;
    }
    if let Outcome::Failed {
        cancelled: false, ..
    } = &outcome
    {
        if let Err(why) = answers(&target.daemon).await {
            task.ended = Ended::NodeLost(why);
            return task;
        }
    }
    if let (Some(reg), Outcome::Built { image_id, .. } | Outcome::Cached { image_id, .. }) =
        (registry, &outcome)
    {
        let reference = moves::cache_reference(reg, &spec.name);
        match moves::publish(
            &target.daemon,
            &settings.credentials,
            image_id,
            &reference,
            emit,
        )
        .await
        {
            Ok(pinned) => task.published = Some(pinned),
            Err(e) => emit.note(
                NoteLevel::Warning,
                format!("cannot push the image to the fleet's registry ({e}); other nodes will not reuse its layers"),
            ),
        }
    }
    task.ended = Ended::Done(outcome);
    task
}

/// How often a node is asked whether it still answers while it builds.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Unanswered pings in a row after which a node counts as lost.
const MISSES: u32 = 2;

/// [`build_one`] on `node`, cancelled when the run is, or when the node
/// stops answering (a hung engine keeps its connections open): then the
/// reason is returned beside the outcome.
async fn build_watched(
    node: &Node,
    spec: &ImageSpec,
    settings: &Settings,
    emit: &Emitter,
    cancel: &Cancel,
) -> (Outcome, Option<String>) {
    let (job_tx, mut job_cancel) = Cancel::new();
    let lost: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let watchdog = {
        let (lost, daemon, mut run_cancel) = (lost.clone(), node.daemon.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut misses = 0;
            loop {
                tokio::select! {
                    _ = run_cancel.cancelled() => {
                        let _ = job_tx.send(true);
                        return;
                    }
                    _ = tokio::time::sleep(WATCH_EVERY) => {}
                }
                match answers(&daemon).await {
                    Ok(()) => misses = 0,
                    Err(why) => {
                        misses += 1;
                        if misses >= MISSES {
                            *lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
                            let _ = job_tx.send(true);
                            return;
                        }
                    }
                }
            }
        })
    };
    let outcome = build_one(&node.daemon, spec, settings, emit, &mut job_cancel).await;
    watchdog.abort();
    let why = lost.lock().unwrap_or_else(|e| e.into_inner()).take();
    (outcome, why)
}

#[cfg(test)]
mod tests {
    use super::choose_node;

    #[test]
    fn affinity_first_then_load_then_order() {
        let alive = [true, true, true];
        let limits = [1, 2, 2];
        // Equal scores, equal load: the first node.
        assert_eq!(
            choose_node(&[(false, 1); 3], &alive, &[0, 0, 0], &limits),
            Some(0)
        );
        // Equal scores: the least loaded.
        assert_eq!(
            choose_node(&[(false, 1); 3], &alive, &[1, 1, 0], &limits),
            Some(2)
        );
        // The node holding more of the images read wins over load.
        assert_eq!(
            choose_node(
                &[(false, 0), (false, 2), (false, 1)],
                &alive,
                &[0, 1, 0],
                &limits
            ),
            Some(1)
        );
        // A full node is not chosen.
        assert_eq!(
            choose_node(
                &[(false, 2), (false, 0), (false, 0)],
                &alive,
                &[1, 0, 0],
                &limits
            ),
            Some(1)
        );
        // Nothing free: wait.
        assert_eq!(
            choose_node(&[(false, 0); 3], &alive, &[1, 2, 2], &limits),
            None
        );
    }

    #[test]
    fn the_node_that_built_it_last_is_waited_for_while_it_answers() {
        let limits = [1, 1];
        let scores = [(false, 1), (true, 1)];
        assert_eq!(
            choose_node(&scores, &[true, true], &[0, 0], &limits),
            Some(1)
        );
        assert_eq!(choose_node(&scores, &[true, true], &[0, 1], &limits), None);
        // Gone: the others take it.
        assert_eq!(
            choose_node(&scores, &[true, false], &[0, 1], &limits),
            Some(0)
        );
    }

    #[test]
    fn the_same_state_gives_the_same_node() {
        let scores = [(false, 1), (false, 1), (false, 1)];
        let picks: Vec<_> = (0..5)
            .map(|_| choose_node(&scores, &[true; 3], &[1, 0, 0], &[3, 3, 3]))
            .collect();
        assert!(picks.iter().all(|p| *p == Some(1)), "{picks:?}");
    }
}
