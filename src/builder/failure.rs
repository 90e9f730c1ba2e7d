//! A failed build mapped back to the Dockerfile: which instruction the failing
//! step came from, shown with its source lines, the step's last output lines,
//! what the daemon said and what to do about it.

use std::fmt::Write as _;

use super::exec::{BuildFailure, FailureKind, StepRef};
use crate::dockerfile::{Dockerfile, Kind};
use crate::span::Span;

/// Kinds that the BuildKit Dockerfile frontend numbers as steps of a stage
/// (FROM is step 1): the ones that produce an operation of their own.
fn is_buildkit_step(kind: Kind) -> bool {
    matches!(kind, Kind::Run | Kind::Copy | Kind::Add | Kind::Workdir)
}

/// The stage a BuildKit step prefix names (`stage-N`, a name, or none when
/// the file has one stage, in which case `target` or the last stage).
fn stage_index(df: &Dockerfile, stage: Option<&str>, target: Option<&str>) -> Option<usize> {
    match stage {
        Some(name) => {
            if let Some(s) = df.stage_by_name(name) {
                return Some(s.index);
            }
            name.strip_prefix("stage-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n < df.stages.len())
        }
        None => {
            if df.stages.len() == 1 {
                Some(0)
            } else if let Some(t) = target {
                df.stage_by_name(t).map(|s| s.index)
            } else {
                df.stages.len().checked_sub(1)
            }
        }
    }
}

/// The index (into `df.instructions`) of the instruction a step came from.
/// `name` is the step's display name (`[2/3] RUN make`), used to check the
/// keyword.
pub fn locate(df: &Dockerfile, step: &StepRef, name: &str, target: Option<&str>) -> Option<usize> {
    let keyword = name
        .split_once("] ")
        .map(|(_, rest)| rest)
        .unwrap_or(name)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match step {
        StepRef::Classic { n, .. } => {
            let i = (*n as usize).checked_sub(1)?;
            let inst = df.instructions.get(i)?;
            (keyword.is_empty() || inst.kind.name() == keyword || inst.kind == Kind::Unknown)
                .then_some(i)
        }
        StepRef::BuildKit {
            stage,
            index,
            total,
        } => {
            let s = &df.stages[stage_index(df, stage.as_deref(), target)?];
            // FROM is step 1, except FROM scratch, which makes no step.
            let scratch = matches!(&df.instructions[s.from].args,
                crate::dockerfile::Args::From(f) if f.image.raw.trim_matches('"').eq_ignore_ascii_case("scratch"));
            let mut steps = if scratch { vec![] } else { vec![s.from] };
            steps
                .extend((s.from + 1..s.end).filter(|&i| is_buildkit_step(df.instructions[i].kind)));
            // ONBUILD triggers of the base image run right after FROM and are
            // counted in `total`.
            let triggers = (*total as usize).saturating_sub(steps.len());
            let k = (*index as usize).checked_sub(1)?;
            let i = if scratch {
                *steps.get(k)?
            } else if k == 0 {
                s.from
            } else if k <= triggers {
                // a trigger: point at the FROM that brought it
                return Some(s.from);
            } else {
                *steps.get(k - triggers)?
            };
            let kind = df.instructions[i].kind;
            if keyword.is_empty() || kind.name() == keyword {
                Some(i)
            } else {
                // Fall back to the first instruction of that keyword in the stage.
                (s.from..s.end).find(|&j| df.instructions[j].kind.name() == keyword)
            }
        }
    }
}

/// `dockerfile parse error line 5: ...` → 5.
pub fn line_in_message(message: &str) -> Option<usize> {
    let i = message.find("parse error line ")?;
    let rest = &message[i + "parse error line ".len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok().filter(|&n: &usize| n > 0)
}

/// Whether a (lowercased) daemon message says a container could not join the
/// default `bridge` network: no bridge network at all, or its interface
/// (`docker0`) gone. The same libnetwork errors reach both builders; classic
/// RUNs report them bare, BuildKit after `executor failed running [...]:`
/// (20.10) or `process "..." did not complete successfully:`; newer engines
/// put `failed to set up container networking:` in front.
fn default_network_is_broken(m: &str) -> bool {
    // 20.10: `could not find bridge docker0: route ip+net: no such network interface`;
    // later engines set the master by name: `... to bridge docker0 failed: link not found`.
    m.contains("network bridge not found")
        || m.contains("could not find bridge ")
        || (m.contains("adding interface ") && m.contains(" to bridge ") && m.contains(" failed"))
        || (m.contains("failed to create endpoint ") && m.contains(" on network bridge:"))
}

/// What to do about a failure, recognised from the daemon's message and the
/// step's output.
pub fn hint(message: &str, logs: &[String]) -> Option<String> {
    let m = message.to_ascii_lowercase();
    if default_network_is_broken(&m) {
        return Some(
            "the daemon's default bridge network does not work: build with `--network none` \
             (RUN steps get no network) or `--network host`; in a stack file, `build.network`"
                .to_string(),
        );
    }
    if (m.contains("registry")
        || m.contains("pull access denied")
        || m.contains("failed to resolve"))
        && (m.contains("no such host")
            || m.contains("dial tcp")
            || m.contains("i/o timeout")
            || m.contains("pull access denied")
            || m.contains("connection refused"))
    {
        return Some(
            "an image this build needs is not in the daemon and no registry can be reached: \
             build or `docker load` it first, or check its name and tag"
                .to_string(),
        );
    }
    if m.contains("unable to find groups") || m.contains("unable to find user") {
        return Some(
            "the image lacks the user or group the step runs as: add it to /etc/passwd and /etc/group, or change USER"
                .to_string(),
        );
    }
    if m.contains("no space left on device") {
        return Some(
            "the daemon's disk is full: free space with `docker system prune`".to_string(),
        );
    }
    let last = logs
        .last()
        .map(|l| l.to_ascii_lowercase())
        .unwrap_or_default();
    if m.contains("exit code: 127")
        || m.contains("non-zero code: 127")
        || last.contains("not found")
    {
        return Some(
            "a command the step runs is missing from the image: install it in an earlier step or fix its name"
                .to_string(),
        );
    }
    None
}

/// Where a failure points in the Dockerfile.
pub fn failure_span(df: &Dockerfile, failure: &BuildFailure, target: Option<&str>) -> Option<Span> {
    if let Some(line) = line_in_message(&failure.message) {
        if line <= df.lines.line_count() {
            let span = df.lines.line_span(&df.source, line - 1);
            // Prefer the instruction covering that line.
            return Some(
                df.instructions
                    .iter()
                    .find(|i| i.span.start <= span.start && span.start <= i.span.end)
                    .map(|i| i.span)
                    .unwrap_or(span),
            );
        }
    }
    let step = failure.step.as_ref()?;
    let r = step.step_ref.as_ref()?;
    locate(df, r, &step.name, target).map(|i| df.instructions[i].span)
}

/// Writes the `--> path:line:col` header and the source lines of `span`;
/// `underline` puts carets under a span that fits on one line.
pub fn snippet(
    out: &mut String,
    path: &str,
    df: &Dockerfile,
    span: Span,
    underline: bool,
    color: bool,
) {
    let (blue, red, reset) = if color {
        ("\x1b[1;34m", "\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let (start, end) = df.lines.span_line_cols(&df.source, span);
    let first = df.lines.line_of(span.start);
    let last = df.lines.line_of(span.end.saturating_sub(1).max(span.start));
    let shown_last = last.min(first + 7);
    let width = (shown_last + 1).to_string().len();
    let _ = writeln!(
        out,
        "{:w$}{blue}-->{reset} {path}:{}:{}",
        "",
        start.line,
        start.column,
        w = width + 1
    );
    let _ = writeln!(out, "{:w$} {blue}|{reset}", "", w = width);
    for line in first..=shown_last {
        let text = df.lines.line_span(&df.source, line).slice(&df.source);
        let _ = writeln!(out, "{blue}{:>w$} |{reset} {text}", line + 1, w = width);
    }
    if shown_last < last {
        let _ = writeln!(out, "{:w$} {blue}|{reset} ...", "", w = width);
    }
    if underline && first == last && end.column > start.column {
        let _ = writeln!(
            out,
            "{:w$} {blue}|{reset} {:pad$}{red}{}{reset}",
            "",
            "",
            "^".repeat(end.column - start.column),
            w = width,
            pad = start.column - 1
        );
    } else {
        let _ = writeln!(out, "{:w$} {blue}|{reset}", "", w = width);
    }
}

/// Renders a failure report:
///
/// ```text
/// error: step [5/5] RUN echo out; false failed
///   --> app/Dockerfile:8:1
///    |
///  8 | RUN echo out; false
///    |
///    = output (last 1 line):
///      out
///    = the daemon said: The command '/bin/sh -c echo out; false' returned a non-zero code: 1
/// help: ...
/// ```
pub fn render(
    path: &str,
    df: Option<&Dockerfile>,
    failure: &BuildFailure,
    target: Option<&str>,
    color: bool,
) -> String {
    let (red, bold, blue, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[1;34m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut out = String::new();
    let title = match (&failure.kind, &failure.step) {
        (FailureKind::Build, Some(step)) if line_in_message(&failure.message).is_none() => {
            format!("step {} failed", step.name)
        }
        (FailureKind::Build, _) if line_in_message(&failure.message).is_some() => {
            "the daemon rejected the Dockerfile".to_string()
        }
        (FailureKind::ConnectionLost, _) => "the build was interrupted".to_string(),
        (FailureKind::Cancelled, _) => "the build was cancelled".to_string(),
        _ => "the build failed".to_string(),
    };
    let _ = writeln!(out, "{red}error{reset}{bold}: {title}{reset}");
    let span = df.and_then(|df| failure_span(df, failure, target));
    if let (Some(df), Some(span)) = (df, span) {
        snippet(&mut out, path, df, span, false, color);
    }
    let pad = "   ";
    if let Some(step) = &failure.step {
        if !step.logs.is_empty() {
            let n = step.logs.len();
            let _ = writeln!(
                out,
                "{pad}{blue}={reset} output (last {n} line{}):",
                if n == 1 { "" } else { "s" }
            );
            for l in &step.logs {
                let _ = writeln!(out, "{pad}  {l}");
            }
        }
    }
    if failure.kind != FailureKind::Cancelled {
        let _ = writeln!(
            out,
            "{pad}{blue}={reset} {}: {}",
            if failure.kind == FailureKind::ConnectionLost {
                "cause"
            } else {
                "the daemon said"
            },
            failure.message
        );
    }
    let logs: &[String] = failure.step.as_ref().map(|s| &s.logs[..]).unwrap_or(&[]);
    if let Some(h) = hint(&failure.message, logs) {
        let _ = writeln!(out, "{bold}help{reset}: {h}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::exec::FailedStep;

    fn parse(text: &str) -> Dockerfile {
        crate::dockerfile::parse(text.to_string()).unwrap()
    }

    fn line_of(df: &Dockerfile, i: usize) -> usize {
        df.lines.line_of(df.instructions[i].span.start) + 1
    }

    /// The line of the instruction that BuildKit's step `index` of `total`
    /// in `stage`, displayed as `name`, came from.
    fn buildkit_line(
        df: &Dockerfile,
        stage: Option<&str>,
        (index, total): (u32, u32),
        name: &str,
    ) -> usize {
        let step = StepRef::BuildKit {
            stage: stage.map(str::to_string),
            index,
            total,
        };
        line_of(df, locate(df, &step, name, None).unwrap())
    }

    #[test]
    fn classic_steps_count_every_instruction() {
        let df = parse("ARG V=1\nFROM a AS x\nENV A=1\nRUN one\nFROM x\nRUN two\n");
        let i = locate(
            &df,
            &StepRef::Classic { n: 6, total: 6 },
            "[6/6] RUN two",
            None,
        )
        .unwrap();
        assert_eq!(line_of(&df, i), 6);
        // A keyword that does not match is not trusted.
        assert_eq!(
            locate(
                &df,
                &StepRef::Classic { n: 3, total: 6 },
                "[3/6] RUN x",
                None
            ),
            None
        );
    }

    #[test]
    fn buildkit_steps_count_from_run_copy_add_workdir_per_stage() {
        // The numbering measured on Engine 20.10: FROM=1, ENV/USER/LABEL skipped.
        let df = parse(
            "FROM base AS a\nENV A=1\nWORKDIR /w\nRUN echo hi\nCOPY f /f\nUSER root\nLABEL x=y\nRUN echo out; false\n",
        );
        assert_eq!(
            buildkit_line(&df, None, (5, 5), "[5/5] RUN echo out; false"),
            8
        );
        assert_eq!(
            buildkit_line(&df, None, (1, 5), "[1/5] FROM docker.io/library/base"),
            1
        );
    }

    #[test]
    fn from_scratch_is_not_a_step() {
        // Measured: `FROM scratch` + two COPYs shows `[1/2] COPY ...`.
        let df = parse("FROM scratch\nLABEL a=b\nCOPY a /a\nCOPY b /b\n");
        assert_eq!(buildkit_line(&df, None, (2, 2), "[2/2] COPY b /b"), 4);
    }

    #[test]
    fn buildkit_stage_names_and_numbers() {
        let df = parse("FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /x /x\nRUN test\n");
        assert_eq!(
            buildkit_line(&df, Some("build"), (2, 2), "[build 2/2] RUN make"),
            2
        );
        assert_eq!(
            buildkit_line(&df, Some("stage-1"), (3, 3), "[stage-1 3/3] RUN test"),
            5
        );
    }

    #[test]
    fn onbuild_triggers_shift_the_count_and_point_at_from() {
        let df = parse("FROM withtriggers\nRUN mine\n");
        // Two triggers: FROM=1, triggers 2..3, RUN=4.
        assert_eq!(buildkit_line(&df, None, (4, 4), "[4/4] RUN mine"), 2);
        assert_eq!(buildkit_line(&df, None, (2, 4), "[2/4] COPY . /app"), 1);
    }

    #[test]
    fn parse_errors_point_at_their_line() {
        assert_eq!(
            line_in_message("failed to create LLB definition: dockerfile parse error line 3: unknown instruction: ECHO"),
            Some(3)
        );
        assert_eq!(line_in_message("exit code: 1"), None);
    }

    #[test]
    fn report_shows_source_output_and_hint() {
        let df = parse("FROM a\nRUN echo out; \\\n    false\n");
        let failure = BuildFailure {
            kind: FailureKind::Build,
            message: "network bridge not found".into(),
            step: Some(FailedStep {
                num: 3,
                name: "[2/2] RUN echo out;     false".into(),
                step_ref: Some(StepRef::BuildKit {
                    stage: None,
                    index: 2,
                    total: 2,
                }),
                logs: vec!["out".into()],
            }),
            bytes_sent: 0,
            secs: 0.0,
        };
        let text = render("ctx/Dockerfile", Some(&df), &failure, None, false);
        assert_eq!(
            text,
            "error: step [2/2] RUN echo out;     false failed\n\
             \x20 --> ctx/Dockerfile:2:1\n\
             \x20 |\n\
             2 | RUN echo out; \\\n\
             3 |     false\n\
             \x20 |\n\
             \x20  = output (last 1 line):\n\
             \x20    out\n\
             \x20  = the daemon said: network bridge not found\n\
             help: the daemon's default bridge network does not work: build with `--network none` (RUN steps get no network) or `--network host`; in a stack file, `build.network`\n"
        );
    }

    #[test]
    fn hints() {
        assert!(
            hint("dial tcp: lookup registry-1.docker.io: no such host", &[])
                .unwrap()
                .contains("docker load")
        );
        assert!(hint("exit code: 127", &[]).unwrap().contains("missing"));
        assert_eq!(hint("network host not found", &[]), None);
        assert_eq!(
            hint("failed to create endpoint x on network mynet: exit", &[]),
            None
        );
    }

    /// The messages of a RUN on the default network of an engine whose
    /// `docker0` is gone: 20.10's, read off such an engine for each builder
    /// (`tests/build_network.rs` builds there), and the wording of later
    /// engines, which set the bridge as master by name through netlink.
    #[test]
    fn a_missing_bridge_interface_suggests_another_network() {
        for message in [
            "failed to create endpoint hopeful_kowalevski on network bridge: adding interface vethfe21110 \
             to bridge docker0 failed: could not find bridge docker0: route ip+net: no such network interface",
            "executor failed running [/bin/sh -c true]: failed to create endpoint lm50313aeim0xocpwj32ct38k \
             on network bridge: adding interface vethd38610f to bridge docker0 failed: could not find bridge \
             docker0: route ip+net: no such network interface",
            "process \"/bin/sh -c true\" did not complete successfully: failed to create endpoint \
             x on network bridge: adding interface veth1 to bridge docker0 failed: Link not found",
            "failed to set up container networking: failed to create endpoint c on network bridge: \
             adding interface veth2 to bridge docker0 failed: Link not found",
            "network bridge not found",
        ] {
            let h = hint(message, &[]).unwrap_or_else(|| panic!("no hint for {message}"));
            assert!(h.contains("`--network none`"), "{h}");
            assert!(h.contains("`--network host`"), "{h}");
        }
        assert_eq!(hint("exit code: 1", &["boom".into()]), None);
    }
}
