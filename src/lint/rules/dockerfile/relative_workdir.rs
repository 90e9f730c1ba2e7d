use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1101",
    name: "relative-workdir",
    aliases: &["DL3000"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A WORKDIR path is relative.",
    doc: r#"## What it does
Checks that every `WORKDIR` is an absolute path (or starts with a variable, whose value is not
known here).

## Why is this bad?
A relative `WORKDIR` is resolved against the previous working directory, which may come from the
base image and change when the base image does. An absolute path says where the files go.
BuildKit's `WorkdirRelativePath` only reports a relative `WORKDIR` when no absolute one was set
earlier in the stage; this rule reports every one. On that first relative `WORKDIR`, the one
finding is `workdir-relative-path`'s, with DL3000 among its aliases (in JSON, SARIF and the
human report), and a suppression of either rule silences it.

## Example
```dockerfile
FROM alpine:3.20
WORKDIR app
```

Use instead:
```dockerfile
FROM alpine:3.20
WORKDIR /app
```

## How to fix
Write the full path: `WORKDIR /usr/src/app`.

## References
- hadolint DL3000
- BuildKit check `WorkdirRelativePath` (less strict)
"#,
    check: Check::Dockerfile(check),
};

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('$')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let inst = inst.effective();
        let Args::Workdir(word) = &inst.args else {
            continue;
        };
        // A variable decides the path: `$HOME/app` is absolute in practice.
        let text = literal(&word.raw, cx.df.escape)
            .unwrap_or_else(|| word.raw.trim_matches(|c| c == '"' || c == '\'').to_string());
        if text.is_empty() || is_absolute(&text) {
            continue;
        }
        out.push(
            Diagnostic::new(word.span, format!("`WORKDIR {text}` is a relative path")).help(
                format!(
                    "use an absolute path, e.g. `WORKDIR /{}`",
                    text.trim_start_matches("./")
                ),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_relative_paths() {
        assert_fires(&RULE, "FROM alpine\nWORKDIR app\n", &["app"]);
        assert_fires(
            &RULE,
            "FROM alpine\nWORKDIR /app\nWORKDIR ./src\n",
            &["./src"],
        );
        assert_fires(&RULE, "FROM alpine\nWORKDIR \"my app\"\n", &["\"my app\""]);
    }

    #[test]
    fn fires_inside_onbuild() {
        assert_fires(&RULE, "FROM alpine\nONBUILD WORKDIR build\n", &["build"]);
    }

    #[test]
    fn quiet_on_absolute_and_variable_paths() {
        assert_quiet(&RULE, "FROM alpine\nWORKDIR /app\n");
        assert_quiet(&RULE, "FROM alpine\nWORKDIR \"/my app\"\n");
        assert_quiet(&RULE, "FROM alpine\nWORKDIR $HOME/app\n");
        assert_quiet(&RULE, "FROM alpine\nWORKDIR ${APP_HOME}\n");
        assert_quiet(
            &RULE,
            "FROM mcr.microsoft.com/windows/servercore\nWORKDIR C:\\app\n",
        );
    }
}
