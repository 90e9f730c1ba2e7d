use super::util::{defined, suggestion};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4003",
    name: "undefined-secret",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service or its build uses a secret the file does not define.",
    doc: r#"## What it does
Checks that every secret listed under a service's `secrets:` or its
`build.secrets:` is defined in the top-level `secrets:` section.

## Why is this bad?
`docker compose` refuses the file: "service refers to undefined secret".

## Example
```yaml
services:
  db:
    image: postgres:16.4
    secrets: [dbpass]
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    secrets: [dbpass]
secrets:
  dbpass:
    file: ./dbpass.txt
```

## How to fix
Define the secret at the top level with `file:`, `environment:` or
`external: true`.

## References
- compose-go `loader/validate.go`: "service %q refers to undefined secret %s"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    for s in &p.services {
        let build = s.build.iter().flat_map(|b| b.secrets.iter());
        for m in s.secrets.iter().chain(build) {
            if defined(&p.secrets, &m.source.value) {
                continue;
            }
            let help = suggestion(&p.secrets, &m.source.value).unwrap_or_else(|| {
                format!(
                    "define it under the top-level `secrets:` key, e.g. `{}: {{file: ./{}.txt}}`",
                    m.source.value, m.source.value
                )
            });
            out.push(
                m.source
                    .diag(format!(
                        "service `{}` uses the secret `{}`, which is not defined",
                        s.name.value, m.source.value
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
    fn fires_on_undefined_secrets() {
        assert_stack_fires(
            &RULE,
            "services:\n  db:\n    image: a:1\n    secrets: [dbpass, {source: api_key, target: key}, known]\nsecrets:\n  known: {file: ./k}\n",
            &["dbpass", "api_key"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  app:\n    build:\n      context: .\n      secrets: [npmrc]\n",
            &["npmrc"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  db:\n    image: a:1\n    secrets: [s]\nsecrets:\n  s: {environment: S}\n",
        );
    }
}
