use super::util::label_first;
use crate::compose::model::Sp;
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4012",
    name: "duplicate-mount-target",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service mounts two volumes at the same path.",
    doc: r#"## What it does
Reports a mount target (the path inside the container) used twice by the
`volumes:` and `tmpfs:` of one service.

## Why is this bad?
Only one mount can sit at a path. `docker compose` refuses the file: "target
already mounted".

## Example
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - dbdata:/var/lib/postgresql/data
      - ./backup:/var/lib/postgresql/data
volumes:
  dbdata: {}
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - dbdata:/var/lib/postgresql/data
      - ./backup:/backup
volumes:
  dbdata: {}
```

## How to fix
Mount the second volume somewhere else, or drop one of them.

## References
- compose-go: "target %s already mounted as %s"
"#,
    check: Check::Stack(check),
};

fn normalize(target: &str) -> &str {
    let t = target.trim_end_matches('/');
    if t.is_empty() {
        "/"
    } else {
        t
    }
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let mut seen: Vec<Sp<String>> = Vec::new();
        let tmpfs = super::util::tmpfs_targets(s);
        for target in s.volumes.iter().map(|m| m.target.clone()).chain(tmpfs) {
            if let Some(first) = seen
                .iter()
                .find(|t| normalize(&t.value) == normalize(&target.value))
            {
                let d = target
                    .diag(format!(
                        "service `{}` already mounts something at `{}`",
                        s.name.value, target.value
                    ))
                    .help("mount it at another path, or remove one of the two");
                out.push(label_first(d, first, "first mounted here"));
                continue;
            }
            seen.push(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_the_second_mount() {
        assert_stack_fires(
            &RULE,
            "services:\n  d:\n    image: a:1\n    volumes: ['./a:/data', './b:/data/', '/x']\n    tmpfs: [/x]\n",
            &["/data/", "/x"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  d:\n    image: a:1\n    volumes:\n      - type: bind\n        source: ./a\n        target: /srv\n      - ./b:/srv:ro\n",
            &["/srv"],
        );
        assert_stack_quiet(&RULE, "services:\n  d:\n    image: a:1\n    volumes: ['./a:/a', './b:/b']\n  e:\n    image: a:1\n    volumes: ['./a:/a']\n");
    }
}
