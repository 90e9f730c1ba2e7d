use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk::{self, case_of, Case};

pub static RULE: Rule = Rule {
    code: "BL1002",
    name: "from-as-casing",
    aliases: &["FromAsCasing"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "The `AS` keyword does not match the case of `FROM`.",
    doc: r#"## What it does
Checks that the `AS` of `FROM image AS name` is written in the same case as
the `FROM` keyword: `FROM ... AS` or `from ... as`.

## Why is this bad?
Mixing cases on one line reads as a mistake and makes the file harder to scan.
(A `FROM` keyword in mixed case is left to `consistent-instruction-casing`.)

## Example
```dockerfile
FROM debian:latest as builder
```

Use instead:
```dockerfile
FROM debian:latest AS deb-builder
```

```dockerfile
from debian:latest as deb-builder
```

## Fix
```dockerfile
FROM debian:12 as builder
```
```dockerfile fixed
FROM debian:12 AS builder
```

## References
- BuildKit check `FromAsCasing`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, inst, from) in bk::froms(cx) {
        let Some(as_kw) = &from.as_keyword else {
            continue;
        };
        let want = match case_of(&inst.keyword) {
            Case::Lower => "as",
            Case::Upper => "AS",
            Case::Mixed => continue,
        };
        if as_kw.raw == want {
            continue;
        }
        out.push(
            Diagnostic::new(
                as_kw.span,
                format!(
                    "`{}` does not match the case of `{}`",
                    as_kw.raw, inst.keyword
                ),
            )
            .help(format!("write `{want}`"))
            .fix(Fix::safe(vec![Edit::replace(as_kw.span, want)])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_mismatched_as() {
        assert_fires(&RULE, "FROM debian:latest as builder\n", &["as"]);
        assert_fires(&RULE, "from debian AS builder\n", &["AS"]);
        assert_fires(&RULE, "FROM debian As builder\n", &["As"]);
        assert_quiet(&RULE, "FROM debian AS builder\n");
        assert_quiet(&RULE, "from debian as builder\n");
        // A mixed-case FROM is another rule's business.
        assert_quiet(&RULE, "From debian as builder\n");
        assert_quiet(&RULE, "FROM debian\n");
    }

    #[test]
    fn fix_matches_the_case() {
        let f = lint(&RULE, "FROM a as b\n");
        assert_eq!(f[0].fix.as_ref().unwrap().edits[0].replacement, "AS");
    }
}
