//! The dependency graph of jobs spread over the nodes of a fleet.
//!
//! Placement, for each job whose dependencies are done, in job order:
//! 1. cache affinity: the node that built the job last (remembered beside
//!    the build records) and still holds its image is its home, taken when
//!    it answers and has a free slot (jobs at home first); a full home is
//!    waited for [`AFFINITY_PATIENCE`] at most, so a busy or slow node holds
//!    back nothing another node can take. Otherwise the nodes are scored by
//!    the images the job reads that they hold (base images, siblings'
//!    images);
//! 2. then load: the fewest builds running;
//! 3. then the order the nodes were given.
//!
//! Each node runs at most its `jobs` builds at once. A sibling's image the
//! job reads is moved to its node first ([`crate::builder::fleet::moves`]).
//! A build that fails on a node that no longer answers is run once more on
//! another node; its failed attempt leaves no tag and no record (both are
//! written only after a successful build).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{job_result, Ledger, PlannedJob};
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
    events: crate::builder::progress::Sender,
    cancel: Cancel,
) -> Vec<Placed> {
    let n = jobs.len();
    let jobs = Arc::new(jobs);
    let settings = Arc::new(settings);
    let nodes = fleet.nodes.len();
    let limits: Vec<usize> = fleet.nodes.iter().map(|n| n.jobs).collect();
    let mut ledger = Ledger::new(&jobs, events.clone());
    let mut placed_on: Vec<Option<usize>> = vec![None; n];
    let mut moved: Vec<Option<String>> = vec![None; n];
    let mut attempts = vec![0u32; n];
    let mut holders: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut published: Vec<Option<String>> = vec![None; n];
    let mut alive = vec![true; nodes];
    let mut running_on = vec![0usize; nodes];
    // (own image held, images read held), per node, once a job is ready,
    // and since when it is ready.
    let mut affinity: BTreeMap<usize, (Vec<(bool, usize)>, Instant)> = BTreeMap::new();
    let mut running = tokio::task::JoinSet::new();
    loop {
        ledger.skip_dependents_of_failures();
        // What is ready, in job order.
        let mut ready = Vec::new();
        for i in 0..n {
            if !ledger.waiting(i) || !ledger.ready(i) {
                continue;
            }
            if cancel.is_cancelled() {
                ledger.cancel(i);
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
                ledger.finish(i, o);
                continue;
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = affinity.entry(i) {
                let scores = score(&fleet, &jobs, i, &holders, &alive, &settings).await;
                slot.insert((scores, Instant::now()));
            }
            ready.push(i);
        }
        let now = Instant::now();
        let wants: Vec<Want> = ready
            .iter()
            .map(|&i| Want {
                job: i,
                scores: &affinity[&i].0,
                patient: now < affinity[&i].1 + AFFINITY_PATIENCE,
            })
            .collect();
        let placements = place(&wants, &alive, &running_on, &limits);
        // The earliest moment a job waiting for its busy home stops waiting.
        let wake = wants
            .iter()
            .filter(|w| w.patient && home(w.scores, &alive).is_some())
            .filter(|w| !placements.iter().any(|(j, _)| *j == w.job))
            .map(|w| affinity[&w.job].1 + AFFINITY_PATIENCE)
            .min();
        for (i, node) in placements {
            if let Some(h) = home(&affinity[&i].0, &alive).filter(|&h| h != node) {
                events.send(Event::Note {
                    job: i,
                    level: NoteLevel::Info,
                    text: format!(
                        "node `{}`, where it was built last, stayed busy for {}s; building it on node `{}`",
                        fleet.nodes[h].name,
                        AFFINITY_PATIENCE.as_secs(),
                        fleet.nodes[node].name
                    ),
                });
            }
            // The siblings' images this job reads, and where they are.
            let mut needs: Vec<Need> = Vec::new();
            for &d in &jobs[i].deps {
                let image_id = match &ledger.outcomes[d] {
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
            ledger.started.insert(i);
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
        let joined = match wake {
            Some(at) => match tokio::time::timeout_at(at.into(), running.join_next()).await {
                Ok(joined) => joined,
                // A job waited long enough for its node: place it again.
                Err(_) => continue,
            },
            None => running.join_next().await,
        };
        match joined {
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
                                    events.send(Event::Note {
                                        job: i,
                                        level: NoteLevel::Warning,
                                        text: format!("cannot remember where it was built: {e}"),
                                    });
                                }
                            }
                        }
                        ledger.outcomes[i] = Some(o);
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
                        events.send(Event::Note {
                            job: i,
                            level: NoteLevel::Warning,
                            text,
                        });
                        moved[i] = Some(format!(
                            "moved from node `{}`, which stopped answering ({why})",
                            fleet.nodes[k].name
                        ));
                        ledger.started.remove(&i);
                        affinity.remove(&i);
                    }
                }
            }
            Some(Err(e)) => {
                if let Some(k) = ledger.panicked(e).and_then(|i| placed_on[i]) {
                    running_on[k] = running_on[k].saturating_sub(1);
                }
            }
            None => {
                // Nothing running and nothing placed: a cycle (the planner
                // refuses them), or jobs waiting for nodes that are gone.
                if !ledger.all_ended() {
                    ledger.end_the_rest();
                }
                break;
            }
        }
    }
    ledger
        .into_outcomes()
        .into_iter()
        .zip(placed_on)
        .zip(moved)
        .map(|((outcome, node), moved)| Placed {
            outcome,
            node: node.map(|k| fleet.nodes[k].name.clone()),
            moved,
        })
        .collect()
}

/// How long a ready job waits for the node that built it last while that
/// node is at its limit, before another node with a free slot takes it. The
/// wait keeps a rebuild's unchanged services where their images are (each
/// answered from its record in moments); past it, a busy or slow node holds
/// back nothing another node can take, and the registry cache (or the
/// sibling images moved there) serves the other node.
pub const AFFINITY_PATIENCE: Duration = Duration::from_secs(3);

/// A ready job asking for a node.
#[derive(Clone, Copy, Debug)]
pub struct Want<'a> {
    pub job: usize,
    /// Per node: whether it built the job last and holds its image, and how
    /// many of the images the job reads it holds.
    pub scores: &'a [(bool, usize)],
    /// Still within [`AFFINITY_PATIENCE`] of becoming ready: it waits for
    /// its home node rather than go elsewhere.
    pub patient: bool,
}

/// The node that built the job last and holds its image, while it answers.
pub fn home(scores: &[(bool, usize)], alive: &[bool]) -> Option<usize> {
    (0..scores.len()).find(|&k| alive[k] && scores[k].0)
}

/// Nodes for ready jobs (given in job order), as `(job, node)`; a job left
/// out waits. First every job whose home node has a free slot goes there,
/// in job order; then the others, in job order, by [`choose_node`]. So a
/// job never takes the slot of a job whose home it is.
pub fn place(
    wants: &[Want],
    alive: &[bool],
    running: &[usize],
    limits: &[usize],
) -> Vec<(usize, usize)> {
    let mut running = running.to_vec();
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for w in wants {
        if let Some(h) = home(w.scores, alive).filter(|&h| running[h] < limits[h]) {
            running[h] += 1;
            placed.push((w.job, h));
        }
    }
    for w in wants {
        if placed.iter().any(|(j, _)| *j == w.job) {
            continue;
        }
        if let Some(k) = choose_node(w.scores, alive, &running, limits, w.patient) {
            running[k] += 1;
            placed.push((w.job, k));
        }
    }
    placed.sort_unstable();
    placed
}

/// The node for a ready job, or `None` to wait. `scores` as in [`Want`].
/// The home node ([`home`]) while it has a free slot; while it is full, the
/// job waits if `patient`, else it goes to the free node with the best
/// score, then the fewest builds running, then the first given.
pub fn choose_node(
    scores: &[(bool, usize)],
    alive: &[bool],
    running: &[usize],
    limits: &[usize],
    patient: bool,
) -> Option<usize> {
    let free = |k: usize| alive[k] && running[k] < limits[k];
    if let Some(h) = home(scores, alive) {
        if free(h) {
            return Some(h);
        }
        if patient {
            return None;
        }
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
    // A node named by its endpoint is shown once.
    let node = if target.name == target.daemon.endpoint.host {
        format!("on node `{}`", target.name)
    } else {
        format!(
            "on node `{}` ({})",
            target.name, target.daemon.endpoint.host
        )
    };
    emit.note(NoteLevel::Info, node);
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
    use super::{choose_node, place, Want};

    #[test]
    fn affinity_first_then_load_then_order() {
        let alive = [true, true, true];
        let limits = [1, 2, 2];
        let choose = |scores: &[(bool, usize)], running: &[usize]| {
            choose_node(scores, &alive, running, &limits, true)
        };
        // Equal scores, equal load: the first node.
        assert_eq!(choose(&[(false, 1); 3], &[0, 0, 0]), Some(0));
        // Equal scores: the least loaded.
        assert_eq!(choose(&[(false, 1); 3], &[1, 1, 0]), Some(2));
        // The node holding more of the images read wins over load.
        assert_eq!(
            choose(&[(false, 0), (false, 2), (false, 1)], &[0, 1, 0]),
            Some(1)
        );
        // A full node is not chosen.
        assert_eq!(
            choose(&[(false, 2), (false, 0), (false, 0)], &[1, 0, 0]),
            Some(1)
        );
        // Nothing free: wait.
        assert_eq!(choose(&[(false, 0); 3], &[1, 2, 2]), None);
    }

    #[test]
    fn the_node_that_built_it_last_is_preferred_and_waited_for_only_a_while() {
        let limits = [1, 1];
        let scores = [(false, 1), (true, 1)];
        let alive = [true, true];
        // Free: home.
        assert_eq!(
            choose_node(&scores, &alive, &[0, 0], &limits, true),
            Some(1)
        );
        assert_eq!(
            choose_node(&scores, &alive, &[0, 0], &limits, false),
            Some(1)
        );
        // Full: waited for while patient, then another free node takes it.
        assert_eq!(choose_node(&scores, &alive, &[0, 1], &limits, true), None);
        assert_eq!(
            choose_node(&scores, &alive, &[0, 1], &limits, false),
            Some(0)
        );
        // Full, and no other node free: wait.
        assert_eq!(choose_node(&scores, &alive, &[1, 1], &limits, false), None);
        // Gone: the others take it at once.
        assert_eq!(
            choose_node(&scores, &[true, false], &[0, 1], &limits, true),
            Some(0)
        );
    }

    #[test]
    fn a_job_does_not_take_the_free_slot_of_a_job_whose_home_it_is() {
        let alive = [true, true, true];
        let limits = [1, 1, 1];
        // Job 0's home (node 0) is full; job 1's home is node 1, free. Job 0,
        // no longer patient, comes first in job order but takes node 2.
        let home0 = [(true, 1), (false, 1), (false, 1)];
        let home1 = [(false, 1), (true, 1), (false, 1)];
        let wants = [
            Want {
                job: 0,
                scores: &home0,
                patient: false,
            },
            Want {
                job: 1,
                scores: &home1,
                patient: false,
            },
        ];
        assert_eq!(place(&wants, &alive, &[1, 0, 0], &limits), [(0, 2), (1, 1)]);
        // Patient: job 0 waits for node 0.
        let waiting = [
            Want {
                patient: true,
                ..wants[0]
            },
            wants[1],
        ];
        assert_eq!(place(&waiting, &alive, &[1, 0, 0], &limits), [(1, 1)]);
        // Two jobs with one home of one slot: one goes home, the other
        // waits, then goes where there is room.
        let both = [
            Want {
                job: 3,
                scores: &home0,
                patient: true,
            },
            Want {
                job: 5,
                scores: &home0,
                patient: true,
            },
        ];
        assert_eq!(place(&both, &alive, &[0, 0, 0], &limits), [(3, 0)]);
        let impatient = both.map(|w| Want {
            patient: false,
            ..w
        });
        assert_eq!(
            place(&impatient, &alive, &[0, 0, 0], &limits),
            [(3, 0), (5, 1)]
        );
    }

    #[test]
    fn the_same_state_gives_the_same_node() {
        let scores = [(false, 1), (false, 1), (false, 1)];
        let picks: Vec<_> = (0..5)
            .map(|_| choose_node(&scores, &[true; 3], &[1, 0, 0], &[3, 3, 3], false))
            .collect();
        assert!(picks.iter().all(|p| *p == Some(1)), "{picks:?}");
        let home = [(false, 1), (false, 1), (true, 1)];
        let wants: Vec<Want> = (0..4)
            .map(|job| Want {
                job,
                scores: if job % 2 == 0 { &home } else { &scores },
                patient: false,
            })
            .collect();
        let first = place(&wants, &[true; 3], &[0, 1, 0], &[2, 2, 2]);
        for _ in 0..5 {
            assert_eq!(place(&wants, &[true; 3], &[0, 1, 0], &[2, 2, 2]), first);
        }
        // Jobs 0 and 2 fill their home; 1 and 3 go by load, then order.
        assert_eq!(first, [(0, 2), (1, 0), (2, 2), (3, 0)]);
    }
}
