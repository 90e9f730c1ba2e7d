use std::collections::BTreeSet;

use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{literal, stage_chain, stage_from, target_stage};

pub static RULE: Rule = Rule {
    code: "BL1114",
    name: "missing-required-label",
    aliases: &["DL3049"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` requires is missing from the image.",
    doc: r#"## What it does
Checks that the image the build produces (the `--target` stage, or the last one, with the stages
it is built on) sets every label named in the `label-schema` option.

Without `label-schema`, nothing is reported. Labels of build stages that are only copied from do
not reach the image and are not checked.

## Why is this bad?
Registries, scanners and deployment tools rely on labels such as the source repository or the
version; an image without them cannot be traced back.

## Example
```toml
label-schema = { "org.opencontainers.image.source" = "url" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.title="app"
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.source" = "url" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Options
- `label-schema`: the labels required, with their formats.

## References
- hadolint DL3049
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let schema = &cx.options.label_schema;
    if schema.is_empty() {
        return;
    }
    let Some(target) = target_stage(cx) else {
        return;
    };
    let mut present = BTreeSet::new();
    for stage in stage_chain(cx.df, target) {
        for inst in cx.df.stage_instructions(&cx.df.stages[stage]) {
            if let Args::Label(kvs) = &inst.args {
                for kv in kvs {
                    if let Some(key) = literal(&kv.key.raw, cx.df.escape) {
                        present.insert(key);
                    }
                }
            }
        }
    }
    let Some(from) = stage_from(cx.df, target) else {
        return;
    };
    for label in schema.keys() {
        if !present.contains(label) {
            out.push(
                Diagnostic::new(
                    from.image.span,
                    format!("the image lacks the label `{label}`"),
                )
                .help(format!("add `LABEL {label}=\"...\"` to this stage")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("version", "semver"), ("source", "url")];

    #[test]
    fn fires_per_missing_label_on_the_final_image() {
        assert_eq!(
            lint_schema(&RULE, "FROM alpine\nLABEL version=1.0.0\n", SCHEMA, false),
            ["alpine"]
        );
        assert_eq!(
            lint_schema(&RULE, "FROM alpine\n", SCHEMA, false),
            ["alpine", "alpine"]
        );
    }

    #[test]
    fn labels_of_build_stages_do_not_count() {
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a AS b\nLABEL version=1 source=x\nFROM c\n",
                SCHEMA,
                false
            ),
            ["c", "c"]
        );
    }

    #[test]
    fn quiet_when_set_or_inherited_or_without_schema() {
        assert!(lint_schema(&RULE, "FROM a\nLABEL version=1 source=x\n", SCHEMA, false).is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a AS base\nLABEL version=1\nFROM base\nLABEL source=x\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(&RULE, "FROM a\n", &[], false).is_empty());
    }
}
