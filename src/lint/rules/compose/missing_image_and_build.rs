use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4011",
    name: "missing-image-and-build",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service has neither `image` nor `build`.",
    doc: r#"## What it does
Reports a service with no `image:` and no `build:` (after overrides,
`extends` and `include` are applied, so a partial service in an override
file is fine). A service with `provider:` is run by a plugin, not from an
image, and needs neither (compose-go's validation makes the same exception).

## Why is this bad?
There is nothing to run. `docker compose` refuses the file: "service has
neither an image nor a build context specified".

## Example
```yaml
services:
  web:
    ports: ["8080:80"]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
```

```yaml
services:
  database:
    provider:
      type: awesomecloud
      options:
        type: mysql
        size: 256
  web:
    image: nginx:1.27
    depends_on: [database]
```

## How to fix
Add `image:` or `build:`, or, if the file is meant to override another, lint
it together with its base (`buildlint check -f compose.yaml -f this.yaml`).

## References
- compose-go: "service %q has neither an image nor a build context specified"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        if s.image.is_some() || s.build.is_some() || s.node.get("provider").is_some() {
            continue;
        }
        // A misspelt `imag:` is already a schema finding at the key.
        let misspelt = s.node.as_map().is_some_and(|m| {
            m.iter().any(|e| {
                ["image", "build"]
                    .iter()
                    .any(|k| e.key.name != *k && strsim::damerau_levenshtein(&e.key.name, k) <= 2)
            })
        });
        // A null service is a schema finding; an unresolved `extends` is a
        // reference finding: the service is incomplete, not wrong.
        if misspelt || s.node.is_null() || s.node.get("extends").is_some() {
            continue;
        }
        out.push(
            s.name
                .diag(format!(
                    "service `{}` has neither `image` nor `build`",
                    s.name.value
                ))
                .help("add `image:` or `build:`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_without_image_or_build() {
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    ports: ['80:80']\n  ok:\n    image: a:1\n",
            &["web"],
        );
        assert_stack_fires(&RULE, "services:\n  web: {}\n", &["web"]);
        assert_stack_quiet(&RULE, "services:\n  web:\n    build: .\n");
        // A provider service runs through a plugin: no image, no build.
        assert_stack_quiet(
            &RULE,
            "services:\n  db:\n    provider:\n      type: model\n      options:\n        model: ai/smollm2\n  app:\n    image: a:1\n    depends_on: [db]\n",
        );
        // The schema reports the misspelt key; no second finding.
        assert_stack_quiet(&RULE, "services:\n  web:\n    imag: a:1\n");
        assert_stack_quiet(
            &RULE,
            "services:\n  base:\n    image: a:1\n  web:\n    extends: base\n",
        );
    }
}
