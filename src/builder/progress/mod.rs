//! What a build reports while it runs, and the three ways of showing it: a
//! live view on a terminal (`tty`), prefixed plain lines (`plain`, in a pipe
//! or CI) and JSON lines (`json`).
//!
//! Builds run on the async runtime and send [`Event`]s through a channel;
//! the thread that owns the output renders them, so output never interleaves.
//! The channel holds a bounded backlog: a build reads the daemon's next
//! message only when the view has caught up ([`Emitter::room`]), so a daemon
//! that floods short lines faster than a terminal or a CI log takes them is
//! slowed down (its connection fills) instead of filling memory.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

mod json;
mod plain;
mod tty;

pub use json::JsonView;
pub use plain::PlainView;
pub use tty::TtyView;

/// How to show progress (`--progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// The live view on a terminal, plain lines otherwise.
    Auto,
    /// The live view.
    Tty,
    /// One prefixed line per event.
    Plain,
    /// One JSON object per line.
    Json,
}

/// The state of one build step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepState {
    Running,
    /// The daemon reused a cached result.
    Cached,
    Done {
        secs: f64,
    },
    Failed {
        message: String,
    },
}

/// How one job ended.
#[derive(Clone, Debug, PartialEq)]
pub enum JobResult {
    Built {
        image_id: String,
        secs: f64,
        bytes: u64,
    },
    /// Found in the build record: nothing was sent.
    Cached {
        image_id: String,
    },
    /// The message is the one-line summary; the full report (with this
    /// message) is printed once the view is done, so the tty and plain
    /// views leave it out.
    Failed {
        message: String,
        /// How long it ran before it failed (`None`: it never started).
        secs: Option<f64>,
        cancelled: bool,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteLevel {
    Info,
    Warning,
}

/// Something a build reports. `job` indexes the names given to the view.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The build is sent to the daemon with this builder.
    Started {
        job: usize,
        builder: &'static str,
    },
    /// Context bytes handed to the connection so far.
    Upload {
        job: usize,
        sent: u64,
        total: Option<u64>,
        done: bool,
    },
    /// A step appeared or changed state. `num` numbers steps per job in the
    /// order they first appear.
    Step {
        job: usize,
        num: u32,
        name: String,
        state: StepState,
    },
    /// A line of a step's output.
    Log {
        job: usize,
        num: Option<u32>,
        text: String,
    },
    /// A remark from buildlint (a builder fallback, a warning).
    Note {
        job: usize,
        level: NoteLevel,
        text: String,
    },
    /// A push of `tag` changed state: a layer's state as the daemon reports
    /// it (`Preparing`, `Pushing` with bytes, `Layer already exists`,
    /// `Pushed`), then `pushed DIGEST` (no layer), or `skipped: ...` when the
    /// registry already holds this image under the tag.
    Push {
        job: usize,
        tag: String,
        /// The layer's short ID (unknown on TLS and ssh endpoints).
        layer: Option<String>,
        status: String,
        current: Option<u64>,
        total: Option<u64>,
    },
    Finished {
        job: usize,
        result: JobResult,
    },
}

impl Event {
    pub fn job(&self) -> usize {
        match self {
            Event::Started { job, .. }
            | Event::Upload { job, .. }
            | Event::Step { job, .. }
            | Event::Log { job, .. }
            | Event::Note { job, .. }
            | Event::Push { job, .. }
            | Event::Finished { job, .. } => *job,
        }
    }
}

/// Shows events. Implementations write only to the writer they are given
/// (the live view draws on the terminal itself).
pub trait View {
    fn event(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()>;
    /// Called about ten times a second between events, on the same thread:
    /// animations and elapsed times. Views never draw from other threads
    /// (the caller may hold the standard error lock).
    fn tick(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    /// Called once, after the last event: clears live regions.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// The jobs each job waits for (indexes), before any event: a view can
    /// then say what a job that has not started waits for.
    fn dependencies(&mut self, _deps: &[Vec<usize>]) {}
}

/// Picks the view for `mode`. `names` are the jobs' display names (a
/// service name, or the image's first tag).
pub fn make_view(
    mode: ProgressMode,
    names: Vec<String>,
    stderr_is_terminal: bool,
    color: bool,
) -> Box<dyn View> {
    match mode {
        ProgressMode::Json => Box::new(JsonView::new(names)),
        ProgressMode::Plain => Box::new(PlainView::new(names)),
        ProgressMode::Tty => Box::new(TtyView::new(names, color)),
        ProgressMode::Auto if stderr_is_terminal => Box::new(TtyView::new(names, color)),
        ProgressMode::Auto => Box::new(PlainView::new(names)),
    }
}

/// How many events may wait for the view before a build stops reading
/// from the daemon.
pub const BACKLOG: usize = 1024;

/// A channel of events from builds to the view.
pub fn channel() -> (Sender, Events) {
    let (tx, rx) = mpsc::channel();
    let backlog = Arc::new(Backlog::default());
    (
        Sender {
            tx,
            backlog: backlog.clone(),
        },
        Events { rx, backlog },
    )
}

#[derive(Debug, Default)]
struct Backlog {
    /// Events sent and not yet received.
    pending: AtomicUsize,
    /// The receiving side is gone: nobody will make room.
    closed: AtomicBool,
    drained: tokio::sync::Notify,
}

/// The sending side of [`channel`].
#[derive(Clone, Debug)]
pub struct Sender {
    tx: mpsc::Sender<Event>,
    backlog: Arc<Backlog>,
}

impl Sender {
    /// Sends an event; a closed channel (the renderer is gone) is ignored.
    pub fn send(&self, event: Event) {
        self.backlog.pending.fetch_add(1, Ordering::AcqRel);
        if self.tx.send(event).is_err() {
            self.backlog.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Events sent and not yet taken by the view.
    pub fn pending(&self) -> usize {
        self.backlog.pending.load(Ordering::Acquire)
    }

    /// Waits until fewer than [`BACKLOG`] events wait for the view (or the
    /// view is gone).
    pub async fn room(&self) {
        let backlog = &self.backlog;
        loop {
            let drained = backlog.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            if backlog.pending.load(Ordering::Acquire) < BACKLOG
                || backlog.closed.load(Ordering::Acquire)
            {
                return;
            }
            drained.await;
        }
    }
}

/// The receiving side of [`channel`], owned by the thread that renders.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<Event>,
    backlog: Arc<Backlog>,
}

impl Events {
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Event, mpsc::RecvTimeoutError> {
        let got = self.rx.recv_timeout(timeout);
        if got.is_ok() {
            self.took_one();
        }
        got
    }

    /// The events waiting now, without blocking.
    pub fn try_iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.rx.try_iter().inspect(|_| self.took_one())
    }

    fn took_one(&self) {
        let before = self.backlog.pending.fetch_sub(1, Ordering::AcqRel);
        if before <= BACKLOG {
            self.backlog.drained.notify_waiters();
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.backlog.closed.store(true, Ordering::Release);
        self.backlog.drained.notify_waiters();
    }
}

/// The sending side, one per job, cheap to clone into tasks.
#[derive(Clone, Debug)]
pub struct Emitter {
    job: usize,
    tx: Sender,
}

impl Emitter {
    pub fn new(job: usize, tx: Sender) -> Emitter {
        Emitter { job, tx }
    }

    pub fn job(&self) -> usize {
        self.job
    }

    /// Sends an event; a closed channel (the renderer is gone) is ignored.
    pub fn send(&self, event: Event) {
        self.tx.send(event);
    }

    /// Waits until the view has room for more events: call before reading
    /// the daemon's next message.
    pub async fn room(&self) {
        self.tx.room().await
    }

    pub fn note(&self, level: NoteLevel, text: impl Into<String>) {
        self.send(Event::Note {
            job: self.job,
            level,
            text: text.into(),
        });
    }
}

/// `1536` → `1.5 kB` (decimal units, as docker prints them).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}

/// `sha256:0123456789abcdef...` → `0123456789ab`.
/// How a failed job ended, without its message (the report that closes
/// the run carries it): `failed after 1.2s`, `cancelled`.
pub fn failed_text(secs: Option<f64>, cancelled: bool) -> String {
    let what = if cancelled { "cancelled" } else { "failed" };
    match secs {
        Some(s) => format!("{what} after {s:.1}s"),
        None => what.to_string(),
    }
}

pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A producer that checks for room stops at the backlog until the view
    /// takes events; a view that goes away releases it.
    #[tokio::test(flavor = "current_thread")]
    async fn a_full_backlog_waits_for_the_view() {
        let (tx, rx) = channel();
        let emit = Emitter::new(0, tx.clone());
        let log = |i: usize| Event::Log {
            job: 0,
            num: None,
            text: format!("line {i}"),
        };
        let mut sent = 0;
        // Stops at BACKLOG: the next `room` does not resolve.
        loop {
            let waited = tokio::time::timeout(Duration::from_millis(50), emit.room()).await;
            if waited.is_err() {
                break;
            }
            emit.send(log(sent));
            sent += 1;
            assert!(sent <= BACKLOG, "sent {sent} events with nobody reading");
        }
        assert_eq!(sent, BACKLOG);
        assert_eq!(tx.pending(), BACKLOG);
        // The view takes one: room again.
        assert!(rx.recv_timeout(Duration::from_millis(10)).is_ok());
        tokio::time::timeout(Duration::from_secs(5), emit.room())
            .await
            .expect("room after the view took an event");
        emit.send(log(sent));
        assert_eq!(rx.try_iter().count(), BACKLOG);
        assert_eq!(tx.pending(), 0);
        // Fill again, then the view goes away: nobody waits forever.
        for i in 0..BACKLOG {
            emit.send(log(i));
        }
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), emit.room())
            .await
            .expect("no wait once the view is gone");
    }

    #[test]
    fn bytes_and_ids() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1536), "1.5 kB");
        assert_eq!(human_bytes(224_850_944), "224.9 MB");
        assert_eq!(short_id("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
    }
}
