use crate::dockerfile::{Args, Flag, HealthcheckArgs, Instruction, Kind};
use crate::lint::semantic::literal;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1134",
    name: "invalid-instruction-flag",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An instruction flag that BuildKit refuses: unknown, repeated, without its value, or of the wrong type.",
    doc: r#"## What it does
Checks every `--flag` of an instruction as BuildKit's instruction parser does (its `BFlags`):

- a flag the instruction does not have (`--foo=1`, `RUN --chmod=755`: a flag of another
  instruction);
- a flag given twice, other than those that may repeat (`--mount`, `--exclude`, `--device`);
- a flag without its value: `--from build` (BuildKit reads `--from` alone, then `build` as a
  source), `--link=`;
- a value of the wrong type: a boolean flag (`--link`, `--parents`, `--keep-git-dir`, `--unpack`)
  set to something other than `true` or `false`, a `HEALTHCHECK` duration that is not a Go
  duration (`30s`, `1m30s`), `--retries` that is not a whole number, `RUN --network` other than
  `default`, `none` or `host`, `RUN --security` other than `sandbox` or `insecure`.

The flags each instruction has: `FROM --platform`; `RUN --mount --network --security --device`;
`COPY --from --chown --chmod --link --parents --exclude`; `ADD --chown --chmod --link
--keep-git-dir --checksum --exclude --unpack`; `HEALTHCHECK --interval --timeout --start-period
--start-interval --retries` (not with `NONE`). Others have none. A `--` ends the flags.

Each flag is reported where it is, and the rest of the file is still linted.

## Why is this bad?
BuildKit stops before building anything: `dockerfile parse error on line 4: missing a value on
flag: from`, `unknown flag: foo`, `duplicate flag specified: chown`.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .

FROM alpine:3.20
COPY --from build /out/app /usr/local/bin/app
```

```dockerfile
FROM alpine:3.20
RUN --chmod=755 echo hello > /hello
```

```dockerfile
FROM alpine:3.20
COPY --link=yes app /app
```

Use instead:
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
```

## References
- BuildKit `frontend/dockerfile/instructions` (`bflag.go`, `parse.go`)
"#,
    check: Check::Dockerfile(check),
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    String,
    /// May repeat.
    Strings,
}

/// The flags BuildKit registers for an instruction.
fn known_flags(inst: &Instruction) -> &'static [(&'static str, FlagType)] {
    use FlagType::*;
    match inst.kind {
        Kind::From => &[("platform", String)],
        Kind::Run => &[
            ("mount", Strings),
            ("network", String),
            ("security", String),
            ("device", Strings),
        ],
        Kind::Copy => &[
            ("chown", String),
            ("from", String),
            ("chmod", String),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Strings),
        ],
        Kind::Add => &[
            ("chown", String),
            ("chmod", String),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", String),
            ("exclude", Strings),
            ("unpack", Bool),
        ],
        Kind::Healthcheck
            if !matches!(inst.args, Args::Healthcheck(HealthcheckArgs::None { .. })) =>
        {
            &[
                ("interval", String),
                ("timeout", String),
                ("start-period", String),
                ("start-interval", String),
                ("retries", String),
            ]
        }
        _ => &[],
    }
}

/// Instructions that have a flag of this name.
fn owners(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (kw, flags) in [
        ("FROM", &["platform"][..]),
        ("RUN", &["mount", "network", "security", "device"][..]),
        (
            "COPY",
            &["chown", "from", "chmod", "link", "parents", "exclude"][..],
        ),
        (
            "ADD",
            &[
                "chown",
                "chmod",
                "link",
                "keep-git-dir",
                "checksum",
                "exclude",
                "unpack",
            ][..],
        ),
        (
            "HEALTHCHECK",
            &[
                "interval",
                "timeout",
                "start-period",
                "start-interval",
                "retries",
            ][..],
        ),
    ] {
        if flags.contains(&name) {
            out.push(kw);
        }
    }
    out
}

/// Go's `time.ParseDuration`: `0`, or a sequence of decimal numbers each
/// with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), with an optional sign.
pub fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u) && !(**u == "m" && rest.starts_with("ms")));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn value_problem(inst: &Instruction, name: &str, value: &str) -> Option<String> {
    match (inst.kind, name) {
        (Kind::Healthcheck, "retries") => {
            (value.parse::<i32>().is_err()).then(|| format!("`--retries={value}` is not a whole number"))
                .or_else(|| (value.parse::<i32>().is_ok_and(|n| n < 0)).then(|| "`--retries` cannot be negative".to_string()))
        }
        (Kind::Healthcheck, _) => (!value.is_empty() && !is_go_duration(value)).then(|| {
            format!("`--{name}={value}` is not a duration (write `30s`, `1m30s`, `500ms`)")
        }),
        (Kind::Run, "network") => (!matches!(value, "default" | "none" | "host")).then(|| {
            format!("`--network={value}` is not a network mode: BuildKit knows `default`, `none` and `host`")
        }),
        (Kind::Run, "security") => (!matches!(value, "sandbox" | "insecure")).then(|| {
            format!("`--security={value}` is not a security mode: BuildKit knows `sandbox` and `insecure`")
        }),
        _ => None,
    }
}

fn check_flags(cx: &DockerfileCx<'_>, inst: &Instruction, out: &mut Diagnostics) {
    let known = known_flags(inst);
    let kw = inst.kind.name();
    let mut seen: Vec<&str> = Vec::new();
    for flag in &inst.flags {
        let Flag {
            name, value, span, ..
        } = flag;
        if name.is_empty() && value.is_none() {
            // `--` ends the flags.
            break;
        }
        let Some(&(_, ty)) = known.iter().find(|(n, _)| n == name) else {
            let others = owners(name);
            let help = if others.is_empty() {
                let names: Vec<String> = known.iter().map(|(n, _)| format!("`--{n}`")).collect();
                if names.is_empty() {
                    format!("{kw} takes no flags: remove it")
                } else {
                    format!("remove it; {kw} has {}", names.join(", "))
                }
            } else {
                format!(
                    "`--{name}` is a flag of {}, not of {kw}: remove it",
                    others.join(" and ")
                )
            };
            out.push(
                Diagnostic::new(
                    *span,
                    format!(
                        "{kw} has no flag `--{name}`: BuildKit refuses the file (unknown flag)"
                    ),
                )
                .help(help),
            );
            continue;
        };
        if seen.contains(&name.as_str()) && ty != FlagType::Strings {
            out.push(
                Diagnostic::new(
                    *span,
                    format!(
                        "`--{name}` is given twice: BuildKit refuses the file (duplicate flag)"
                    ),
                )
                .help("keep one"),
            );
            continue;
        }
        seen.push(name);
        let text = value
            .as_ref()
            .map(|v| literal(v, cx.df.escape).unwrap_or_else(|| v.raw.clone()));
        match (ty, text) {
            (FlagType::Bool, None) => {}
            (FlagType::Bool, Some(v)) if v.is_empty() => out.push(
                Diagnostic::new(
                    *span,
                    format!("`--{name}=` has no value: BuildKit refuses the file"),
                )
                .help(format!("write `--{name}` or `--{name}=false`")),
            ),
            (FlagType::Bool, Some(v)) => {
                if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") {
                    out.push(
                        Diagnostic::new(
                            *span,
                            format!("`--{name}` takes `true` or `false`, not `{v}`"),
                        )
                        .help(format!("write `--{name}` or `--{name}=false`")),
                    );
                }
            }
            (_, None) => {
                let next = match &inst.args {
                    Args::Copy(a) | Args::Add(a) => a.sources.first().map(|s| s.raw.clone()),
                    _ => None,
                };
                let help = match next {
                    Some(n) if name == "from" => format!(
                        "join the value with `=`: `--from={n}` (without it, `{n}` is read as a source)"
                    ),
                    _ => format!("join the value with `=`: `--{name}=<value>`"),
                };
                out.push(
                    Diagnostic::new(*span, format!("`--{name}` has no value: BuildKit refuses the file (missing a value on flag)"))
                        .help(help),
                );
            }
            (_, Some(v)) => {
                if v.contains('$') {
                    continue;
                }
                if let Some(problem) = value_problem(inst, name, &v) {
                    out.push(
                        Diagnostic::new(*span, problem)
                            .help("fix the value; BuildKit refuses the file"),
                    );
                }
            }
        }
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        check_flags(cx, inst, out);
    }
}

#[cfg(test)]
mod tests {
    use super::{is_go_duration, RULE};
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn go_durations() {
        for d in ["0", "30s", "1m30s", "1.5h", "500ms", "10us", "-1s", "2h45m"] {
            assert!(is_go_duration(d), "{d}");
        }
        for d in ["", "30", "1 m", "s", "1x", "1.2.3s", "m"] {
            assert!(!is_go_duration(d), "{d}");
        }
    }

    #[test]
    fn fires_on_each_refused_flag() {
        let src = "FROM alpine:3.20 AS build\nRUN echo hi > /a\nFROM alpine:3.20\nCOPY --from build /a /a\n";
        assert_fires(&RULE, src, &["--from"]);
        let help = lint(&RULE, src)[0].help.clone().unwrap();
        assert!(help.contains("`--from=build`"), "{help}");
        assert_fires(&RULE, "FROM a\nCOPY --foo=bar a /b\n", &["--foo=bar"]);
        assert_fires(
            &RULE,
            "FROM a\nCOPY --chown=1 --chown=2 a /c\n",
            &["--chown=2"],
        );
        assert_fires(&RULE, "FROM a\nRUN --chmod=755 echo\n", &["--chmod=755"]);
        assert!(lint(&RULE, "FROM a\nRUN --chmod=755 echo\n")[0]
            .help
            .as_deref()
            .unwrap()
            .contains("COPY and ADD"));
        assert_fires(
            &RULE,
            "FROM a\nCOPY --link=notbool a /d\n",
            &["--link=notbool"],
        );
        assert_fires(&RULE, "FROM a\nCOPY --link= a /d\n", &["--link="]);
        assert_fires(
            &RULE,
            "FROM a\nADD --keep-git-dir=maybe https://x/y.git /s\n",
            &["--keep-git-dir=maybe"],
        );
        assert_fires(
            &RULE,
            "FROM a\nHEALTHCHECK --interval=30 CMD true\n",
            &["--interval=30"],
        );
        assert_fires(
            &RULE,
            "FROM a\nHEALTHCHECK --retries=three CMD true\n",
            &["--retries=three"],
        );
        assert_fires(
            &RULE,
            "FROM a\nHEALTHCHECK --interval=5s NONE\n",
            &["--interval=5s"],
        );
        assert_fires(
            &RULE,
            "FROM a\nRUN --network=bridge true\n",
            &["--network=bridge"],
        );
        assert_fires(&RULE, "FROM a\nCMD --verbose x\n", &["--verbose"]);
        assert_fires(
            &RULE,
            "FROM --platform linux/amd64 alpine\n",
            &["--platform"],
        );
        // Every problem is reported, not just the first.
        assert_eq!(
            lint(
                &RULE,
                "FROM a\nCOPY --foo=1 --link=x a /b\nRUN --bar true\n"
            )
            .len(),
            3
        );
    }

    #[test]
    fn quiet_on_valid_flags() {
        assert_quiet(
            &RULE,
            "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n\
             RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=t --network=none go build ./...\n\
             FROM alpine:3.20\n\
             COPY --from=build --chown=10001:10001 --chmod=755 --link /out/app /app\n\
             COPY --link=false --parents --exclude=*.md --exclude=*.txt docs/ /docs/\n\
             ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false https://x/y.tar.gz /y\n\
             HEALTHCHECK --interval=30s --timeout=3s --start-period=1m --start-interval=2s --retries=3 CMD wget -q -O- http://localhost/\n\
             HEALTHCHECK NONE\n\
             RUN --security=insecure --device=/dev/fuse true\n\
             COPY --chown=$UID a /a\n",
        );
    }
}
