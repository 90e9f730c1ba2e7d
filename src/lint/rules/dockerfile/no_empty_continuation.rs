use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1003",
    name: "no-empty-continuation",
    aliases: &["NoEmptyContinuation"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "An empty line sits inside a continued instruction.",
    doc: r#"## What it does
Checks for empty lines inside an instruction continued with `\`.

## Why is this bad?
The parser skips such a line, so the instruction goes on below it, which is
easy to misread: the empty line looks like the end of the instruction.
BuildKit announces that empty continuation lines will become an error.

## Example
```dockerfile
FROM alpine
EXPOSE \

80
```

Use instead:
```dockerfile
FROM alpine
EXPOSE \
# Port
80
```

## Fix
```dockerfile
FROM alpine
RUN apk add \

    curl
```
```dockerfile fixed
FROM alpine
RUN apk add \
    curl
```

The fix deletes the empty line; the instruction means the same.

## References
- BuildKit check `NoEmptyContinuation`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for &span in &cx.df.empty_continuation_lines {
        let line = bk::whole_line(cx, span);
        out.push(
            Diagnostic::new(span, "empty line inside a continued instruction")
                .help("delete the empty line, or end the instruction before it")
                .fix(Fix::safe(vec![Edit::delete(line)])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_each_empty_line() {
        let f = lint(
            &RULE,
            "FROM alpine\nRUN apk add \\\n\n    gnupg \\\n\n    curl\n",
        );
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].start().line, 3);
        assert_eq!(f[1].start().line, 5);
        assert_fires(&RULE, "FROM alpine\nEXPOSE \\\n   \n80\n", &["   "]);
        assert_quiet(&RULE, "FROM alpine\nEXPOSE \\\n# Port\n80\n");
        assert_quiet(&RULE, "FROM alpine\n\nRUN a \\\n  b\n\n");
    }

    #[test]
    fn fix_deletes_the_line() {
        let src = "FROM alpine\nEXPOSE \\\n\n80\n";
        let f = lint(&RULE, src);
        let e = &f[0].fix.as_ref().unwrap().edits[0];
        let mut fixed = src.to_string();
        fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        assert_eq!(fixed, "FROM alpine\nEXPOSE \\\n80\n");
    }
}
