use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4027",
    name: "docker-socket-mount",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service mounts the Docker socket.",
    doc: r#"## What it does
Reports a bind mount of the Docker Engine socket (`/var/run/docker.sock` or
`/run/docker.sock`).

## Why is this bad?
Whoever controls the socket controls the Engine, and through it the host:
the container can start a privileged container that mounts `/`.

## Example
```yaml
services:
  ui:
    image: portainer/portainer-ce:2.21.0
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
```

Use instead:
```yaml
services:
  ui:
    image: portainer/portainer-ce:2.21.0
    volumes: ["portainer_data:/data"]
volumes:
  portainer_data: {}
```

## How to fix
Avoid the mount; if a tool needs the API, put a socket proxy in front that
allows only the calls it makes, and mount the socket read-only there.

## References
- KICS `docker_socket_mounted_in_container`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        for m in &s.volumes {
            if m.kind != "bind" {
                continue;
            }
            let Some(src) = &m.source else { continue };
            let path = src.value.trim_start_matches('/');
            if matches!(path, "var/run/docker.sock" | "run/docker.sock") {
                out.push(
                    src.diag(format!("service `{}` mounts the Docker socket", s.name.value))
                        .help("avoid it, or go through a socket proxy that allows only the API calls needed"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_the_socket() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro', {type: bind, source: /run/docker.sock, target: /s}]\n",
            &["/var/run/docker.sock", "/run/docker.sock"],
        );
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: a:1\n    volumes: ['./docker.sock:/x', 'data:/var/run/docker.sock']\nvolumes:\n  data: {}\n");
    }
}
