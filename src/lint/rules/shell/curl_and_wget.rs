use crate::dockerfile::Kind;
use crate::lint::shell::views;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "BL2031",
    name: "curl-and-wget",
    aliases: &["DL4001"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stage uses both `curl` and `wget`.",
    doc: r#"## What it does
Checks each stage for RUN scripts that use both `curl` and `wget`. It
reports every RUN that uses one of them once the stage has used both.

## Why is this bad?
Both tools do the same job. Installing both makes the image bigger and
gives two sets of TLS settings, proxies and retries to keep right.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSLo /tmp/a https://example.com/a
RUN wget -q -O /tmp/b https://example.com/b
```

Use instead:
```dockerfile
FROM debian:12
RUN curl -fsSLo /tmp/a https://example.com/a
RUN curl -fsSLo /tmp/b https://example.com/b
```

## How to fix
Pick one tool for the whole stage.

## References
- hadolint DL4001
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let v = views(cx);
    // First use of each tool in the stage: [curl, wget]; separately for ONBUILD.
    let mut seen: [[Option<Span>; 2]; 2] = [[None; 2]; 2];
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        if inst.kind == Kind::From {
            seen = [[None; 2]; 2];
            continue;
        }
        let scripts = v.of_instruction(index);
        let Some(first) = scripts.first() else {
            continue;
        };
        let slot = &mut seen[usize::from(first.onbuild)];
        let mut here: Option<Span> = None;
        for cmd in scripts.iter().flat_map(|s| s.commands.iter()) {
            let tool = match cmd.name() {
                "curl" => 0,
                "wget" => 1,
                _ => continue,
            };
            let Some(name) = cmd.name_word() else {
                continue;
            };
            here.get_or_insert(name.span);
            slot[tool].get_or_insert(name.span);
        }
        if let (Some(span), [Some(curl), Some(wget)]) = (here, *slot) {
            let text = span.slice(&cx.df.source);
            let is_curl = text.ends_with("curl");
            let other = if is_curl { wget } else { curl };
            out.push(
                Diagnostic::new(span, "this stage uses both `curl` and `wget`")
                    .label(
                        other,
                        if is_curl {
                            "`wget` used here"
                        } else {
                            "`curl` used here"
                        },
                    )
                    .help("use one of them for the whole stage"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_once_both_are_used() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN curl -o a x\nRUN wget y\n",
            &["wget"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN curl -o a x && wget y\nRUN curl z\n",
            &["curl", "curl"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN wget y\nRUN make\nRUN curl z\n",
            &["curl"],
        );
    }

    #[test]
    fn quiet_with_one_tool_per_stage() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN curl -o a x\nRUN curl y\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN curl -o a x\nFROM debian:12\nRUN wget y\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get install -y curl wget\n");
    }
}
