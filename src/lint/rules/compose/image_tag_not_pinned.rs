use super::util::{image_ref, sub_span};
use crate::lint::{Check, Diagnostic, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4024",
    name: "image-tag-not-pinned",
    aliases: &["service-image-require-explicit-tag"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service's image has no tag, or a floating one such as `latest`.",
    doc: r#"## What it does
Reports a service `image:` without a tag (which means `latest`) or with a
tag that moves (`latest`, `stable`, `edge`, `test`, `nightly`, `dev`,
`beta`, `canary`, `lts`). Images pinned by digest are fine. Services that
also `build` are skipped: there `image:` names what is built.

## Why is this bad?
The same file runs different software from one day to the next; a pull can
bring an incompatible release into production unnoticed.

## Example
```yaml
services:
  cache:
    image: redis
  db:
    image: postgres:latest
```

Use instead:
```yaml
services:
  cache:
    image: redis:7.4
  db:
    image: postgres:16.4
```

## How to fix
Pin a release tag, or a digest (`redis:7.4@sha256:...`).

## References
- dclint `service-image-require-explicit-tag`
"#,
    check: Check::Stack(check),
};

const FLOATING: &[&str] = &[
    "latest", "stable", "edge", "test", "nightly", "dev", "beta", "canary", "lts",
];

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        if s.build.is_some() {
            continue;
        }
        let Some(image) = s.image.as_ref().filter(|i| !i.value.is_empty()) else {
            continue;
        };
        let r = image_ref(&image.value);
        if r.digest {
            continue;
        }
        match &r.tag {
            None => out.push(
                Diagnostic::new(
                    image.span,
                    format!(
                        "the image `{}` has no tag, so it means `latest`",
                        image.value
                    ),
                )
                .in_file(image.file.clone())
                .help(format!("pin a release: `{}:<version>`", image.value)),
            ),
            Some((tag, range)) if FLOATING.contains(&tag.to_ascii_lowercase().as_str()) => out
                .push(
                    Diagnostic::new(
                        sub_span(image, range.clone()),
                        format!("the image `{}` uses the floating tag `{tag}`", image.value),
                    )
                    .in_file(image.file.clone())
                    .help("pin a release tag or a digest"),
                ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn untagged_and_floating() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: redis\n  b:\n    image: postgres:latest\n  c:\n    image: 'localhost:5000/app:Nightly'\n  d:\n    image: nginx:1.27\n",
            &["redis", "latest", "Nightly"],
        );
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: redis@sha256:0000000000000000000000000000000000000000000000000000000000000000\n");
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: myapp\n    build: .\n");
    }
}
