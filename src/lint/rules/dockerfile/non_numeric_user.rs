use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1126",
    name: "non-numeric-user",
    aliases: &["DL3066"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "USER names a user by name rather than by numeric ID.",
    doc: r#"## What it does
Checks `USER` instructions whose user part is a name (`USER app`) rather than a numeric ID
(`USER 10001`). Users written with a variable are not checked.

## Why is this bad?
Kubernetes' `runAsNonRoot` and similar policies can only verify a numeric user: with a name they
cannot tell whether it maps to root, and refuse to start the pod. A numeric ID also needs no
`/etc/passwd` entry in minimal images.

## Example
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER app
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001:10001
```

## References
- hadolint DL3066
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let Args::User(word) = &inst.effective().args else {
            continue;
        };
        let Some(user) = literal(&word.raw, cx.df.escape) else {
            continue;
        };
        let uid = user.split(':').next().unwrap_or("");
        if !uid.is_empty() && !uid.bytes().all(|b| b.is_ascii_digit()) {
            out.push(
                Diagnostic::new(
                    word.span,
                    format!("user `{uid}` is a name, not a numeric ID"),
                )
                .help("use the numeric ID, e.g. `USER 10001:10001`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_names() {
        assert_fires(&RULE, "FROM a\nUSER app\n", &["app"]);
        assert_fires(&RULE, "FROM a\nUSER app:1000\n", &["app:1000"]);
        assert_fires(&RULE, "FROM a\nUSER root\n", &["root"]);
    }

    #[test]
    fn quiet_on_ids_and_variables() {
        assert_quiet(&RULE, "FROM a\nUSER 1000\n");
        assert_quiet(&RULE, "FROM a\nUSER 1000:app\n");
        assert_quiet(&RULE, "FROM a\nUSER $UID\n");
    }
}
