use crate::compose::yaml::{Node, Value};
use crate::lint::{
    Check, Diagnostic, Diagnostics, Edit, Fix, FixAvailability, Rule, Severity, StackCx,
};

pub static RULE: Rule = Rule {
    code: "BL4040",
    name: "quoted-volume",
    aliases: &["no-quotes-in-volumes"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Sometimes,
    summary: "A short-syntax volume is quoted.",
    doc: r#"## What it does
Reports short-syntax entries of a service's `volumes:` written in quotes
(a style rule, off by default).

## Why is this bad?
It is a matter of consistency: volume paths need no quotes, and mixing
quoted and plain entries makes a file harder to scan.

## Example
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - "./data:/var/lib/postgresql/data"
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - ./data:/var/lib/postgresql/data
```

## Fix
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - "./data:/var/lib/postgresql/data" # keep
```
```yaml fixed
services:
  db:
    image: postgres:16.4
    volumes:
      - ./data:/var/lib/postgresql/data # keep
```

## Fix safety
The quotes are removed only when the value reads the same without them:
safe.

## References
- dclint `no-quotes-in-volumes`
"#,
    check: Check::Stack(check),
};

/// Whether `s` reads as the same string when written as a plain scalar.
fn plain_safe(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !s.ends_with([':', ' '])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\\', '"', '\''])
        && !matches!(s, "true" | "false" | "null" | "~")
        && s.parse::<f64>().is_err()
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        for s in services {
            let Some(items) = s.value.get("volumes").and_then(Node::as_seq) else {
                continue;
            };
            for n in items {
                let Value::Str(value) = &n.value else {
                    continue;
                };
                if !n.is_quoted() {
                    continue;
                }
                let raw = n.raw_text();
                let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
                let mut d = Diagnostic::new(n.span, format!("the volume `{value}` is quoted"))
                    .in_file(n.file.clone())
                    .help("remove the quotes");
                if inner == value && plain_safe(value) {
                    d = d.fix(Fix::safe(vec![Edit::replace(n.span, value.clone())]));
                }
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_on_quoted_volumes() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    volumes: [\"./a:/a\", './b:/b', ./c:/c]\n",
            &["\"./a:/a\"", "'./b:/b'"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    volumes: [./c:/c]\n",
        );
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\n    volumes: [\"./a:/a\"]\n",
        );
        assert_eq!(f.fix.unwrap().edits[0].replacement, "./a:/a");
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\n    volumes: ['./my dir #1:/a']\n",
        );
        assert!(f.fix.is_none());
    }
}
