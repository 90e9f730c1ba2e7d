use crate::lint::{
    Check, Diagnostic, Diagnostics, Edit, Fix, FixAvailability, Rule, Severity, StackCx,
};

pub static RULE: Rule = Rule {
    code: "BL4025",
    name: "obsolete-version",
    aliases: &["no-version-field"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A compose file still declares the obsolete top-level `version:`.",
    doc: r#"## What it does
Reports the top-level `version:` of a compose file. Off in stack mode,
where `docker stack deploy` requires it.

## Why is this bad?
`docker compose` ignores it and warns "the attribute `version` is obsolete";
readers may believe it selects features or a schema, which it no longer
does.

## Example
```yaml
version: "3.8"
services:
  web:
    image: nginx:1.27
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
```

## Fix
```yaml
version: "3.8" # the file format
services:
  web:
    image: nginx:1.27
```
```yaml fixed
services:
  web:
    image: nginx:1.27
```

## Fix safety
Removing the line changes nothing for `docker compose`: safe. (Keep it in
files deployed with `docker stack deploy`, which buildlint checks in stack
mode.)

## References
- dclint `no-version-field`
- compose-go `loader/loader.go`: "the attribute `version` is obsolete, it will be ignored"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    if cx.project.stack_mode {
        return;
    }
    for doc in &cx.project.documents {
        let Some(entry) = doc.root.entry("version") else {
            continue;
        };
        let file = &entry.key.file;
        let text = file.text.as_str();
        let mut d = Diagnostic::new(
            entry.key.span,
            "the top-level `version` is obsolete; compose ignores it",
        )
        .in_file(file.clone())
        .help("remove the line");
        // Delete the whole line when it holds only this entry.
        let line = file.lines.line_of(entry.key.span.start);
        let line_span = file.lines.line_span(text, line);
        let value_end = entry.value.span.end;
        let rest = text
            .get(value_end as usize..line_span.end as usize)
            .map(str::trim_start);
        if line_span.start == entry.key.span.start
            && entry.value.origin.is_none()
            && rest.is_some_and(|r| r.is_empty() || r.starts_with('#'))
        {
            let next = if line + 1 < file.lines.line_count() {
                file.lines.line_start(line + 1)
            } else {
                text.len() as u32
            };
            d = d.fix(Fix::safe(vec![Edit::delete(crate::span::Span::new(
                line_span.start,
                next,
            ))]));
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_in_compose_mode_with_a_fix() {
        assert_stack_fires(
            &RULE,
            "version: '3'\nservices:\n  a:\n    image: a:1\n",
            &["version"],
        );
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\nversion: \"2.4\" # old\n",
        );
        let e = &f.fix.as_ref().unwrap().edits[0];
        assert_eq!(
            &f.file.text[e.start as usize..e.end as usize],
            "version: \"2.4\" # old\n"
        );
        let f = only_finding(&RULE, "{version: '3', services: {}}\n");
        assert!(f.fix.is_none());
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: a:1\n");
        assert_stack_quiet(
            &RULE,
            "# docker-stack.yml\nversion: '3.8'\nservices:\n  a:\n    image: a:1\n",
        );
    }
}
