use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1016",
    name: "redundant-target-platform",
    aliases: &["RedundantTargetPlatform", "DL3065"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`FROM --platform=$TARGETPLATFORM` repeats the default.",
    doc: r#"## What it does
Checks for `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`).

## Why is this bad?
A stage is built for the target platform unless told otherwise, so the flag
changes nothing and suggests that it does. (`--platform=$BUILDPLATFORM` is the
useful one, for stages that run on the build machine.)

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine AS builder
RUN apk add --no-cache git
```

Use instead:
```dockerfile
FROM alpine AS builder
RUN apk add --no-cache git
```

## Fix
```dockerfile
FROM --platform=$TARGETPLATFORM alpine AS builder
```
```dockerfile fixed
FROM alpine AS builder
```

## References
- BuildKit check `RedundantTargetPlatform`
- hadolint DL3065
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let target = cx
        .semantic
        .global_env
        .get("TARGETPLATFORM")
        .cloned()
        .flatten();
    for (i, inst, _) in bk::froms(cx) {
        let Some(Some(Ok(e))) = cx.semantic.stages.get(i).map(|s| &s.platform) else {
            continue;
        };
        let Some(flag) = inst.flag("platform") else {
            continue;
        };
        let matched = e.matched();
        if matched.len() != 1
            || !matched.contains("TARGETPLATFORM")
            || !e.unmatched().is_empty()
            || target.as_deref() != Some(e.value.as_str())
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                flag.span,
                "the stage is built for the target platform without this flag",
            )
            .help("delete `--platform=$TARGETPLATFORM`")
            .fix(Fix::safe(vec![Edit::delete(bk::with_trailing_space(
                &cx.df.source,
                flag.span,
            ))])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_target_platform() {
        assert_fires(
            &RULE,
            "FROM --platform=$TARGETPLATFORM alpine AS builder\n",
            &["--platform=$TARGETPLATFORM"],
        );
        assert_fires(
            &RULE,
            "FROM --platform=${TARGETPLATFORM} alpine\n",
            &["--platform=${TARGETPLATFORM}"],
        );
        assert_fires(
            &RULE,
            "FROM --platform=${TARGETPLATFORM:-linux/amd64} alpine\n",
            &["--platform=${TARGETPLATFORM:-linux/amd64}"],
        );
        assert_quiet(&RULE, "FROM --platform=$BUILDPLATFORM alpine\n");
        assert_quiet(&RULE, "FROM --platform=$TARGETOS/$TARGETARCH alpine\n");
        assert_quiet(&RULE, "FROM --platform=linux/amd64 alpine\n");
        assert_quiet(&RULE, "FROM alpine\n");
    }

    #[test]
    fn fix_deletes_the_flag() {
        let src = "FROM --platform=$TARGETPLATFORM alpine AS b\n";
        let f = lint(&RULE, src);
        let e = &f[0].fix.as_ref().unwrap().edits[0];
        let mut fixed = src.to_string();
        fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        assert_eq!(fixed, "FROM alpine AS b\n");
    }
}
