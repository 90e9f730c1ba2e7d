use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{literal, parent_stage};

pub static RULE: Rule = Rule {
    code: "BL1112",
    name: "relative-copy-without-workdir",
    aliases: &["DL3045"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "COPY or ADD writes to a relative destination before any WORKDIR.",
    doc: r#"## What it does
Checks `COPY` and `ADD` whose destination is relative (`COPY . .`) in a stage where no `WORKDIR`
was set yet (in the stage or in the stage it is built on).

## Why is this bad?
A relative destination is resolved against the working directory the base image happens to set:
`/` for most images, something else for others. The files land somewhere the next instructions
may not expect, and a new base image can move them.

## Example
```dockerfile
FROM node:22
COPY package.json .
```

Use instead:
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json .
```

## How to fix
Set `WORKDIR` before copying, or write an absolute destination.

## References
- hadolint DL3045 (checks COPY only)
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut workdir_set = vec![false; cx.df.stages.len()];
    for stage in &cx.df.stages {
        let mut set = parent_stage(cx.df, stage.index).is_some_and(|p| workdir_set[p]);
        for inst in cx.df.stage_instructions(stage) {
            match (&inst.kind, &inst.args) {
                (Kind::Workdir, _) => set = true,
                (Kind::Copy, Args::Copy(args)) | (Kind::Add, Args::Add(args)) if !set => {
                    let Some(dest) = &args.dest else { continue };
                    let text = literal(&dest.raw, cx.df.escape).unwrap_or_else(|| {
                        dest.raw.trim_matches(|c| c == '"' || c == '\'').to_string()
                    });
                    let b = text.as_bytes();
                    let absolute = text.starts_with('/')
                        || text.starts_with('$')
                        || text.starts_with('\\')
                        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':');
                    if !absolute && !text.is_empty() {
                        out.push(
                            Diagnostic::new(
                                dest.span,
                                format!("`{text}` is relative, and no WORKDIR is set: it depends on the base image's working directory"),
                            )
                            .help("set `WORKDIR /app` before this instruction, or write an absolute destination"),
                        );
                    }
                }
                _ => {}
            }
        }
        workdir_set[stage.index] = set;
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_without_workdir() {
        assert_fires(&RULE, "FROM node\nCOPY package.json .\n", &["."]);
        assert_fires(&RULE, "FROM node\nADD app.tgz app/\n", &["app/"]);
        assert_fires(
            &RULE,
            "FROM node AS a\nWORKDIR /x\nFROM node\nCOPY a b\n",
            &["b"],
        );
    }

    #[test]
    fn inherits_workdir_from_parent_stage() {
        assert_quiet(
            &RULE,
            "FROM node AS base\nWORKDIR /app\nFROM base\nCOPY . .\n",
        );
    }

    #[test]
    fn quiet_with_workdir_or_absolute_dest() {
        assert_quiet(&RULE, "FROM node\nWORKDIR /app\nCOPY . .\n");
        assert_quiet(
            &RULE,
            "FROM node\nCOPY . /app/\nCOPY x \"/y\"\nCOPY z $HOME/z\n",
        );
        assert_quiet(&RULE, "FROM node\nCOPY <<EOF /etc/x\nhi\nEOF\n");
    }
}
