use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1127",
    name: "copy-whole-filesystem",
    aliases: &["DL3067"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`COPY --from` copies a whole filesystem (`/`) onto `/`.",
    doc: r#"## What it does
Checks `COPY --from=stage / /`: copying another stage's whole root filesystem over this one.

## Why is this bad?
It drags everything along: package caches, build tools, `/etc/passwd`, `/proc` placeholders. The
image grows, files of this stage are overwritten, and what ships is hard to tell.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build / /
```

Use instead:
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## References
- hadolint DL3067
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind != Kind::Copy || inst.flag("from").is_none() {
            continue;
        }
        let Args::Copy(args) = &inst.args else {
            continue;
        };
        let is_root = |raw: &str| literal(raw, cx.df.escape).as_deref() == Some("/");
        if !args.dest.as_ref().is_some_and(|d| is_root(&d.raw)) {
            continue;
        }
        for source in &args.sources {
            if is_root(&source.raw) {
                out.push(
                    Diagnostic::new(
                        source.span,
                        "this copies the stage's whole filesystem onto `/`",
                    )
                    .help("copy only what the image needs, e.g. `COPY --from=build /out/app /app`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_root_to_root() {
        assert_fires(&RULE, "FROM a AS b\nFROM c\nCOPY --from=b / /\n", &["/"]);
        assert_fires(
            &RULE,
            "FROM a AS b\nFROM c\nCOPY --from=b \"/\" \"/\"\n",
            &["\"/\""],
        );
        assert_fires(
            &RULE,
            "FROM c\nCOPY --from=alpine:3 --chown=1:1 / /\n",
            &["/"],
        );
    }

    #[test]
    fn quiet_otherwise() {
        assert_quiet(&RULE, "FROM a AS b\nFROM c\nCOPY --from=b /out /\n");
        assert_quiet(&RULE, "FROM a AS b\nFROM c\nCOPY --from=b / /rootfs/\n");
        assert_quiet(&RULE, "FROM c\nCOPY / /\n");
    }
}
