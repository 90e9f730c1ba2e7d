use crate::dockerfile::expand::{suggest, Expansion};
use crate::dockerfile::{Instruction, Word};
use crate::lint::semantic::word_span;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1011",
    name: "undefined-arg-in-from",
    aliases: &["UndefinedArgInFrom"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "FROM uses a variable no global ARG declares.",
    doc: r#"## What it does
Checks that every variable in a `FROM` image or `--platform` is declared by
an `ARG` before the first `FROM`, or is one of BuildKit's automatic platform
arguments (`BUILDPLATFORM`, `TARGETARCH`, ...). A misspelt name gets a "did you
mean".

## Why is this bad?
`FROM` only sees global ARGs. An undeclared variable expands to nothing,
so `FROM node:22${VARIANT}` silently becomes `FROM node:22`.

## Example
```dockerfile
FROM node:22${VARIANT} AS jsbuilder
```

Use instead:
```dockerfile
ARG VARIANT="-alpine3.20"
FROM node:22${VARIANT} AS jsbuilder
```

## References
- BuildKit check `UndefinedArgInFrom`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let options: Vec<&str> = cx.semantic.global_env.keys().map(String::as_str).collect();
    for (i, inst, from) in bk::froms(cx) {
        let Some(stage) = cx.semantic.stages.get(i) else {
            continue;
        };
        if let Ok(e) = &stage.base_name {
            report(inst, &from.image, e, &options, out);
        }
        if let (Some(Ok(e)), Some(w)) = (
            &stage.platform,
            inst.flag("platform").and_then(|f| f.value.as_ref()),
        ) {
            report(inst, w, e, &options, out);
        }
    }
}

fn report(inst: &Instruction, word: &Word, e: &Expansion, options: &[&str], out: &mut Diagnostics) {
    for r in e.refs.iter().filter(|r| !r.defined) {
        let mut message = format!("`{}` is not declared by a global ARG", r.name);
        let help = match suggest(&r.name, options.iter().copied(), true) {
            Some(s) => {
                message.push_str(&format!(" (did you mean `{s}`?)"));
                format!(
                    "write `{s}`, or declare `ARG {}` before the first FROM",
                    r.name
                )
            }
            None => format!("declare it before the first FROM: `ARG {}=<value>`", r.name),
        };
        out.push(Diagnostic::new(word_span(inst, word, r.range.clone()), message).help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_undeclared_variables() {
        assert_fires(
            &RULE,
            "FROM node:22${VARIANT} AS jsbuilder\n",
            &["${VARIANT}"],
        );
        assert_fires(
            &RULE,
            "ARG ALPINE_VERSION=3.20\nFROM alpine:$ALPINE_VERSOIN\n",
            &["$ALPINE_VERSOIN"],
        );
        assert_fires(&RULE, "FROM --platform=$PLATFORM alpine\n", &["$PLATFORM"]);
        assert_quiet(&RULE, "ARG VARIANT=-alpine\nFROM node:22${VARIANT}\n");
        assert_quiet(&RULE, "ARG VARIANT\nFROM node:22${VARIANT}\n");
        assert_quiet(
            &RULE,
            "FROM --platform=$BUILDPLATFORM golang AS build\nFROM build_${TARGETARCH}\n",
        );
    }

    #[test]
    fn suggests_a_close_name() {
        let f = lint(
            &RULE,
            "ARG ALPINE_VERSION=3.20\nFROM alpine:$ALPINE_VERSOIN\n",
        );
        assert!(
            f[0].message.contains("did you mean `ALPINE_VERSION`"),
            "{}",
            f[0].message
        );
    }
}
