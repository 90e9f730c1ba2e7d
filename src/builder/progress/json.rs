//! One JSON object per line (`--progress json`), for tools that follow a
//! build. Every object has `time` (seconds since the run began), `name` (the
//! job) and `event`; the rest depends on the event:
//!
//! ```text
//! {"time":0.012,"name":"web","event":"started","builder":"BuildKit"}
//! {"time":0.020,"name":"web","event":"upload","sent":65536,"total":null,"done":false}
//! {"time":0.350,"name":"web","event":"step","num":5,"step":"[2/3] RUN make","state":"done","secs":0.3}
//! {"time":0.351,"name":"web","event":"log","num":5,"text":"cc main.c"}
//! {"time":0.360,"name":"web","event":"note","level":"warning","text":"..."}
//! {"time":0.400,"name":"web","event":"finished","result":"built","image_id":"sha256:...","secs":0.4,"bytes":65536}
//! ```
//!
//! Lint findings before the builds come first, as `{"event":"finding", ...}`
//! with the fields of `check --format json` (no `time`).

use std::io::{self, Write};
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::{Event, JobResult, NoteLevel, StepState, View};

pub struct JsonView {
    names: Vec<String>,
    start: Instant,
}

impl JsonView {
    pub fn new(names: Vec<String>) -> JsonView {
        JsonView {
            names,
            start: Instant::now(),
        }
    }
}

/// The JSON object for an event (without `time`).
pub fn event_json(names: &[String], event: &Event) -> Value {
    let mut m = Map::new();
    let name = names.get(event.job()).cloned().unwrap_or_default();
    m.insert("name".into(), json!(name));
    match event {
        Event::Started { builder, .. } => {
            m.insert("event".into(), json!("started"));
            m.insert("builder".into(), json!(builder));
        }
        Event::Upload {
            sent, total, done, ..
        } => {
            m.insert("event".into(), json!("upload"));
            m.insert("sent".into(), json!(sent));
            m.insert("total".into(), json!(total));
            m.insert("done".into(), json!(done));
        }
        Event::Step {
            num, name, state, ..
        } => {
            m.insert("event".into(), json!("step"));
            m.insert("num".into(), json!(num));
            m.insert("step".into(), json!(name));
            let s = match state {
                StepState::Running => "running",
                StepState::Cached => "cached",
                StepState::Done { secs } => {
                    m.insert("secs".into(), json!((secs * 1000.0).round() / 1000.0));
                    "done"
                }
                StepState::Failed { message } => {
                    m.insert("message".into(), json!(message));
                    "failed"
                }
            };
            m.insert("state".into(), json!(s));
        }
        Event::Log { num, text, .. } => {
            m.insert("event".into(), json!("log"));
            m.insert("num".into(), json!(num));
            m.insert("text".into(), json!(text));
        }
        Event::Note { level, text, .. } => {
            m.insert("event".into(), json!("note"));
            let l = match level {
                NoteLevel::Info => "info",
                NoteLevel::Warning => "warning",
            };
            m.insert("level".into(), json!(l));
            m.insert("text".into(), json!(text));
        }
        Event::Push {
            tag,
            layer,
            status,
            current,
            total,
            ..
        } => {
            m.insert("event".into(), json!("push"));
            m.insert("tag".into(), json!(tag));
            m.insert("layer".into(), json!(layer));
            m.insert("status".into(), json!(status));
            m.insert("current".into(), json!(current));
            m.insert("total".into(), json!(total));
        }
        Event::Finished { result, .. } => {
            m.insert("event".into(), json!("finished"));
            match result {
                JobResult::Built {
                    image_id,
                    secs,
                    bytes,
                } => {
                    m.insert("result".into(), json!("built"));
                    m.insert("image_id".into(), json!(image_id));
                    m.insert("secs".into(), json!((secs * 1000.0).round() / 1000.0));
                    m.insert("bytes".into(), json!(bytes));
                }
                JobResult::Cached { image_id } => {
                    m.insert("result".into(), json!("cached"));
                    m.insert("image_id".into(), json!(image_id));
                }
                JobResult::Failed { message, secs, .. } => {
                    m.insert("result".into(), json!("failed"));
                    m.insert("message".into(), json!(message));
                    m.insert(
                        "secs".into(),
                        json!(secs.map(|s| (s * 1000.0).round() / 1000.0)),
                    );
                }
                JobResult::Skipped { reason } => {
                    m.insert("result".into(), json!("skipped"));
                    m.insert("reason".into(), json!(reason));
                }
            }
        }
    }
    Value::Object(m)
}

impl View for JsonView {
    fn event(&mut self, event: &Event, out: &mut dyn Write) -> io::Result<()> {
        let mut obj = Map::new();
        let t = self.start.elapsed().as_secs_f64();
        obj.insert("time".into(), json!((t * 1000.0).round() / 1000.0));
        if let Value::Object(rest) = event_json(&self.names, event) {
            obj.extend(rest);
        }
        serde_json::to_writer(&mut *out, &Value::Object(obj))?;
        out.write_all(b"\n")
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_is_one_parseable_line() {
        let mut v = JsonView::new(vec!["app".into()]);
        let mut out = Vec::new();
        v.event(
            &Event::Step {
                job: 0,
                num: 4,
                name: "[2/2] RUN false".into(),
                state: StepState::Failed {
                    message: "exit code: 1".into(),
                },
            },
            &mut out,
        )
        .unwrap();
        v.event(
            &Event::Finished {
                job: 0,
                result: JobResult::Cached {
                    image_id: "sha256:ab".into(),
                },
            },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["name"], "app");
        assert_eq!(lines[0]["event"], "step");
        assert_eq!(lines[0]["state"], "failed");
        assert_eq!(lines[0]["message"], "exit code: 1");
        assert_eq!(lines[1]["result"], "cached");
        assert!(lines[1]["time"].is_number());
    }
}
