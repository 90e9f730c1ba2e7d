use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1106",
    name: "copy-from-undefined-stage",
    aliases: &["DL3022"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`COPY --from` names no stage defined before it.",
    doc: r#"## What it does
Checks `COPY --from=NAME` where NAME is a plain name (no tag, registry or digest) that no earlier
stage defines:

- a stage defined *after* the instruction: BuildKit accepts it, the classic builder does not;
- no stage at all: the build reads NAME as the image `NAME:latest` from Docker Hub (or a named
  build context).

Names close to a stage (`biuld` for `build`) and names that are no valid image reference are
reported by `copy-from-unknown-stage` instead. References with a tag (`--from=nginx:1.27`) are
taken to be images and not reported.

## Why is this bad?
A stage used before it is defined reads backwards and breaks builds that do not use BuildKit. A
bare image name copies from whatever `latest` is that day.

## Example
```dockerfile
FROM alpine:3.20
COPY --from=composer /usr/bin/composer /usr/bin/composer
```

Use instead:
```dockerfile
FROM alpine:3.20
COPY --from=composer:2.8 /usr/bin/composer /usr/bin/composer
```

## How to fix
Define the stage before the instruction that copies from it, or pin the image's tag.

## References
- hadolint DL3022
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind != Kind::Copy {
            continue;
        }
        let Some(Some(word)) = inst.flag("from").map(|f| f.value.as_ref()) else {
            continue;
        };
        let Some(name) = literal(&word.raw, cx.df.escape) else {
            continue;
        };
        if name.is_empty()
            || name.bytes().all(|b| b.is_ascii_digit())
            || name.contains([':', '/', '@', '.'])
        {
            continue;
        }
        // Misspelt stages and invalid names are the other rule's.
        if crate::lint::rules::context::copy_from_unknown::near_or_invalid(cx, &name) {
            continue;
        }
        let current = inst.stage.unwrap_or(0);
        let defined = cx.df.stages.iter().find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(&name))
        });
        match defined {
            Some(stage) if stage.index < current => {}
            Some(stage) if stage.index == current => {} // copying from itself: its own rule
            Some(stage) => out.push(
                Diagnostic::new(
                    word.span,
                    format!("stage `{name}` is defined after this instruction"),
                )
                .label(
                    stage.name.as_ref().map(|n| n.span).unwrap_or(word.span),
                    "defined here",
                )
                .help("move the stage above the stage that copies from it (the classic builder cannot look ahead)"),
            ),
            None => out.push(
                Diagnostic::new(
                    word.span,
                    format!("no stage is named `{name}`: the build copies from the image `{name}:latest`"),
                )
                .help(format!(
                    "define the stage with `FROM ... AS {name}` before this instruction, or pin the image: `--from={name}:<tag>`"
                )),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_undefined_names() {
        assert_fires(
            &RULE,
            "FROM alpine\nCOPY --from=composer /a /a\n",
            &["composer"],
        );
        assert_fires(
            &RULE,
            "FROM alpine\nCOPY --from=\"tools\" /a /a\n",
            &["\"tools\""],
        );
    }

    #[test]
    fn fires_on_forward_references() {
        assert_fires(
            &RULE,
            "FROM scratch\nCOPY --from=build foo .\nFROM node AS build\nRUN baz\n",
            &["build"],
        );
    }

    #[test]
    fn quiet_on_defined_stages_images_and_typos() {
        assert_quiet(
            &RULE,
            "FROM scratch AS build\nFROM node\nCOPY --from=build foo .\n",
        );
        assert_quiet(
            &RULE,
            "FROM scratch AS build\nFROM node\nCOPY --from=0 foo .\n",
        );
        assert_quiet(&RULE, "FROM node\nCOPY --from=nginx:1.27 /a /a\n");
        assert_quiet(&RULE, "FROM node\nCOPY --from=ghcr.io/x/y /a /a\n");
        assert_quiet(
            &RULE,
            "FROM node AS build\nFROM node\nCOPY --from=biuld /a /a\n",
        );
        assert_quiet(&RULE, "FROM node\nCOPY --from=$STAGE /a /a\n");
    }
}
