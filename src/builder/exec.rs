//! One image build against the daemon: the request, the context stream, the
//! daemon's answer turned into progress events, and what went wrong if it
//! failed (which step, its last lines of output).
//!
//! Nothing is tagged here: the build asks for no name, and the caller tags
//! the image ID only once the build has succeeded.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::daemon::{describe_transport_error, Daemon};
use super::progress::{Emitter, Event, NoteLevel, StepState};
use super::send::{stream_body, SentCounter};
#[cfg(feature = "buildkit")]
use super::session::session_id;

/// The builder a build runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BuilderKind {
    BuildKit,
    Classic,
}

impl BuilderKind {
    pub fn label(self) -> &'static str {
        match self {
            BuilderKind::BuildKit => "BuildKit",
            BuilderKind::Classic => "the classic builder",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            BuilderKind::BuildKit => "buildkit",
            BuilderKind::Classic => "classic",
        }
    }
}

/// Writes a whole context tar. Called once per attempt (a builder fallback
/// sends the context again).
pub type TarSource =
    Arc<dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + Send + Sync + 'static>;

/// The context for a BuildKit session (see [`super::filesync`]).
#[cfg(feature = "buildkit")]
pub type ContextSync = Arc<super::session::filesync::SyncSource>;

/// Without BuildKit support there is no session to send a context through.
#[cfg(not(feature = "buildkit"))]
#[derive(Clone, Debug)]
pub enum ContextSync {}

#[cfg(feature = "buildkit")]
type OpenSession = super::session::Session;

#[cfg(not(feature = "buildkit"))]
enum OpenSession {}

/// A context that goes through our session: the session, and the
/// Dockerfile's name in its `dockerfile` directory.
struct Via {
    #[cfg_attr(not(feature = "buildkit"), allow(dead_code))]
    session: OpenSession,
    dockerfile: String,
}

/// What is sent with the context.
#[derive(Clone, Debug, Default)]
pub struct DaemonBuild {
    /// The Dockerfile's path inside the context tar.
    pub dockerfile: String,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub platform: Option<String>,
    pub network: Option<String>,
    pub no_cache: bool,
    /// Ask the daemon to pull base images even when present (`--pull always`).
    pub pull_always: bool,
    pub cache_from: Vec<String>,
    pub extra_hosts: Vec<String>,
    /// Sent as query parameters of their own (see [`super::limits`]).
    pub shm_size: Option<i64>,
    pub ulimits: Vec<super::limits::Ulimit>,
    /// Total context size when known, for the upload bar.
    pub context_size: Option<u64>,
    /// Credentials for the registries of the base images: the classic
    /// builder's `X-Registry-Config`.
    pub registry_auths: RegistryAuths,
    /// Where BuildKit's session asks for credentials (its Auth service).
    pub credentials: Option<Arc<super::credentials::Credentials>>,
    /// `--cache-to type=inline` (BuildKit: the `BUILDKIT_INLINE_CACHE` build arg).
    pub inline_cache: bool,
    /// Served on the BuildKit session.
    pub secrets: Vec<super::secrets::SecretSource>,
    pub ssh: Vec<super::secrets::SshSource>,
}

/// Credentials by registry, shown by registry name only.
#[derive(Clone, Default)]
pub struct RegistryAuths(pub HashMap<String, bollard::auth::DockerCredentials>);

impl std::fmt::Debug for RegistryAuths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Where a step sits in the Dockerfile, as the builder names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepRef {
    /// `Step 3/7 : ...`: the third instruction of the file.
    Classic { n: u32, total: u32 },
    /// `[build 2/4] RUN ...`: a stage (by name, `stage-N`, or none when the
    /// file has one stage) and the position among the stage's steps (FROM = 1).
    BuildKit {
        stage: Option<String>,
        index: u32,
        total: u32,
    },
}

/// The step that failed, with its last lines of output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedStep {
    pub num: u32,
    pub name: String,
    pub step_ref: Option<StepRef>,
    pub logs: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A step failed (or the daemon rejected the Dockerfile).
    Build,
    /// The daemon answered the request with an error before building.
    Daemon,
    /// The connection broke or ended before the daemon reported an image.
    ConnectionLost,
    /// The daemon cannot build with BuildKit (a named error; `auto` falls back).
    BuildKitUnavailable,
    /// Ctrl-C.
    Cancelled,
}

#[derive(Clone, Debug)]
pub struct BuildFailure {
    pub kind: FailureKind,
    pub message: String,
    pub step: Option<FailedStep>,
    pub bytes_sent: u64,
    /// How long the build ran before it failed, as [`Built::secs`] counts.
    pub secs: f64,
}

/// A finished build.
#[derive(Clone, Debug)]
pub struct Built {
    pub image_id: String,
    pub bytes_sent: u64,
    pub secs: f64,
    /// Steps that ran / were cached (for summaries and tests).
    pub steps_run: u32,
    pub steps_cached: u32,
}

/// Lines kept per step for failure reports.
const LOG_TAIL: usize = 20;
/// The longest line of build output kept or shown; the rest of a longer
/// line is dropped (a step printing 300 MB without a newline would
/// otherwise be held whole).
const MAX_LINE: usize = 16 * 1024;

/// Appends `text` to the unfinished line `partial` and returns the lines it
/// completes, each cut at [`MAX_LINE`] bytes. Only the new text is scanned.
fn complete_lines(partial: &mut String, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in text.split_inclusive('\n') {
        let (body, ends) = match piece.strip_suffix('\n') {
            Some(body) => (body, true),
            None => (piece, false),
        };
        if partial.len() < MAX_LINE {
            let mut cut = body.len().min(MAX_LINE - partial.len());
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            partial.push_str(&body[..cut]);
            if cut < body.len() {
                partial.push_str(" [line cut]");
            }
        }
        if ends {
            out.push(std::mem::take(partial));
        }
    }
    out
}

/// Whether a daemon error means "no BuildKit here".
pub fn is_buildkit_unavailable(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "buildkit is only supported with experimental mode",
        "buildkit not supported",
        "buildkit is not supported",
        "buildkit is not enabled",
        "invalid version",
        "session not supported",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Cancels builds: the CLI flips it on Ctrl-C.
#[derive(Clone, Debug)]
pub struct Cancel(tokio::sync::watch::Receiver<bool>);

impl Cancel {
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Cancel) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (tx, Cancel(rx))
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once cancelled (never, if the sender is dropped uncancelled).
    pub async fn cancelled(&mut self) {
        loop {
            if *self.0.borrow_and_update() {
                return;
            }
            if self.0.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Parses a step's display name into where it sits in the Dockerfile.
pub fn parse_step_ref(name: &str) -> Option<StepRef> {
    // Classic: "Step 3/7 : RUN x"
    if let Some(rest) = name.strip_prefix("Step ") {
        let (nums, _) = rest.split_once(" :")?;
        let (n, total) = nums.split_once('/')?;
        return Some(StepRef::Classic {
            n: n.trim().parse().ok()?,
            total: total.trim().parse().ok()?,
        });
    }
    // BuildKit: "[stage-1 2/4] RUN x", "[2/4] RUN x", "[linux/amd64 build 2/4] ..."
    let inner = name.strip_prefix('[')?.split_once(']')?.0;
    let mut words: Vec<&str> = inner.split_whitespace().collect();
    let counter = words.pop()?;
    let (i, t) = counter.split_once('/')?;
    let index = i.trim().parse().ok()?;
    let total = t.trim().parse().ok()?;
    // A platform prefix contains '/', a stage name cannot.
    let stage = words
        .into_iter()
        .rev()
        .find(|w| !w.contains('/'))
        .map(str::to_string);
    Some(StepRef::BuildKit {
        stage,
        index,
        total,
    })
}

struct Step {
    num: u32,
    name: String,
    step_ref: Option<StepRef>,
    logs: VecDeque<String>,
    partial: String,
    started: Option<Instant>,
    /// Running was reported.
    announced: bool,
    finished: bool,
    cached: bool,
}

/// Turns the daemon's messages into events and remembers enough to report a
/// failure.
struct Tracker {
    emit: Emitter,
    steps: Vec<Step>,
    /// BuildKit vertices by digest.
    #[cfg_attr(not(feature = "buildkit"), allow(dead_code))]
    by_digest: HashMap<String, usize>,
    /// Classic: the step in progress; BuildKit: the last started.
    current: Option<usize>,
    failed: Option<usize>,
    image_id: Option<String>,
    classic_partial: String,
}

impl Tracker {
    fn new(emit: Emitter) -> Tracker {
        Tracker {
            emit,
            steps: Vec::new(),
            by_digest: HashMap::new(),
            current: None,
            failed: None,
            image_id: None,
            classic_partial: String::new(),
        }
    }

    fn add_step(&mut self, name: String) -> usize {
        let num = self.steps.len() as u32 + 1;
        self.steps.push(Step {
            num,
            step_ref: parse_step_ref(&name),
            name,
            logs: VecDeque::new(),
            partial: String::new(),
            started: None,
            announced: false,
            finished: false,
            cached: false,
        });
        self.steps.len() - 1
    }

    fn step_event(&self, i: usize, state: StepState) {
        let s = &self.steps[i];
        self.emit.send(Event::Step {
            job: self.emit.job(),
            num: s.num,
            name: s.name.clone(),
            state,
        });
    }

    fn log_line(&mut self, i: Option<usize>, line: &str) {
        let line = line.trim_end_matches('\r');
        if let Some(i) = i {
            let s = &mut self.steps[i];
            if s.logs.len() == LOG_TAIL {
                s.logs.pop_front();
            }
            s.logs.push_back(line.to_string());
        }
        self.emit.send(Event::Log {
            job: self.emit.job(),
            num: i.map(|i| self.steps[i].num),
            text: line.to_string(),
        });
    }

    fn finish_step(&mut self, i: usize) {
        let s = &mut self.steps[i];
        if s.finished {
            return;
        }
        s.finished = true;
        if s.cached {
            self.step_event(i, StepState::Cached);
        } else {
            let secs = s.started.map(|t| t.elapsed().as_secs_f64()).unwrap_or(0.0);
            self.step_event(i, StepState::Done { secs });
        }
    }

    // ---- classic builder: text lines ----

    fn classic_text(&mut self, text: &str) {
        for line in complete_lines(&mut self.classic_partial, text) {
            self.classic_line(&line);
        }
    }

    fn classic_line(&mut self, line: &str) {
        let trimmed = line.trim_end_matches('\r');
        if trimmed.starts_with("Step ") && parse_step_ref(trimmed).is_some() {
            if let Some(c) = self.current {
                self.finish_step(c);
            }
            // "Step 3/7 : RUN x" → "[3/7] RUN x"
            let (head, instr) = trimmed.split_once(" : ").unwrap_or((trimmed, ""));
            let counter = head.trim_start_matches("Step ");
            let i = self.add_step(format!("[{counter}] {instr}"));
            self.steps[i].step_ref = parse_step_ref(trimmed);
            self.steps[i].started = Some(Instant::now());
            self.steps[i].announced = true;
            self.current = Some(i);
            self.step_event(i, StepState::Running);
            return;
        }
        if let Some(rest) = trimmed.strip_prefix(" ---> ") {
            if rest == "Using cache" {
                if let Some(c) = self.current {
                    self.steps[c].cached = true;
                }
            } else if rest.starts_with("Running in ") {
                // the step's container; nothing to show
            } else if let Some(w) = rest.strip_prefix("[Warning] ") {
                self.emit.note(NoteLevel::Warning, w);
            } else if rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_hexdigit()) {
                if let Some(c) = self.current {
                    self.finish_step(c);
                }
            } else {
                self.log_line(self.current, rest);
            }
            return;
        }
        if trimmed.starts_with("Removing intermediate container ")
            || trimmed.starts_with("Successfully tagged ")
        {
            return;
        }
        if let Some(id) = trimmed.strip_prefix("Successfully built ") {
            if self.image_id.is_none() && crate::builder::daemon::is_short_image_id(id.trim()) {
                self.image_id = Some(id.trim().to_string());
            }
            return;
        }
        if trimmed.is_empty() {
            return;
        }
        self.log_line(self.current, trimmed);
    }

    // ---- BuildKit: status messages ----

    #[cfg(feature = "buildkit")]
    fn buildkit_status(&mut self, status: &bollard::moby::buildkit::v1::StatusResponse) {
        for v in &status.vertexes {
            let i = match self.by_digest.get(&v.digest) {
                Some(&i) => i,
                None => {
                    let i = self.add_step(v.name.clone());
                    self.by_digest.insert(v.digest.clone(), i);
                    i
                }
            };
            let secs = match (&v.started, &v.completed) {
                (Some(s), Some(c)) => {
                    let s = s.seconds as f64 + s.nanos as f64 / 1e9;
                    let c = c.seconds as f64 + c.nanos as f64 / 1e9;
                    Some((c - s).max(0.0))
                }
                _ => None,
            };
            if !v.error.is_empty() {
                if !self.steps[i].finished {
                    self.steps[i].finished = true;
                    self.failed = Some(i);
                    self.step_event(
                        i,
                        StepState::Failed {
                            message: v.error.clone(),
                        },
                    );
                }
                continue;
            }
            if v.cached {
                self.steps[i].cached = true;
            }
            if v.started.is_some() && !self.steps[i].announced && !v.cached {
                self.steps[i].announced = true;
                self.steps[i].started = Some(Instant::now());
                self.current = Some(i);
                self.step_event(i, StepState::Running);
            }
            if (v.completed.is_some() || v.cached) && !self.steps[i].finished {
                self.steps[i].finished = true;
                if self.steps[i].cached {
                    self.step_event(i, StepState::Cached);
                } else {
                    self.step_event(
                        i,
                        StepState::Done {
                            secs: secs.unwrap_or(0.0),
                        },
                    );
                }
            }
        }
        for l in &status.logs {
            let i = self.by_digest.get(&l.vertex).copied();
            let text = String::from_utf8_lossy(&l.msg).into_owned();
            match i {
                Some(i) => {
                    for line in complete_lines(&mut self.steps[i].partial, &text) {
                        self.log_line(Some(i), &line);
                    }
                }
                None => {
                    let mut partial = String::new();
                    for line in complete_lines(&mut partial, &text) {
                        self.log_line(None, &line);
                    }
                    if !partial.is_empty() {
                        self.log_line(None, &partial);
                    }
                }
            }
        }
        for w in &status.warnings {
            let text = String::from_utf8_lossy(&w.short).trim().to_string();
            if !text.is_empty() {
                self.emit.note(NoteLevel::Warning, text);
            }
        }
    }

    /// Flushes partial log lines (output that did not end in a newline).
    fn flush_partials(&mut self) {
        for i in 0..self.steps.len() {
            let rest = std::mem::take(&mut self.steps[i].partial);
            if !rest.trim().is_empty() {
                self.log_line(Some(i), &rest);
            }
        }
        let rest = std::mem::take(&mut self.classic_partial);
        if !rest.trim().is_empty() {
            self.classic_line(&rest);
        }
    }

    fn failed_step(&self) -> Option<FailedStep> {
        let i = self.failed.or(self.current).or_else(|| {
            // The last step that started and did not finish.
            self.steps.iter().rposition(|s| s.announced && !s.finished)
        })?;
        let s = &self.steps[i];
        Some(FailedStep {
            num: s.num,
            name: s.name.clone(),
            step_ref: s.step_ref.clone(),
            logs: s.logs.iter().cloned().collect(),
        })
    }

    fn counts(&self) -> (u32, u32) {
        let cached = self.steps.iter().filter(|s| s.cached).count() as u32;
        (self.steps.len() as u32 - cached, cached)
    }
}

fn options(
    req: &DaemonBuild,
    kind: BuilderKind,
    via: Option<&Via>,
) -> bollard::query_parameters::BuildImageOptions {
    use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
    let dockerfile = via.map_or(req.dockerfile.as_str(), |v| v.dockerfile.as_str());
    let mut b = BuildImageOptionsBuilder::default()
        .dockerfile(dockerfile)
        .rm(true)
        .forcerm(true)
        .nocache(req.no_cache);
    let mut args: HashMap<String, String> = req
        .build_args
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if req.inline_cache && kind == BuilderKind::BuildKit {
        // What `docker build --cache-to type=inline` sends.
        args.insert("BUILDKIT_INLINE_CACHE".to_string(), "1".to_string());
    }
    if !args.is_empty() {
        b = b.buildargs(&args);
    }
    if !req.labels.is_empty() {
        let labels: HashMap<String, String> = req
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        b = b.labels(&labels);
    }
    if let Some(t) = &req.target {
        b = b.target(t);
    }
    if let Some(p) = &req.platform {
        b = b.platform(p);
    }
    if let Some(n) = &req.network {
        b = b.networkmode(n);
    }
    if req.pull_always {
        b = b.pull("1");
    }
    if !req.cache_from.is_empty() {
        b = b.cachefrom(&req.cache_from);
    }
    if !req.extra_hosts.is_empty() {
        b = b.extrahosts(&req.extra_hosts.join(","));
    }
    match kind {
        BuilderKind::Classic => b = b.version(BuilderVersion::BuilderV1),
        BuilderKind::BuildKit => {
            b = b.version(BuilderVersion::BuilderBuildKit);
            match via {
                // The daemon syncs the context from our session.
                #[cfg(feature = "buildkit")]
                Some(v) => b = b.session(v.session.id()).remote("client-session"),
                #[cfg(feature = "buildkit")]
                None => b = b.session(&session_id()),
                #[cfg(not(feature = "buildkit"))]
                _ => {}
            }
        }
    }
    b.build()
}

/// The image ID and BuildKit status in a stream message.
#[cfg(feature = "buildkit")]
fn handle_aux(tracker: &mut Tracker, info: &bollard::models::BuildInfo) {
    use bollard::models::BuildInfoAux;
    match &info.aux {
        Some(BuildInfoAux::BuildKit(status)) => tracker.buildkit_status(status),
        Some(BuildInfoAux::Default(id)) => {
            if let Some(id) = id
                .id
                .as_ref()
                .filter(|id| crate::builder::daemon::is_image_id(id))
            {
                tracker.image_id = Some(id.clone());
            }
        }
        None => {}
    }
}

#[cfg(not(feature = "buildkit"))]
fn handle_aux(tracker: &mut Tracker, info: &bollard::models::BuildInfo) {
    if let Some(id) = info
        .aux
        .as_ref()
        .and_then(|a| a.id.clone())
        .filter(|id| crate::builder::daemon::is_image_id(id))
    {
        tracker.image_id = Some(id);
    }
}

/// Opens our session for a BuildKit build's context. `Ok(None)`: the context
/// goes as a tar body (the endpoint cannot carry a session, or opening one
/// failed, which is said).
#[cfg(feature = "buildkit")]
async fn open_session(
    daemon: &Daemon,
    sync: ContextSync,
    served: super::session::Served,
    sent: &SentCounter,
    context_done: &Arc<AtomicBool>,
    emit: &Emitter,
    cancel: &mut Cancel,
) -> Result<Option<Via>, ()> {
    use super::session::{open, OpenError};
    let id = session_id();
    let dockerfile = sync.dockerfile_name().to_string();
    let hides_build_files = sync.hides_build_files();
    let opening = open(
        &daemon.endpoint,
        &id,
        sync,
        served,
        sent.clone(),
        context_done.clone(),
    );
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(()),
        res = opening => match res {
            Ok(session) => Ok(Some(Via { session, dockerfile })),
            Err(OpenError::Unsupported) => {
                if hides_build_files {
                    emit.note(
                        NoteLevel::Warning,
                        format!(
                            "the daemon at {} takes the context as a tar, where BuildKit shows the ignored \
                             Dockerfile or .dockerignore to `COPY . .`; copy named paths, or use --builder classic",
                            daemon.endpoint.host
                        ),
                    );
                }
                Ok(None)
            }
            Err(OpenError::Failed(why)) => {
                emit.note(
                    NoteLevel::Warning,
                    format!(
                        "cannot open a BuildKit session with the daemon at {} ({why}); sending the context as a tar, \
                         where BuildKit shows an ignored Dockerfile or .dockerignore to `COPY . .`",
                        daemon.endpoint.host
                    ),
                );
                Ok(None)
            }
        },
    }
}

/// Sends one build and follows it to the end.
///
/// On BuildKit with a `sync`, the context goes through a session of our own
/// (as the docker CLI sends it: BuildKit applies no ignore file to a tar
/// body, so an ignored Dockerfile would reach `COPY . .`); otherwise, and on
/// the classic builder, as a tar request body.
pub async fn run(
    daemon: &Daemon,
    kind: BuilderKind,
    req: &DaemonBuild,
    tar: TarSource,
    sync: Option<ContextSync>,
    emit: &Emitter,
    cancel: &mut Cancel,
) -> Result<Built, BuildFailure> {
    let start = Instant::now();
    let job = emit.job();
    emit.send(Event::Started {
        job,
        builder: kind.label(),
    });
    let sent = SentCounter::default();
    let upload_done = Arc::new(AtomicBool::new(false));
    let via: Option<Via> = match (kind, sync) {
        #[cfg(feature = "buildkit")]
        (BuilderKind::BuildKit, Some(sync)) => {
            let served = super::session::Served {
                credentials: req.credentials.clone(),
                secrets: req.secrets.clone(),
                ssh: req.ssh.clone(),
            };
            match open_session(daemon, sync, served, &sent, &upload_done, emit, cancel).await {
                Ok(via) => via,
                Err(()) => {
                    return Err(BuildFailure {
                        kind: FailureKind::Cancelled,
                        message: "cancelled".to_string(),
                        step: None,
                        bytes_sent: 0,
                        secs: start.elapsed().as_secs_f64(),
                    })
                }
            }
        }
        _ => None,
    };
    let (body, total) = if via.is_some() {
        // The daemon asks the session for what it lacks: no size to show.
        (bollard::body_full(bytes::Bytes::new()), None)
    } else {
        let producer = {
            let tar = tar.clone();
            let done = upload_done.clone();
            Box::new(move |w: &mut dyn std::io::Write| {
                tar(w)?;
                w.flush()?;
                done.store(true, Ordering::Release);
                Ok(())
            })
        };
        (
            bollard::body_try_stream(stream_body(producer, sent.clone())),
            req.context_size,
        )
    };
    // `via` holds our session open until this function returns.
    let opts = options(req, kind, via.as_ref());
    let auths = (!req.registry_auths.0.is_empty()).then(|| req.registry_auths.0.clone());
    let extra = super::limits::extra_build_query(req.shm_size, &req.ulimits);
    let docker = if extra.is_empty() {
        daemon.build_docker.clone()
    } else {
        daemon.build_docker.clone().with_request_modifier(move |r| {
            super::limits::with_query(super::credentials::url_safe_auth_headers(r), &extra)
        })
    };
    let mut stream = docker.build_image(opts, auths, Some(body));
    let mut tracker = Tracker::new(emit.clone());
    // The next message is read only once the view has room for what it
    // shows: a daemon sending faster than the output takes waits.
    let view = emit.clone();
    let mut ticker = tokio::time::interval(Duration::from_millis(150));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_sent = u64::MAX;
    let mut upload_reported = false;
    let report_upload = |tracker: &Tracker, last: &mut u64, reported: &mut bool| {
        if *reported {
            return;
        }
        let n = sent.get();
        let done = upload_done.load(Ordering::Acquire);
        if n != *last || done {
            *last = n;
            tracker.emit.send(Event::Upload {
                job,
                sent: n,
                total,
                done,
            });
            *reported = done;
        }
    };
    let fail = |kind: FailureKind, message: String, step: Option<FailedStep>| BuildFailure {
        kind,
        message,
        step,
        bytes_sent: sent.get(),
        secs: start.elapsed().as_secs_f64(),
    };
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                drop(stream);
                return Err(fail(FailureKind::Cancelled, "cancelled".to_string(), None));
            }
            _ = ticker.tick() => {
                report_upload(&tracker, &mut last_sent, &mut upload_reported);
            }
            item = async { view.room().await; stream.next().await } => {
                match item {
                    Some(Ok(info)) => {
                        if let Some(text) = &info.stream {
                            tracker.classic_text(text);
                        }
                        if let Some(status) = &info.status {
                            if !status.trim().is_empty() {
                                let line = match &info.id {
                                    Some(id) => format!("{id}: {status}"),
                                    None => status.clone(),
                                };
                                tracker.log_line(tracker.current, &line);
                            }
                        }
                        handle_aux(&mut tracker, &info);
                    }
                    Some(Err(e)) => {
                        report_upload(&tracker, &mut last_sent, &mut upload_reported);
                        tracker.flush_partials();
                        return Err(classify(daemon, e, &tracker, fail));
                    }
                    None => break,
                }
            }
        }
    }
    tracker.flush_partials();
    if !upload_reported {
        // The daemon has read the whole context by the time it answers.
        upload_done.store(true, Ordering::Release);
        report_upload(&tracker, &mut last_sent, &mut upload_reported);
    }
    if let Some(c) = tracker.current {
        if kind == BuilderKind::Classic {
            tracker.finish_step(c);
        }
    }
    match tracker.image_id.clone() {
        Some(image_id) => {
            let (run, cached) = tracker.counts();
            Ok(Built {
                image_id,
                bytes_sent: sent.get(),
                secs: start.elapsed().as_secs_f64(),
                steps_run: run,
                steps_cached: cached,
            })
        }
        None => Err(fail(
            FailureKind::ConnectionLost,
            format!(
                "the connection to the daemon at {} ended before the build reported an image",
                daemon.endpoint.host
            ),
            tracker.failed_step(),
        )),
    }
}

fn classify(
    daemon: &Daemon,
    e: bollard::errors::Error,
    tracker: &Tracker,
    fail: impl Fn(FailureKind, String, Option<FailedStep>) -> BuildFailure,
) -> BuildFailure {
    use bollard::errors::Error as E;
    match e {
        E::DockerStreamError { error } => {
            let kind = if is_buildkit_unavailable(&error) {
                FailureKind::BuildKitUnavailable
            } else {
                FailureKind::Build
            };
            fail(kind, error.trim().to_string(), tracker.failed_step())
        }
        E::DockerResponseServerError {
            status_code,
            message,
        } => {
            let kind = if is_buildkit_unavailable(&message) {
                FailureKind::BuildKitUnavailable
            } else if tracker.steps.is_empty() {
                FailureKind::Daemon
            } else {
                FailureKind::Build
            };
            let msg = if message.trim().is_empty() {
                format!("the daemon answered {status_code}")
            } else {
                message.trim().to_string()
            };
            fail(kind, msg, tracker.failed_step())
        }
        other => fail(
            FailureKind::ConnectionLost,
            format!(
                "the connection to the daemon at {} was lost during the build: {}",
                daemon.endpoint.host,
                super::daemon::transport::take_refusal(&daemon.endpoint.host)
                    .unwrap_or_else(|| describe_transport_error(&other))
            ),
            tracker.failed_step(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_refs() {
        assert_eq!(
            parse_step_ref("Step 3/7 : RUN x"),
            Some(StepRef::Classic { n: 3, total: 7 })
        );
        assert_eq!(
            parse_step_ref("[2/4] RUN echo hi"),
            Some(StepRef::BuildKit {
                stage: None,
                index: 2,
                total: 4
            })
        );
        assert_eq!(
            parse_step_ref("[build  3/5] COPY . ."),
            Some(StepRef::BuildKit {
                stage: Some("build".into()),
                index: 3,
                total: 5
            })
        );
        assert_eq!(
            parse_step_ref("[linux/arm64 stage-1 2/2] RUN x"),
            Some(StepRef::BuildKit {
                stage: Some("stage-1".into()),
                index: 2,
                total: 2
            })
        );
        assert_eq!(parse_step_ref("[internal] load build definition"), None);
        assert_eq!(parse_step_ref("exporting to image"), None);
    }

    #[test]
    fn classic_stream_becomes_steps_logs_and_an_id() {
        let (tx, rx) = crate::builder::progress::channel();
        let mut t = Tracker::new(Emitter::new(0, tx));
        t.classic_text("Step 1/3 : FROM base\n ---> 839676c3089c\nStep 2/3 : RUN echo hi\n");
        t.classic_text(" ---> Running in 6d31710620fe\nhi\nRemoving intermediate container 6d31710620fe\n ---> 1851212c5af2\n");
        t.classic_text("Step 3/3 : COPY f /f\n ---> Using cache\n ---> 8dce8d8ac92e\nSuccessfully built 8dce8d8ac92e\n");
        assert_eq!(t.image_id.as_deref(), Some("8dce8d8ac92e"));
        assert_eq!(t.counts(), (2, 1));
        let events: Vec<Event> = rx.try_iter().collect();
        let steps: Vec<(u32, String, StepState)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Step {
                    num, name, state, ..
                } => Some((*num, name.clone(), state.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(steps[0].1, "[1/3] FROM base");
        assert_eq!(
            steps[2],
            (2, "[2/3] RUN echo hi".to_string(), StepState::Running)
        );
        assert!(matches!(steps[3].2, StepState::Done { .. }));
        assert_eq!(steps[5].2, StepState::Cached);
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::Log { num: Some(2), text, .. } if text == "hi")));
    }

    #[test]
    fn classic_failure_keeps_the_step_and_its_output() {
        let (tx, _rx) = crate::builder::progress::channel();
        let mut t = Tracker::new(Emitter::new(0, tx));
        t.classic_text("Step 1/2 : FROM base\n ---> 839676c3089c\nStep 2/2 : RUN echo out; false\n ---> Running in 8ae\nout\n");
        let f = t.failed_step().unwrap();
        assert_eq!(f.step_ref, Some(StepRef::Classic { n: 2, total: 2 }));
        assert_eq!(f.logs, vec!["out".to_string()]);
    }

    #[test]
    fn buildkit_unavailable_is_recognised_by_name() {
        assert!(is_buildkit_unavailable(
            "buildkit is only supported with experimental mode"
        ));
        assert!(is_buildkit_unavailable("BuildKit not supported by daemon"));
        assert!(!is_buildkit_unavailable(
            "executor failed running [/bin/sh -c false]: exit code: 1"
        ));
    }

    /// A step printing far more than a screen without a newline, then many
    /// lines: what is kept is bounded (the tail of short lines).
    #[test]
    fn output_kept_from_a_build_is_bounded() {
        let (tx, rx) = crate::builder::progress::channel();
        let mut t = Tracker::new(Emitter::new(0, tx));
        t.classic_text("Step 1/1 : RUN flood\n");
        let chunk = "x".repeat(1 << 20);
        for _ in 0..64 {
            t.classic_text(&chunk);
        }
        assert!(
            t.classic_partial.len() <= MAX_LINE + 16,
            "{}",
            t.classic_partial.len()
        );
        t.classic_text("\n");
        for i in 0..10_000 {
            t.classic_text(&format!("line {i}\n"));
        }
        let kept: usize = t
            .steps
            .iter()
            .flat_map(|s| s.logs.iter())
            .map(String::len)
            .sum();
        assert!(kept <= LOG_TAIL * (MAX_LINE + 16), "{kept}");
        assert_eq!(
            t.steps[0].logs.back().map(String::as_str),
            Some("line 9999")
        );
        let longest = rx.try_iter().filter_map(|e| match e {
            Event::Log { text, .. } => Some(text.len()),
            _ => None,
        });
        assert!(longest.max().unwrap() <= MAX_LINE + 16);
        assert_eq!(complete_lines(&mut String::new(), "a\nb\n"), ["a", "b"]);
    }
}
