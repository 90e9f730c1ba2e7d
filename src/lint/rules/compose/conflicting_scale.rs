use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4013",
    name: "conflicting-scale",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service sets `scale` and `deploy.replicas` to different values.",
    doc: r#"## What it does
Reports a service whose `scale` and `deploy.replicas` disagree.

## Why is this bad?
Compose cannot tell how many containers to run and refuses the file:
"can't set distinct values on 'scale' and 'deploy.replicas'".

## Example
```yaml
services:
  worker:
    image: example/worker:1.2
    scale: 2
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
Keep `deploy.replicas` and remove `scale`.

## References
- compose-go: "can't set distinct values on 'scale' and 'deploy.replicas'"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let (Some(scale), Some(replicas)) = (
            &s.scale,
            s.deploy.as_ref().and_then(|d| d.replicas.as_ref()),
        ) else {
            continue;
        };
        if scale.value == replicas.value {
            continue;
        }
        let mut d = scale
            .diag(format!(
                "service `{}` sets `scale: {}` and `deploy.replicas: {}`",
                s.name.value, scale.value, replicas.value
            ))
            .help("keep `deploy.replicas` and remove `scale`");
        d.labels.push(crate::lint::finding::Label {
            span: replicas.span,
            message: "replicas set here".into(),
            file: Some(replicas.file.clone()),
        });
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_when_they_differ() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    scale: 2\n    deploy: {replicas: 3}\n",
            &["2"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    scale: '4'\n    deploy: {replicas: 1}\n",
            &["'4'"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    scale: 3\n    deploy: {replicas: 3}\n",
        );
        assert_stack_quiet(&RULE, "services:\n  w:\n    image: a:1\n    scale: 3\n");
    }
}
