use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4028",
    name: "host-namespace",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service shares the host's network, PID, IPC, UTS or user namespace.",
    doc: r#"## What it does
Reports `network_mode: host`, `pid: host`, `ipc: host`, `uts: host` and
`userns_mode: host`.

## Why is this bad?
The container sees and can reach the host's processes, network interfaces
or shared memory; isolation between them is gone, and with `network_mode:
host` every port it opens is open on the host.

## Example
```yaml
services:
  monitor:
    image: example/monitor:1.0
    pid: host
    network_mode: host
```

Use instead:
```yaml
services:
  monitor:
    image: example/monitor:1.0
    ports: ["127.0.0.1:9100:9100"]
```

## How to fix
Remove the setting; publish the ports the service needs instead of using
the host network.

## References
- KICS `host_namespace_is_shared`, `network_mode_host` (Docker Compose queries)
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let settings = [
            ("network_mode", &s.network_mode, "network"),
            ("pid", &s.pid, "PID"),
            ("ipc", &s.ipc, "IPC"),
            ("uts", &s.uts, "UTS"),
            ("userns_mode", &s.userns_mode, "user"),
        ];
        for (key, value, what) in settings {
            let Some(v) = value else { continue };
            if v.value == "host" {
                out.push(
                    v.diag(format!(
                        "service `{}` shares the host's {what} namespace (`{key}: host`)",
                        s.name.value
                    ))
                    .help(format!("remove `{key}: host`")),
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
    fn fires_on_host_namespaces() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    network_mode: host\n    pid: host\n    ipc: 'host'\n",
            &["host", "host", "'host'"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    network_mode: bridge\n    ipc: shareable\n",
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    pid: 'service:b'\n  b:\n    image: b:1\n",
        );
    }
}
