use crate::dockerfile::{Args, Instruction};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "BL1021",
    name: "invalid-definition-description",
    aliases: &["InvalidDefinitionDescription"],
    severity: Severity::Info,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A comment right above a named stage or an ARG is not `# <name> <description>`.",
    doc: r#"## What it does
Checks the comment directly above `FROM ... AS name` and `ARG name`: BuildKit
reads it as the stage's or argument's description (`docker buildx build
--call=outline`, `--call=targets`) when it starts with the name. A comment
separated by an empty line is not a description and is left alone.

This rule is off by default, as the check is experimental in BuildKit.

## Why is this bad?
A comment in that place that does not start with the name is shown nowhere,
and tools that list targets and build arguments show no description.

## Example
```dockerfile
# a non-descriptive comment
FROM scratch AS base

# another non-descriptive comment
ARG VERSION=1
```

Use instead:
```dockerfile
# a non-descriptive comment

FROM scratch AS base

# another non-descriptive comment

ARG VERSION=1
```

```dockerfile
# base is a stage for compiling source
FROM scratch AS base
# VERSION This is the version number.
ARG VERSION=1
```

## References
- BuildKit check `InvalidDefinitionDescription` (experimental)
"#,
    check: Check::Dockerfile(check),
};

/// The comment line directly above `inst` (no empty line between), if any.
fn description<'a>(
    cx: &'a DockerfileCx<'_>,
    inst: &Instruction,
) -> Option<&'a crate::dockerfile::Comment> {
    let line = cx.df.lines.line_of(inst.span.start);
    let above = line.checked_sub(1)?;
    let above_span: Span = cx.df.lines.line_span(&cx.df.source, above);
    cx.df
        .comments
        .iter()
        .find(|c| !c.in_continuation && above_span.contains(c.span))
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let (what, names): (&str, Vec<String>) = match &inst.args {
            Args::From(f) => match &f.alias {
                Some(a) => ("stage", vec![a.raw.to_lowercase()]),
                None => continue,
            },
            Args::Arg(decls) => (
                "argument",
                decls.iter().map(|d| d.name.raw.clone()).collect(),
            ),
            _ => continue,
        };
        let Some(comment) = description(cx, inst) else {
            continue;
        };
        // An empty `#` line ends a description block.
        if comment.text.is_empty() {
            continue;
        }
        let first = comment.text.split(' ').next().unwrap_or("");
        if names.iter().any(|n| n == first) {
            continue;
        }
        let example = if names.len() == 1 {
            names[0].as_str()
        } else {
            "<name>"
        };
        out.push(
            Diagnostic::new(
                comment.span,
                format!("a comment right above a {what} should describe it: `# {example} <description>`"),
            )
            .help(format!(
                "start the comment with `{example}`, or put an empty line between it and the instruction"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn checks_descriptions() {
        assert_fires(
            &RULE,
            "# a non-descriptive comment\nFROM scratch AS base\n\n# another one\nARG VERSION=1\n",
            &["# a non-descriptive comment", "# another one"],
        );
        assert_fires(
            &RULE,
            "# version of the app\nARG VERSION\n",
            &["# version of the app"],
        );
        assert_quiet(
            &RULE,
            "# base is a stage for compiling source\nFROM scratch AS base\n# VERSION This is the version number.\nARG VERSION=1\n",
        );
        assert_quiet(&RULE, "# unrelated\n\nFROM scratch AS base\n");
        assert_quiet(&RULE, "# any comment\nFROM scratch\n");
        assert_quiet(&RULE, "# A the first\nARG A B\n");
    }
}
