//! One line per event, each prefixed with the job's name, for pipes and CI.
//!
//! ```text
//! web | #5 [2/3] RUN make
//! web | #5 cc -o app main.c
//! web | #5 done 2.3s
//! web | sent 12.0 kB of context
//! web | built sha256:0123456789ab in 3.1s
//! ```

use std::collections::HashSet;
use std::io::{self, Write};

use super::{failed_text, human_bytes, short_id, Event, JobResult, NoteLevel, StepState, View};

pub struct PlainView {
    names: Vec<String>,
    width: usize,
    /// Steps whose name line was printed, per job.
    named: Vec<HashSet<u32>>,
}

impl PlainView {
    pub fn new(names: Vec<String>) -> PlainView {
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let named = vec![HashSet::new(); names.len()];
        PlainView {
            names,
            width,
            named,
        }
    }

    fn prefix(&self, job: usize) -> String {
        let name = self.names.get(job).map(String::as_str).unwrap_or("?");
        format!("{name:<w$} | ", w = self.width)
    }

    fn line(&self, out: &mut dyn Write, job: usize, text: &str) -> io::Result<()> {
        // Step output and daemon messages are the daemon's bytes.
        writeln!(
            out,
            "{}{}",
            self.prefix(job),
            crate::terminal::escape_controls(text)
        )
    }
}

impl View for PlainView {
    fn event(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()> {
        match event {
            Event::Started { job, builder } => {
                self.line(out, *job, &format!("building with {builder}"))
            }
            Event::Upload {
                job,
                sent,
                done: true,
                ..
            } => self.line(
                out,
                *job,
                &format!("sent {} of context", human_bytes(*sent)),
            ),
            Event::Upload { .. } => Ok(()),
            Event::Step {
                job,
                num,
                name,
                state,
            } => {
                let first = self
                    .named
                    .get_mut(*job)
                    .map(|s| s.insert(*num))
                    .unwrap_or(false);
                if first {
                    self.line(out, *job, &format!("#{num} {name}"))?;
                }
                match state {
                    StepState::Running => Ok(()),
                    StepState::Cached => self.line(out, *job, &format!("#{num} cached")),
                    StepState::Done { secs } => {
                        self.line(out, *job, &format!("#{num} done {secs:.1}s"))
                    }
                    // The message comes once, in the report after the run.
                    StepState::Failed { .. } => self.line(out, *job, &format!("#{num} error")),
                }
            }
            Event::Log { job, num, text } => match num {
                Some(n) => self.line(out, *job, &format!("#{n} {text}")),
                None => self.line(out, *job, text),
            },
            Event::Note { job, level, text } => {
                let tag = match level {
                    NoteLevel::Info => "note",
                    NoteLevel::Warning => "warning",
                };
                self.line(out, *job, &format!("{tag}: {text}"))
            }
            Event::Push {
                job,
                tag,
                layer,
                status,
                total,
                ..
            } => {
                let size = total
                    .map(|t| format!(" ({})", human_bytes(t)))
                    .unwrap_or_default();
                let layer = layer
                    .as_deref()
                    .map(|l| format!("{l} "))
                    .unwrap_or_default();
                self.line(out, *job, &format!("push {tag}: {layer}{status}{size}"))
            }
            Event::Finished { job, result } => {
                let text = match result {
                    JobResult::Built { image_id, secs, .. } => {
                        format!("built {} in {secs:.1}s", short_id(image_id))
                    }
                    JobResult::Cached { image_id } => {
                        format!(
                            "cached {} (unchanged since the last build)",
                            short_id(image_id)
                        )
                    }
                    JobResult::Failed {
                        secs, cancelled, ..
                    } => failed_text(*secs, *cancelled),
                    JobResult::Skipped { reason } => format!("skipped: {reason}"),
                };
                self.line(out, *job, &text)
            }
        }
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_prefixed_and_padded() {
        let mut v = PlainView::new(vec!["web".into(), "worker".into()]);
        let mut out = Vec::new();
        for e in [
            Event::Started {
                job: 0,
                builder: "BuildKit",
            },
            Event::Step {
                job: 1,
                num: 2,
                name: "[2/3] RUN make".into(),
                state: StepState::Running,
            },
            Event::Log {
                job: 1,
                num: Some(2),
                text: "cc main.c".into(),
            },
            Event::Step {
                job: 1,
                num: 2,
                name: "[2/3] RUN make".into(),
                state: StepState::Done { secs: 2.34 },
            },
            Event::Step {
                job: 0,
                num: 3,
                name: "[3/3] COPY . /".into(),
                state: StepState::Cached,
            },
            Event::Upload {
                job: 0,
                sent: 12_000,
                total: None,
                done: true,
            },
            Event::Finished {
                job: 0,
                result: JobResult::Built {
                    image_id: "sha256:0123456789abcdef".into(),
                    secs: 3.08,
                    bytes: 12_000,
                },
            },
        ] {
            v.event(&e, &mut out).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "web    | building with BuildKit\n\
             worker | #2 [2/3] RUN make\n\
             worker | #2 cc main.c\n\
             worker | #2 done 2.3s\n\
             web    | #3 [3/3] COPY . /\n\
             web    | #3 cached\n\
             web    | sent 12.0 kB of context\n\
             web    | built 0123456789ab in 3.1s\n"
        );
    }

    #[test]
    fn a_failure_says_how_long_it_ran_and_leaves_the_message_to_the_report() {
        let mut v = PlainView::new(vec!["web".into()]);
        let mut out = Vec::new();
        for e in [
            Event::Step {
                job: 0,
                num: 4,
                name: "[2/2] RUN false".into(),
                state: StepState::Failed {
                    message: "exit code: 1".into(),
                },
            },
            Event::Finished {
                job: 0,
                result: JobResult::Failed {
                    message: "step [2/2] RUN false failed: exit code: 1".into(),
                    secs: Some(1.26),
                    cancelled: false,
                },
            },
            Event::Finished {
                job: 0,
                result: JobResult::Failed {
                    message: "cancelled".into(),
                    secs: None,
                    cancelled: true,
                },
            },
        ] {
            v.event(&e, &mut out).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "web | #4 [2/2] RUN false\n\
             web | #4 error\n\
             web | failed after 1.3s\n\
             web | cancelled\n"
        );
    }
}
