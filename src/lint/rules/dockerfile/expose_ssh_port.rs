use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1133",
    name: "expose-ssh-port",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "EXPOSE opens port 22 (SSH).",
    doc: r#"## What it does
Checks `EXPOSE` for TCP port 22, alone or inside a range.

## Why is this bad?
An SSH server in a container is one more service to patch and one more way in. `docker exec`
(or `kubectl exec`) reaches a running container without it.

## Example
```dockerfile
FROM ubuntu:24.04
EXPOSE 22 80
```

Use instead:
```dockerfile
FROM ubuntu:24.04
EXPOSE 80
```

## How to fix
Remove the SSH server and the port; use `docker exec -it <container> sh` to get a shell.

## References
- Trivy DS-0004, Checkov CKV_DOCKER_1
"#,
    check: Check::Dockerfile(check),
};

fn includes_22(spec: &str) -> bool {
    let (ports, proto) = match spec.split_once('/') {
        Some((p, proto)) => (p, proto),
        None => (spec, "tcp"),
    };
    if !proto.eq_ignore_ascii_case("tcp") {
        return false;
    }
    match ports.split_once('-') {
        Some((lo, hi)) => {
            matches!((lo.parse::<u32>(), hi.parse::<u32>()), (Ok(l), Ok(h)) if l <= 22 && 22 <= h)
        }
        None => ports == "22",
    }
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
            if includes_22(&spec) {
                out.push(
                    Diagnostic::new(word.span, "the image exposes port 22 (SSH)")
                        .help("drop the SSH server and the port; use `docker exec` to get a shell"),
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
    fn fires_on_22() {
        assert_fires(&RULE, "FROM a\nEXPOSE 22\n", &["22"]);
        assert_fires(&RULE, "FROM a\nEXPOSE 80 22/tcp\n", &["22/tcp"]);
        assert_fires(&RULE, "FROM a\nEXPOSE 20-25\n", &["20-25"]);
    }

    #[test]
    fn quiet_on_other_ports() {
        assert_quiet(&RULE, "FROM a\nEXPOSE 2222 80 220\n");
        assert_quiet(&RULE, "FROM a\nEXPOSE 22/udp\n");
        assert_quiet(&RULE, "FROM a\nEXPOSE $SSH_PORT\n");
    }
}
