use crate::compose::syntax::{parse_port, PortRange};
use crate::compose::yaml::Node;
use crate::lint::{Check, Diagnostic, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4043",
    name: "unsorted-ports",
    aliases: &["service-ports-alphabetical-order"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A service's `ports` are not in ascending order.",
    doc: r#"## What it does
Reports `ports:` entries out of ascending order by host port, then
container port (a style rule, off by default).

## Why is this bad?
Sorted port lists are easier to scan for clashes and produce smaller diffs.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8443:443", "8080:80"]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8080:80", "8443:443"]
```

## References
- dclint `service-ports-alphabetical-order`
"#,
    check: Check::Stack(check),
};

fn sort_key(n: &Node) -> Option<(u32, u32)> {
    if n.as_map().is_some() {
        let num = |k: &str| {
            n.get(k)
                .and_then(Node::scalar_string)
                .and_then(|s| PortRange::parse(&s))
        };
        let target = num("target")?;
        let published = num("published").unwrap_or(target);
        return Some((published.start, target.start));
    }
    let p = parse_port(&n.scalar_string()?).ok()?;
    let target = PortRange::parse(&p.target.text)?;
    let published = p
        .published
        .and_then(|h| PortRange::parse(&h.text))
        .unwrap_or(target);
    Some((published.start, target.start))
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        for s in services {
            let Some(items) = s.value.get("ports").and_then(Node::as_seq) else {
                continue;
            };
            let mut max: Option<((u32, u32), &Node)> = None;
            for n in items {
                let Some(k) = sort_key(n) else { continue };
                match max {
                    Some((m, prev)) if k < m => out.push(
                        Diagnostic::new(
                            n.span,
                            format!(
                                "port `{}` should come before `{}` in service `{}`",
                                n.scalar_string().unwrap_or_else(|| k.0.to_string()),
                                prev.scalar_string().unwrap_or_else(|| m.0.to_string()),
                                s.key.name
                            ),
                        )
                        .in_file(n.file.clone())
                        .help("sort the ports by host port"),
                    ),
                    _ => max = Some((k, n)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn ascending_by_host_port() {
        assert_stack_fires(&RULE, "services:\n  w:\n    image: a:1\n    ports: ['8443:443', '8080:80', '9000:9000', '22']\n", &["'8080:80'", "'22'"]);
        assert_stack_quiet(&RULE, "services:\n  w:\n    image: a:1\n    ports: ['80:80', {target: 81, published: 443}, '9000']\n");
        assert_stack_quiet(&RULE, "services:\n  w:\n    image: a:1\n");
    }
}
