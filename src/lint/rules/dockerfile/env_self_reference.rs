use std::collections::HashSet;

use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{literal, sub_span};

pub static RULE: Rule = Rule {
    code: "BL1111",
    name: "env-self-reference",
    aliases: &["DL3044"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An ENV value uses a variable the same ENV instruction defines.",
    doc: r#"## What it does
Checks `ENV a=1 b=$a`: a value that refers to a variable defined by another pair of the same
`ENV` instruction, when no earlier `ARG` or `ENV` defines it.

## Why is this bad?
All values of one `ENV` are expanded before any of its variables is set, so `$a` is empty (or
its older value), not `1`. The image gets a different environment than the line suggests.

## Example
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/opt/app PATH=$APP_HOME/bin:$PATH
```

Use instead:
```dockerfile
FROM alpine:3.20
ENV APP_HOME=/opt/app
ENV PATH=$APP_HOME/bin:$PATH
```

## How to fix
Split the instruction: define the variable in one `ENV`, use it in the next.

## References
- hadolint DL3044
"#,
    check: Check::Dockerfile(check),
};

/// Variable references in a raw word: name and byte range of the reference.
pub(crate) fn references(raw: &str, escape: char) -> Vec<(String, usize, usize)> {
    let b = raw.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    let mut in_single = false;
    while i < b.len() {
        let c = b[i] as char;
        if c == escape && !in_single {
            i += 2;
            continue;
        }
        if c == '\'' {
            in_single = !in_single;
        } else if c == '$' && !in_single {
            let start = i;
            if b.get(i + 1) == Some(&b'{') {
                let name_start = i + 2;
                let mut j = name_start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let end = raw[j..].find('}').map_or(j, |k| j + k + 1);
                if j > name_start {
                    refs.push((raw[name_start..j].to_string(), start, end));
                }
                i = end.max(i + 1);
                continue;
            }
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > i + 1 && !b[i + 1].is_ascii_digit() {
                refs.push((raw[i + 1..j].to_string(), start, j));
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    refs
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut defined: HashSet<String> = HashSet::new();
    for inst in &cx.df.instructions {
        match &inst.args {
            Args::Arg(decls) => {
                for d in decls {
                    defined.insert(d.name.raw.clone());
                }
            }
            Args::Env(pairs) => {
                let keys: Vec<String> = pairs
                    .iter()
                    .map(|p| literal(&p.key.raw, cx.df.escape).unwrap_or_else(|| p.key.raw.clone()))
                    .collect();
                for (idx, pair) in pairs.iter().enumerate() {
                    for (name, start, end) in references(&pair.value.raw, cx.df.escape) {
                        let same_env = keys
                            .iter()
                            .enumerate()
                            .any(|(k, key)| k != idx && *key == name);
                        if same_env && !defined.contains(&name) {
                            out.push(
                                Diagnostic::new(
                                    sub_span(cx.df, &pair.value, start, end),
                                    format!("`{name}` is defined by this same ENV instruction, so it is not set yet here"),
                                )
                                .help(format!("define `{name}` in an ENV of its own before this one")),
                            );
                        }
                    }
                }
                defined.extend(keys);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_same_instruction_references() {
        assert_fires(&RULE, "FROM a\nENV A=1 B=$A\n", &["$A"]);
        assert_fires(&RULE, "FROM a\nENV A=/x PATH=${A}/bin:$PATH\n", &["${A}"]);
        assert_fires(&RULE, "FROM a\nENV B=\"$A/x\" A=1\n", &["$A"]);
    }

    #[test]
    fn quiet_when_defined_before() {
        assert_quiet(&RULE, "FROM a\nENV A=1\nENV B=$A\n");
        assert_quiet(&RULE, "FROM a\nARG A\nENV A=$A B=$A\n");
        assert_quiet(&RULE, "FROM a\nENV A=1 B=$AB\n");
    }

    #[test]
    fn quiet_on_own_name_and_escapes() {
        assert_quiet(&RULE, "FROM a\nENV PATH=/x:$PATH\n");
        assert_quiet(&RULE, "FROM a\nENV A=1 B='$A' C=\\$A\n");
    }
}
