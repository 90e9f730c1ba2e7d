use crate::dockerfile::expand::Lexer;
use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1012",
    name: "workdir-relative-path",
    aliases: &["WorkdirRelativePath"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "The first WORKDIR of a build is a relative path.",
    doc: r#"## What it does
Checks for a relative `WORKDIR` when no absolute `WORKDIR` was set before it
in the stage or the stages it is built on. Later relative WORKDIRs are fine:
they build on the absolute one.

## Why is this bad?
A relative path is resolved against the base image's working directory,
which the Dockerfile does not control: a new base image version can move
every path below it.

## Example
```dockerfile
FROM nginx AS web
WORKDIR usr/share/nginx/html
COPY public .
```

Use instead:
```dockerfile
FROM nginx AS web
WORKDIR /usr/share/nginx/html
COPY public .
```

## References
- BuildKit check `WorkdirRelativePath`
- hadolint DL3000 is stricter (any relative WORKDIR) and is a separate rule,
  `relative-workdir`. Where both see the same WORKDIR, this finding is reported
  in its place and answers to DL3000 too: reports list it among the finding's
  aliases (JSON `aliases`, SARIF result `tags`, the human `rule:` line), and
  `# hadolint ignore=DL3000` silences it.
"#,
    check: Check::Dockerfile(check),
};

/// Absolute for Linux (`/x`) or Windows (`C:\x`, `\x`) images.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let lexer = Lexer::new(cx.df.escape);
    bk::walk(cx, |inst, scope| {
        if scope.workdir_set {
            return;
        }
        let Args::Workdir(word) = &inst.args else {
            return;
        };
        let Ok(e) = lexer.process(&word.raw, scope) else {
            return;
        };
        if e.uncertain || !e.unmatched().is_empty() || is_absolute(&e.value) {
            return;
        }
        out.push(
            Diagnostic::new(
                word.span,
                format!(
                    "relative WORKDIR `{}` depends on the base image's working directory",
                    e.value
                ),
            )
            .help(format!(
                "use an absolute path, e.g. `/{}`",
                e.value.trim_start_matches("./")
            )),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_the_first_relative_workdir() {
        assert_fires(
            &RULE,
            "FROM nginx AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n",
            &["usr/share/nginx/html"],
        );
        assert_fires(&RULE, "FROM a\nWORKDIR app\nWORKDIR sub\n", &["app"]);
        assert_fires(&RULE, "FROM a AS one\nFROM b\nWORKDIR app\n", &["app"]);
        assert_quiet(&RULE, "FROM a\nWORKDIR /app\nWORKDIR sub\n");
        // An absolute WORKDIR in the base stage counts.
        assert_quiet(
            &RULE,
            "FROM a AS base\nWORKDIR /app\nFROM base\nWORKDIR sub\n",
        );
        assert_quiet(&RULE, "FROM a\nWORKDIR C:\\\\app\n");
        // A variable whose value is not known here.
        assert_quiet(&RULE, "FROM tomcat:10\nWORKDIR $CATALINA_HOME\n");
        assert_quiet(&RULE, "FROM a\nARG DIR=/srv\nWORKDIR $DIR\n");
        assert_fires(
            &RULE,
            "FROM scratch\nARG DIR=srv\nWORKDIR $DIR\n",
            &["$DIR"],
        );
    }
}
