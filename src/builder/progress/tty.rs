//! The live view on a terminal: one line per job with a spinner, its current
//! step and latest output line, a bar while the context uploads; finished
//! steps scroll above (cached ones marked), and each job ends with its result.
//!
//! Everything is drawn from the thread that feeds events and ticks (no
//! steady-tick thread): the caller may hold the standard error lock.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{failed_text, human_bytes, short_id, Event, JobResult, NoteLevel, StepState, View};

struct Job {
    bar: ProgressBar,
    step: Option<(u32, String)>,
    last_log: Option<String>,
    uploading: bool,
    /// Started or finished: no longer waiting.
    begun: bool,
    /// The jobs this one waits for.
    deps: Vec<usize>,
}

pub struct TtyView {
    multi: MultiProgress,
    names: Vec<String>,
    width: usize,
    jobs: Vec<Job>,
    color: bool,
}

fn spinner_style(width: usize) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{spinner:.cyan}} {{prefix:<{width}.bold}}  {{wide_msg}} {{elapsed:>4.dim}}"
    ))
    .expect("valid template")
    .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ")
}

fn upload_style(width: usize) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{spinner:.cyan}} {{prefix:<{width}.bold}}  sending context [{{wide_bar:.cyan/blue}}] {{bytes}}/{{total_bytes}}"
    ))
    .expect("valid template")
    .progress_chars("=> ")
}

fn done_style(width: usize) -> ProgressStyle {
    ProgressStyle::with_template(&format!("  {{prefix:<{width}.bold}}  {{wide_msg}}"))
        .expect("valid template")
}

impl TtyView {
    /// Draws on standard error.
    pub fn new(names: Vec<String>, color: bool) -> TtyView {
        Self::with_target(names, color, ProgressDrawTarget::stderr_with_hz(10))
    }

    pub fn with_target(names: Vec<String>, color: bool, target: ProgressDrawTarget) -> TtyView {
        let multi = MultiProgress::with_draw_target(target);
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let jobs = names
            .iter()
            .map(|n| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(spinner_style(width));
                bar.set_prefix(n.clone());
                bar.set_message("waiting");
                Job {
                    bar,
                    step: None,
                    last_log: None,
                    uploading: false,
                    begun: false,
                    deps: Vec::new(),
                }
            })
            .collect();
        TtyView {
            multi,
            names,
            width,
            jobs,
            color,
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn above(&self, job: usize, text: &str) {
        let name = self.names.get(job).map(String::as_str).unwrap_or("?");
        let prefix = self.paint(Style::new().bold(), &format!("{name:<w$}", w = self.width));
        let _ = self.multi.println(format!("  {prefix}  {text}"));
    }

    /// "waiting for base, api" while dependencies run, then "waiting for a
    /// free slot" (all builds at once are `-j`).
    fn show_waiting(&self) {
        for j in self.jobs.iter().filter(|j| !j.begun) {
            let pending: Vec<&str> = j
                .deps
                .iter()
                .filter(|&&d| self.jobs.get(d).is_some_and(|x| !x.bar.is_finished()))
                .filter_map(|&d| self.names.get(d).map(String::as_str))
                .collect();
            if pending.is_empty() {
                j.bar.set_message("waiting for a free slot");
            } else {
                j.bar
                    .set_message(format!("waiting for {}", pending.join(", ")));
            }
        }
    }

    fn refresh(&self, job: usize) {
        let Some(j) = self.jobs.get(job) else { return };
        if j.uploading {
            return;
        }
        let mut msg = match &j.step {
            Some((num, name)) => format!("#{num} {name}"),
            None => "starting".to_string(),
        };
        if let Some(log) = &j.last_log {
            msg.push_str("  ");
            msg.push_str(&self.paint(Style::new().dimmed(), log));
        }
        j.bar.set_message(msg);
    }
}

impl View for TtyView {
    fn event(&mut self, event: &Event, _out: &mut dyn Write) -> io::Result<()> {
        let job = event.job();
        if job >= self.jobs.len() {
            return Ok(());
        }
        match event {
            Event::Started { builder, .. } => {
                self.jobs[job].begun = true;
                self.jobs[job]
                    .bar
                    .set_message(format!("building with {builder}"));
            }
            Event::Upload {
                sent, total, done, ..
            } => {
                let w = self.width;
                let j = &mut self.jobs[job];
                if *done {
                    if j.uploading {
                        j.uploading = false;
                        j.bar.set_style(spinner_style(w));
                    }
                    let text = format!("sent {} of context", human_bytes(*sent));
                    self.above(job, &text);
                    self.refresh(job);
                } else if let Some(total) = total {
                    if !j.uploading {
                        j.uploading = true;
                        j.bar.set_style(upload_style(w));
                        j.bar.set_length(*total);
                    }
                    j.bar.set_position(*sent);
                } else {
                    j.bar
                        .set_message(format!("sending context {}", human_bytes(*sent)));
                }
            }
            Event::Step {
                num, name, state, ..
            } => match state {
                StepState::Running => {
                    let w = self.width;
                    let j = &mut self.jobs[job];
                    // A running step ends the upload display, whether or not
                    // an upload said it was done (BuildKit's file sync does not).
                    if j.uploading {
                        j.uploading = false;
                        j.bar.set_style(spinner_style(w));
                    }
                    j.step = Some((*num, crate::terminal::escape_controls(name).into_owned()));
                    j.last_log = None;
                    self.refresh(job);
                }
                StepState::Cached => {
                    let tag = self.paint(
                        Style::new().fg_color(Some(AnsiColor::Blue.into())),
                        "cached",
                    );
                    self.above(job, &format!("{tag} #{num} {name}"));
                }
                StepState::Done { secs } => {
                    let tag = self.paint(
                        Style::new().fg_color(Some(AnsiColor::Green.into())),
                        "done  ",
                    );
                    let t = self.paint(Style::new().dimmed(), &format!("{secs:.1}s"));
                    self.above(job, &format!("{tag} #{num} {name} {t}"));
                }
                StepState::Failed { .. } => {
                    let tag = self.paint(
                        Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                        "error ",
                    );
                    // The message comes once, with the job's result.
                    self.above(job, &format!("{tag} #{num} {name}"));
                }
            },
            Event::Log { text, .. } => {
                let line: String = crate::terminal::escape_controls(text)
                    .chars()
                    .take(200)
                    .collect();
                self.jobs[job].last_log = Some(line);
                self.refresh(job);
            }
            Event::Push {
                tag, layer, status, ..
            } => {
                if status.starts_with("pushed ") || status.starts_with("skipped") {
                    self.above(job, &format!("push {tag}: {status}"));
                } else {
                    let layer = layer
                        .as_deref()
                        .map(|l| format!("{l} "))
                        .unwrap_or_default();
                    self.jobs[job].last_log = Some(format!("push {tag}: {layer}{status}"));
                    self.refresh(job);
                }
            }
            Event::Note { level, text, .. } => {
                let tag = match level {
                    NoteLevel::Info => {
                        self.paint(Style::new().fg_color(Some(AnsiColor::Cyan.into())), "note:")
                    }
                    NoteLevel::Warning => self.paint(
                        Style::new().fg_color(Some(AnsiColor::Yellow.into())),
                        "warning:",
                    ),
                };
                self.above(job, &format!("{tag} {text}"));
            }
            Event::Finished { result, .. } => {
                let (mark, text) = match result {
                    JobResult::Built { image_id, secs, .. } => (
                        self.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), "✔"),
                        format!("built {} in {secs:.1}s", short_id(image_id)),
                    ),
                    JobResult::Cached { image_id } => (
                        self.paint(Style::new().fg_color(Some(AnsiColor::Blue.into())), "✔"),
                        format!("cached {} (unchanged)", short_id(image_id)),
                    ),
                    // The message comes once, in full, in the report printed
                    // after the live view (a bar's line is cut at the edge).
                    JobResult::Failed {
                        secs, cancelled, ..
                    } => (
                        self.paint(Style::new().fg_color(Some(AnsiColor::Red.into())), "✘"),
                        failed_text(*secs, *cancelled),
                    ),
                    JobResult::Skipped { reason } => (
                        self.paint(Style::new().dimmed(), "-"),
                        format!("skipped: {reason}"),
                    ),
                };
                let j = &mut self.jobs[job];
                j.begun = true;
                j.bar.set_style(done_style(self.width));
                j.bar.finish_with_message(format!("{mark} {text}"));
                self.show_waiting();
            }
        }
        Ok(())
    }

    fn tick(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        for j in &self.jobs {
            if !j.bar.is_finished() {
                j.bar.tick();
            }
        }
        Ok(())
    }

    fn dependencies(&mut self, deps: &[Vec<usize>]) {
        for (j, d) in self.jobs.iter_mut().zip(deps) {
            j.deps = d.clone();
        }
        self.show_waiting();
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        for j in &self.jobs {
            if !j.bar.is_finished() {
                j.bar.abandon();
            }
        }
        // indicatif leaves the cursor after the last bar's text.
        if !self.multi.is_hidden() {
            writeln!(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_build_renders_without_a_terminal() {
        let mut v = TtyView::with_target(vec!["app".into()], true, ProgressDrawTarget::hidden());
        let mut sink = Vec::new();
        for e in [
            Event::Started {
                job: 0,
                builder: "BuildKit",
            },
            Event::Upload {
                job: 0,
                sent: 10,
                total: Some(100),
                done: false,
            },
            Event::Upload {
                job: 0,
                sent: 100,
                total: Some(100),
                done: true,
            },
            Event::Step {
                job: 0,
                num: 1,
                name: "[1/2] FROM x".into(),
                state: StepState::Running,
            },
            Event::Log {
                job: 0,
                num: Some(1),
                text: "hello".into(),
            },
            Event::Step {
                job: 0,
                num: 1,
                name: "[1/2] FROM x".into(),
                state: StepState::Done { secs: 0.2 },
            },
            Event::Finished {
                job: 0,
                result: JobResult::Built {
                    image_id: "sha256:00".into(),
                    secs: 1.0,
                    bytes: 100,
                },
            },
        ] {
            v.event(&e, &mut sink).unwrap();
        }
        v.finish(&mut sink).unwrap();
        assert!(v.jobs[0].bar.is_finished());
        assert!(v.jobs[0].bar.message().contains("built 00"));
        // The live view never writes to the plain output stream.
        assert!(sink.is_empty());
    }

    #[test]
    fn a_waiting_job_says_what_it_waits_for() {
        let names = vec!["base".to_string(), "api".to_string(), "web".to_string()];
        let mut v = TtyView::with_target(names, false, ProgressDrawTarget::hidden());
        v.dependencies(&[vec![], vec![0], vec![0, 1]]);
        assert_eq!(v.jobs[0].bar.message(), "waiting for a free slot");
        assert_eq!(v.jobs[1].bar.message(), "waiting for base");
        assert_eq!(v.jobs[2].bar.message(), "waiting for base, api");
        let mut sink = Vec::new();
        for e in [
            Event::Started {
                job: 0,
                builder: "BuildKit",
            },
            Event::Finished {
                job: 0,
                result: JobResult::Cached {
                    image_id: "sha256:00".into(),
                },
            },
        ] {
            v.event(&e, &mut sink).unwrap();
        }
        assert_eq!(v.jobs[1].bar.message(), "waiting for a free slot");
        assert_eq!(v.jobs[2].bar.message(), "waiting for api");
    }

    #[test]
    fn a_running_step_ends_the_upload_line_and_a_failure_is_not_cut() {
        let mut v = TtyView::with_target(vec!["app".into()], false, ProgressDrawTarget::hidden());
        let mut sink = Vec::new();
        let long = "x".repeat(500);
        for e in [
            Event::Upload {
                job: 0,
                sent: 10,
                total: Some(100),
                done: false,
            },
            Event::Step {
                job: 0,
                num: 2,
                name: "RUN make".into(),
                state: StepState::Running,
            },
        ] {
            v.event(&e, &mut sink).unwrap();
        }
        assert!(!v.jobs[0].uploading);
        assert!(
            v.jobs[0].bar.message().starts_with("#2 RUN make"),
            "{}",
            v.jobs[0].bar.message()
        );
        v.event(
            &Event::Finished {
                job: 0,
                result: JobResult::Failed {
                    message: long.clone(),
                    secs: Some(1.25),
                    cancelled: false,
                },
            },
            &mut sink,
        )
        .unwrap();
        assert_eq!(v.jobs[0].bar.message(), "✘ failed after 1.2s");
    }
}
