use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2030",
    name: "go-install-unpinned",
    aliases: &["DL3062"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`go install`, `go get` or `go run` takes a module without a pinned version.",
    doc: r#"## What it does
Checks the packages of `go install`, `go get` and `go run` for a version suffix other than
`@latest` (as hadolint's DL3062 does). For `go run` only the package is checked, not the
program's arguments; `go get <module>@none` removes a dependency and is not reported.

## Why is this bad?
Without a version (or with `@latest`) the build installs whatever was
released last, so rebuilds of the same Dockerfile install different code.
Local packages (`./cmd/app`) build from the context and are not reported.

## Example
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls@latest
```

Use instead:
```dockerfile
FROM golang:1.23
RUN go install golang.org/x/tools/gopls@v0.16.2
```

## How to fix
Add a version: `go install <package>@<version>`.

## References
- hadolint DL3062
"#,
    check: Check::Dockerfile(check),
};

/// `go build` flags that take a value (`-ldflags "-s -w"`).
const VALUE_FLAGS: &[&str] = &[
    "ldflags",
    "gcflags",
    "asmflags",
    "tags",
    "mod",
    "modfile",
    "p",
    "pkgdir",
    "toolexec",
    "overlay",
    "pgo",
    "buildmode",
    "compiler",
    "installsuffix",
    "coverpkg",
    "covermode",
    "C",
    "o",
    "gccgoflags",
    "exec",
];

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let Some(sub) = cmd
            .args()
            .first()
            .map(|w| w.value.as_str())
            .filter(|s| matches!(*s, "install" | "get" | "run"))
        else {
            continue;
        };
        if !cmd.is("go") {
            continue;
        }
        let mut args = cmd.args()[1..].iter();
        while let Some(w) = args.next() {
            let v = w.value.as_str();
            if let Some(flag) = v.strip_prefix('-') {
                let flag = flag.trim_start_matches('-');
                if !flag.contains('=') && VALUE_FLAGS.contains(&flag) {
                    args.next();
                }
                continue;
            }
            // `go run` takes one package (or .go files); the rest are the
            // program's arguments.
            let last = sub == "run";
            if v.starts_with(['.', '/']) || v.ends_with(".go") || v == "all" {
                if last {
                    break;
                }
                continue;
            }
            // `go get pkg@none` removes a dependency.
            if v.ends_with("@none") {
                continue;
            }
            let latest = v.ends_with("@latest");
            if latest || !v.contains('@') {
                let message = if latest {
                    format!("`go {sub}` of `{v}` follows the latest release")
                } else {
                    format!("`go {sub}` does not pin the version of `{v}`")
                };
                let base = v.split('@').next().unwrap_or(v);
                out.push(
                    Diagnostic::new(w.span, message)
                        .help(format!("pin a version: `go {sub} {base}@<version>`")),
                );
            }
            if last {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unpinned_or_latest() {
        assert_run_fires(
            &RULE,
            "FROM golang:1\nRUN go install example.com/x\n",
            &["example.com/x"],
        );
        assert_run_fires(
            &RULE,
            "FROM golang:1\nRUN go install golang.org/x/tools/gopls@latest\n",
            &["golang.org/x/tools/gopls@latest"],
        );
        assert_run_fires(&RULE, "FROM golang:1\nRUN CGO_ENABLED=0 go install -ldflags '-s -w' example.com/a@v1 example.com/b\n", &["example.com/b"]);
    }

    #[test]
    fn quiet_when_pinned_or_local() {
        assert_run_quiet(
            &RULE,
            "FROM golang:1\nRUN go install example.com/x@v1.2.3\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM golang:1\nRUN go install ./cmd/x && go install\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM golang:1\nRUN go build -o /x . && go get example.com/y@v1.4.0 && go get example.com/old@none\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM golang:1\nRUN go mod download && go get -d ./... && go run ./cmd/gen example.com/not-a-package\n",
        );
    }

    #[test]
    fn fires_on_go_get_and_go_run() {
        assert_run_fires(
            &RULE,
            "FROM golang:1.23\nWORKDIR /src\nRUN go get github.com/spf13/cobra && go get -u golang.org/x/net@latest\n",
            &["github.com/spf13/cobra", "golang.org/x/net@latest"],
        );
        assert_run_fires(
            &RULE,
            "FROM golang:1.23\nRUN go run github.com/swaggo/swag/cmd/swag init -g main.go\n",
            &["github.com/swaggo/swag/cmd/swag"],
        );
    }
}
