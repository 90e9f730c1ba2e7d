use crate::dockerfile::{Args, Kind};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk::{self, case_of, Case};

pub static RULE: Rule = Rule {
    code: "BL1010",
    name: "maintainer-deprecated",
    aliases: &["MaintainerDeprecated", "DL4000"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "The deprecated MAINTAINER instruction is used.",
    doc: r#"## What it does
Checks for the `MAINTAINER` instruction.

## Why is this bad?
`MAINTAINER` is deprecated. It sets the image's `Author` field, which tools
no longer read; the OCI annotation label `org.opencontainers.image.authors`
is the standard place for it.

## Example
```dockerfile
MAINTAINER moby@example.com
```

Use instead:
```dockerfile
LABEL org.opencontainers.image.authors="moby@example.com"
```

## Fix
```dockerfile
FROM alpine:3.20
MAINTAINER Jane Doe <jane@example.com>
```
```dockerfile fixed
FROM alpine:3.20
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```

## References
- BuildKit check `MaintainerDeprecated`
- hadolint DL4000
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind != Kind::Maintainer {
            continue;
        }
        let Args::Maintainer(who) = &inst.args else {
            continue;
        };
        let label = if case_of(&inst.keyword) == Case::Lower {
            "label"
        } else {
            "LABEL"
        };
        let replacement = format!(
            "{label} org.opencontainers.image.authors={}",
            bk::double_quoted(&who.raw, cx.df.escape)
        );
        out.push(
            Diagnostic::new(inst.keyword_span, "MAINTAINER is deprecated")
                .help(format!("write `{replacement}`"))
                .maybe_fix(
                    (!bk::has_comment_inside(cx, inst.span))
                        .then(|| Fix::safe(vec![Edit::replace(inst.span, replacement)])),
                ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_maintainer() {
        assert_fires(&RULE, "MAINTAINER moby@example.com\n", &["MAINTAINER"]);
        assert_fires(
            &RULE,
            "FROM alpine\nmaintainer Jane <jane@example.com>\n",
            &["maintainer"],
        );
        assert_fires(
            &RULE,
            "FROM a\nMAINTAINER x\nFROM b\nMAINTAINER y\n",
            &["MAINTAINER", "MAINTAINER"],
        );
        assert_quiet(
            &RULE,
            "LABEL org.opencontainers.image.authors=\"moby@example.com\"\n",
        );
    }

    #[test]
    fn fix_writes_the_label() {
        let src = "FROM alpine\nMAINTAINER Jane \"JD\" <jane@example.com>\n";
        let f = lint(&RULE, src);
        let fix = f[0].fix.as_ref().unwrap();
        let e = &fix.edits[0];
        let mut fixed = src.to_string();
        fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        assert_eq!(
            fixed,
            "FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane \\\"JD\\\" <jane@example.com>\"\n"
        );
    }
}
