use crate::dockerfile::{Args, CommandForm, Instruction};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1009",
    name: "json-args-recommended",
    aliases: &["JSONArgsRecommended", "DL3025"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "CMD or ENTRYPOINT is written in shell form.",
    doc: r#"## What it does
Checks for `CMD` and `ENTRYPOINT` in shell form (`CMD my-program start`) in a
stage where no `SHELL` instruction chose the shell.

## Why is this bad?
The shell form runs the command as `/bin/sh -c "my-program start"`: the shell
is the container's main process and does not pass signals on, so
`docker stop` cannot stop the program gracefully and kills it after a timeout.

## Example
```dockerfile
FROM alpine
ENTRYPOINT my-program start
# entrypoint becomes: /bin/sh -c my-program start
```

Use instead:
```dockerfile
FROM alpine
ENTRYPOINT ["my-program", "start"]
# entrypoint becomes: my-program start
```

```dockerfile
FROM alpine
RUN apk add bash
SHELL ["/bin/bash", "-c"]
ENTRYPOINT echo "hello world"
```

## Fix
```dockerfile
FROM nginx:1.27
CMD nginx -g daemon
```
```dockerfile fixed
FROM nginx:1.27
CMD ["nginx", "-g", "daemon"]
```

## Fix safety
The fix writes the exec form when the command is plain words (no variables,
quotes, redirections or other shell syntax). It is unsafe: the program then
runs without a shell, as PID 1.

## References
- BuildKit check `JSONArgsRecommended`
- hadolint DL3025
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    bk::walk(cx, |inst, scope| {
        if scope.shell_set {
            return;
        }
        let form = match &inst.args {
            Args::Cmd(form) | Args::Entrypoint(form) => form,
            _ => return,
        };
        let CommandForm::Shell(text) = form else {
            return;
        };
        let span = text.file_span();
        let name = inst.kind.name();
        out.push(
            Diagnostic::new(
                span,
                format!("{name} in shell form runs under `/bin/sh -c`, which does not pass signals to the program"),
            )
            .help(format!(
                "write it as a JSON array: `{name} [\"program\", \"arg\"]`"
            ))
            .maybe_fix(
                exec_form(inst, &text.text)
                    .filter(|_| !bk::has_comment_inside(cx, span))
                    .map(|json| Fix::unsafe_(vec![Edit::replace(span, json)])),
            ),
        );
    });
}

/// The exec form of a shell command made only of plain words.
fn exec_form(inst: &Instruction, command: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=,@%+-".contains(c);
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.is_empty() || !words.iter().all(|w| w.chars().all(plain)) {
        return None;
    }
    // A heredoc body belongs to the shell.
    if !inst.heredocs.is_empty() {
        return None;
    }
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    Some(format!("[{}]", quoted.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_shell_form() {
        assert_fires(
            &RULE,
            "FROM alpine\nENTRYPOINT my-program start\n",
            &["my-program start"],
        );
        assert_fires(&RULE, "FROM alpine\nCMD echo $HOME\n", &["echo $HOME"]);
        assert_fires(
            &RULE,
            "FROM alpine AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM alpine\nCMD run\n",
            &["run"],
        );
        assert_quiet(&RULE, "FROM alpine\nCMD [\"run\"]\n");
        assert_quiet(
            &RULE,
            "FROM alpine\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\n",
        );
        // The shell chosen in a base stage carries over.
        assert_quiet(
            &RULE,
            "FROM alpine AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM a\nCMD echo hi\n",
        );
        assert_quiet(&RULE, "FROM alpine\nRUN echo hi\n");
    }

    #[test]
    fn fix_is_unsafe_and_only_for_plain_words() {
        let f = lint(&RULE, "FROM alpine\nCMD nginx -g daemon\n");
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::lint::Applicability::Unsafe);
        assert_eq!(fix.edits[0].replacement, r#"["nginx", "-g", "daemon"]"#);
        let f = lint(&RULE, "FROM alpine\nCMD echo $HOME | cat\n");
        assert!(f[0].fix.is_none());
    }
}
