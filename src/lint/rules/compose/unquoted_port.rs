use crate::compose::yaml::{Node, Value};
use crate::lint::{
    Check, Diagnostic, Diagnostics, Edit, Fix, FixAvailability, Rule, Severity, StackCx,
};

pub static RULE: Rule = Rule {
    code: "BL4032",
    name: "unquoted-port",
    aliases: &["require-quotes-in-ports"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A port in `ports:` or `expose:` is not quoted.",
    doc: r#"## What it does
Reports short-syntax entries of `ports:` and `expose:` written without
quotes.

## Why is this bad?
YAML 1.1 parsers read an unquoted `22:22` as the base-60 number 1342, and
other tools that process the file may do so. Quoted, a port mapping is a
string everywhere.

## Example
```yaml
services:
  ssh:
    image: linuxserver/openssh-server:9.7
    ports:
      - 2222:22
```

Use instead:
```yaml
services:
  ssh:
    image: linuxserver/openssh-server:9.7
    ports:
      - "2222:22"
```

## Fix
```yaml
services:
  ssh:
    image: linuxserver/openssh-server:9.7
    ports:
      - 2222:22 # ssh
```
```yaml fixed
services:
  ssh:
    image: linuxserver/openssh-server:9.7
    ports:
      - "2222:22" # ssh
```

## Fix safety
Quoting a port does not change how compose reads it: safe.

## References
- dclint `require-quotes-in-ports`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        for s in services {
            for section in ["ports", "expose"] {
                let Some(items) = s.value.get(section).and_then(Node::as_seq) else {
                    continue;
                };
                for n in items {
                    if !matches!(n.value, Value::Str(_) | Value::Int(_))
                        || n.origin.is_some()
                        || n.is_quoted()
                    {
                        continue;
                    }
                    let raw = n.raw_text();
                    if raw.is_empty() {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            n.span,
                            format!("the port `{raw}` in `{section}` is not quoted"),
                        )
                        .in_file(n.file.clone())
                        .help(format!("write \"{raw}\""))
                        .fix(Fix::safe(vec![Edit::replace(n.span, format!("\"{raw}\""))])),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_on_plain_ports() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports:\n      - 2222:22\n      - \"80:80\"\n      - 443\n      - target: 1\n    expose: [3000, '4000']\n",
            &["2222:22", "443", "3000"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: ['1:1']\n",
        );
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: [8080:80]\n",
        );
        assert_eq!(f.fix.unwrap().edits[0].replacement, "\"8080:80\"");
    }
}
