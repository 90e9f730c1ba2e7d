use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1103",
    name: "invalid-expose-port",
    aliases: &["DL3011"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An EXPOSE port is not a number from 0 to 65535.",
    doc: r#"## What it does
Checks that each `EXPOSE` port (or both ends of a range) is a number from 0 to 65535, with an
optional `/tcp`, `/udp` or `/sctp` protocol.

## Why is this bad?
Docker rejects such a port when it builds the image (`invalid containerPort`), after the steps
before it have already run.

## Example
```dockerfile
FROM nginx:1.27
EXPOSE 80800
```

Use instead:
```dockerfile
FROM nginx:1.27
EXPOSE 8080
```

## How to fix
Write the port the process listens on, between 0 and 65535.

## References
- hadolint DL3011
- BuildKit check `ExposeInvalidFormat` covers `host:container` mappings
"#,
    check: Check::Dockerfile(check),
};

/// What is wrong with a port spec, if anything (`None` for a valid one, or a
/// form another rule reports).
pub(crate) fn port_problem(spec: &str) -> Option<String> {
    if spec.contains(':') {
        return None; // ExposeInvalidFormat
    }
    let ports = spec.split('/').next().unwrap_or(spec);
    let mut parts = ports.splitn(2, '-');
    for part in parts.by_ref() {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("`{part}` is not a port number"));
        }
        match part.parse::<u64>() {
            Ok(n) if n <= 65535 => {}
            _ => {
                return Some(format!(
                    "port {part} is out of range: ports go from 0 to 65535"
                ))
            }
        }
    }
    None
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let Args::Expose(words) = &inst.effective().args else {
            continue;
        };
        for word in words {
            let Some(spec) = literal(&word.raw, cx.df.escape) else {
                continue;
            };
            if let Some(problem) = port_problem(&spec) {
                out.push(
                    Diagnostic::new(word.span, problem)
                        .help("expose the port the process listens on, between 0 and 65535"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_out_of_range() {
        assert_fires(&RULE, "FROM a\nEXPOSE 80 80800\n", &["80800"]);
        assert_fires(&RULE, "FROM a\nEXPOSE 65536/udp\n", &["65536/udp"]);
        assert_fires(&RULE, "FROM a\nEXPOSE 8000-70000\n", &["8000-70000"]);
    }

    #[test]
    fn fires_on_non_numbers() {
        assert_fires(&RULE, "FROM a\nEXPOSE http\n", &["http"]);
    }

    #[test]
    fn quiet_on_valid_ports_and_variables() {
        assert_quiet(
            &RULE,
            "FROM a\nEXPOSE 0 80 443/tcp 53/udp 8000-8010 65535\n",
        );
        assert_quiet(&RULE, "FROM a\nARG PORT=80\nEXPOSE $PORT ${PORT}/tcp\n");
        assert_quiet(&RULE, "FROM a\nEXPOSE 127.0.0.1:80:80\n");
    }
}
