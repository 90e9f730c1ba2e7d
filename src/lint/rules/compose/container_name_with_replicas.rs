use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4007",
    name: "container-name-with-replicas",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service sets `container_name` and runs more than one replica.",
    doc: r#"## What it does
Reports `container_name` on a service that asks for more than one container
with `deploy.replicas` or `scale`.

## Why is this bad?
Container names are unique on an Engine, so the second replica cannot be
created. `docker compose` refuses the file: "can't set container_name and
deploy.replicas as container name must be unique".

## Example
```yaml
services:
  worker:
    image: example/worker:1.2
    container_name: worker
    deploy:
      replicas: 3
```

Use instead:
```yaml
services:
  worker:
    image: example/worker:1.2
    deploy:
      replicas: 3
```

## How to fix
Remove `container_name`; compose names each replica `<project>-worker-N`.

## References
- compose-go `types/project.go`: "can't set container_name and deploy.replicas"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let Some(name) = &s.container_name else {
            continue;
        };
        let replicas = s.deploy.as_ref().and_then(|d| d.replicas.as_ref());
        let (count, at, what) = match (replicas, &s.scale) {
            (Some(r), _) if r.value > 1 => (r.value, r.loc(), "deploy.replicas"),
            (_, Some(sc)) if sc.value > 1 => (sc.value, sc.loc(), "scale"),
            _ => continue,
        };
        let mut d = name
            .diag(format!(
                "service `{}` sets `container_name` but asks for {count} containers with `{what}`",
                s.name.value
            ))
            .help("remove `container_name`; container names must be unique");
        d.labels.push(crate::lint::finding::Label {
            span: at.span,
            message: format!("{count} replicas here"),
            file: Some(at.file.clone()),
        });
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_with_replicas_or_scale() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    container_name: worker\n    deploy: {replicas: 3}\n",
            &["worker"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    container_name: 'worker'\n    scale: 2\n",
            &["'worker'"],
        );
        assert_stack_quiet(&RULE, "services:\n  w:\n    image: a:1\n    container_name: worker\n    deploy: {replicas: 1}\n");
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    deploy: {replicas: 4}\n",
        );
    }
}
