use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4014",
    name: "secret-without-source",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A top-level secret or config says neither where its content comes from nor that it is external.",
    doc: r#"## What it does
Checks that each top-level secret has `file:`, `environment:` or
`external: true`, and each config `file:`, `environment:`, `content:` or
`external: true`.

## Why is this bad?
Compose has no content to give the service and refuses the file: "secret
must declare either `file` or `environment`".

## Example
```yaml
services:
  db:
    image: postgres:16.4
    secrets: [dbpass]
secrets:
  dbpass: {}
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    secrets: [dbpass]
secrets:
  dbpass:
    environment: DB_PASSWORD
```

## How to fix
Add `file: ./path`, `environment: VARIABLE`, or `external: true` when the
secret is created with `docker secret create`.
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    let kinds = [("secret", &p.secrets, false), ("config", &p.configs, true)];
    for (what, resources, content_ok) in kinds {
        for r in resources.iter() {
            let external = r.external.as_ref().is_some_and(|e| e.value);
            let has = r.file.is_some()
                || r.environment.is_some()
                || (content_ok && r.content.is_some())
                || external;
            // `docker stack deploy` also allows `driver` / `template_driver`.
            let driver = r.node.get("driver").is_some();
            if has || driver {
                continue;
            }
            let sources = if content_ok {
                "`file`, `environment` or `content`"
            } else {
                "`file` or `environment`"
            };
            out.push(
                r.name
                    .diag(format!(
                        "the {what} `{}` has no {sources}, and is not external",
                        r.name.value
                    ))
                    .help(format!(
                        "add `file: ./{}` or `external: true`",
                        r.name.value
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_without_a_source() {
        assert_stack_fires(&RULE, "services: {}\nsecrets:\n  a: {}\n  b: {file: ./b}\n  c: {external: true}\n  d: {environment: D}\n", &["a"]);
        assert_stack_fires(
            &RULE,
            "services: {}\nconfigs:\n  a: {name: x}\n  b: {content: hi}\n",
            &["a"],
        );
        assert_stack_quiet(&RULE, "services: {}\nconfigs:\n  c: {file: ./c}\n");
    }
}
