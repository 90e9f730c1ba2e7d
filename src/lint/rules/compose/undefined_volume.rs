use super::util::{defined, suggestion};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4002",
    name: "undefined-volume",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service mounts a named volume the file does not define.",
    doc: r#"## What it does
Checks that every named volume a service mounts (`dbdata:/var/lib/data`) is
defined in the top-level `volumes:` section. Host paths (`./data`, `/srv`)
and anonymous volumes are not named volumes.

## Why is this bad?
`docker compose` refuses the file: "service refers to undefined volume".
A typo in a host path that lacks its `./` prefix shows up here too: `data:/x`
is a named volume, not the `data` directory.

## Example
```yaml
services:
  db:
    image: postgres:16.4
    volumes: ["dbdata:/var/lib/postgresql/data"]
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    volumes: ["dbdata:/var/lib/postgresql/data"]
volumes:
  dbdata: {}
```

## How to fix
Add the volume under the top-level `volumes:` key, or write `./name` if you
meant a directory next to the compose file.

## References
- compose-go `loader/validate.go`: "service %q refers to undefined volume %s"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    for s in &p.services {
        for m in &s.volumes {
            if m.kind != "volume" {
                continue;
            }
            let Some(src) = &m.source else { continue };
            if defined(&p.volumes, &src.value) {
                continue;
            }
            let help = suggestion(&p.volumes, &src.value).unwrap_or_else(|| {
                format!(
                    "add `{0}: {{}}` under the top-level `volumes:` key, or write `./{0}` for a directory",
                    src.value
                )
            });
            out.push(
                src.diag(format!(
                    "service `{}` mounts the volume `{}`, which is not defined",
                    s.name.value, src.value
                ))
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_undefined_named_volumes_only() {
        assert_stack_fires(
            &RULE,
            "services:\n  db:\n    image: a:1\n    volumes: ['dbdata:/data', './x:/x', '/abs:/abs', '/anon', 'ok:/ok']\nvolumes:\n  ok: {}\n",
            &["dbdata"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  db:\n    image: a:1\n    volumes:\n      - type: volume\n        source: cache\n        target: /cache\n",
            &["cache"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  db:\n    image: a:1\n    volumes:\n      - type: bind\n        source: cache\n        target: /cache\n      - type: tmpfs\n        target: /tmp\n",
        );
    }
}
