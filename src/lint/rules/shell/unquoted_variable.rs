use std::collections::HashMap;

use crate::lint::shell::facts::Event;
use crate::lint::shell::{views, VarKind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL2040",
    name: "unquoted-variable",
    aliases: &["SC2086"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An unquoted variable is split into words and globbed.",
    doc: r#"## What it does
Checks RUN scripts for `$var` and `${var}` outside double quotes where the
shell splits the value into words and expands globs: command arguments,
redirection targets, `[ ]` tests, `export` values.

A variable is not reported when its value is known to be one word: set
earlier in the script to a constant without blanks or glob characters, a
number, a `for` loop over such constants, or an `ENV` constant; `$!`, `$$`,
`$?` and `$#` (numbers) assigned to a variable; and BuildKit's platform
arguments (`$TARGETARCH`, `$TARGETOS`, `$TARGETPLATFORM`, `$BUILDPLATFORM`...),
which hold a platform and never a blank. Any other `ARG` is reported: a build
can pass any value (hadolint declares every ARG and ENV as `=1` before
checking, which hides these, hadolint#984).

## Why is this bad?
A value with a space becomes two arguments, and a `*` expands to file
names: `rm -rf $DIR/tmp` with `DIR="/opt app"` removes `/opt`.

## Example
```dockerfile
FROM debian:12
ARG PREFIX=/usr/local
RUN mkdir -p $PREFIX/lib
```

Use instead:
```dockerfile
FROM debian:12
ARG PREFIX=/usr/local
RUN mkdir -p "$PREFIX/lib"
```

## How to fix
Double-quote the expansion: `"$var"`.

## References
- ShellCheck SC2086
"#,
    check: Check::Dockerfile(check),
};

/// BuildKit sets these from the platform (`linux/arm64/v8`, `arm64`...):
/// they cannot hold a blank or a glob character.
const PLATFORM_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        // Variables assigned so far in the script: one word or not.
        let mut assigned: HashMap<&str, bool> = HashMap::new();
        for event in &script.facts().events {
            match event {
                Event::Assign { name, one_word } => {
                    assigned.insert(name, *one_word);
                }
                Event::SplitVariable { name, range } => {
                    let one_word = match assigned.get(name.as_str()) {
                        Some(one) => *one,
                        None => {
                            PLATFORM_ARGS.contains(&name.as_str())
                                || script
                                    .vars
                                    .get(name)
                                    .is_some_and(|v| v.kind == VarKind::Env && v.single_word)
                        }
                    };
                    if one_word {
                        continue;
                    }
                    let origin = match script.vars.get(name) {
                        Some(v)
                            if v.kind == VarKind::Arg && !assigned.contains_key(name.as_str()) =>
                        {
                            " (a build argument: any value can be passed)"
                        }
                        _ => "",
                    };
                    let raw = script
                        .text()
                        .get(range.start as usize..range.end as usize)
                        .unwrap_or("");
                    out.push(
                        Diagnostic::new(
                            script.span(range.clone()),
                            format!("`{raw}` is split into words and globbed{origin}"),
                        )
                        .help(format!("double-quote it: `\"{raw}\"`")),
                    );
                }
                Event::SplitSubstitution { .. } => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unquoted_expansions() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nARG PREFIX=/usr/local\nRUN mkdir -p $PREFIX/lib\n",
            &["$PREFIX"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN v=$(nproc); make -j$v > ${LOG}\n",
            &["$v", "${LOG}"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN [ $x = y ] && export A=$B\n",
            &["$x", "$B"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nENV D=\"a b\"\nRUN ls $D $HOME\n",
            &["$D", "$HOME"],
        );
    }

    #[test]
    fn quiet_when_quoted_or_one_word() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN echo \"$x\" \"${y}/z\"; a=$b; [[ $c = d ]]\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN n=$((1+2)); a=1; for i in 1 2; do echo $i $n $a; done\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN echo ${#x} $? $# ${x:+-v} && for f in $LIST; do :; done\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nENV DIR=/opt/app\nRUN cd $DIR\n");
    }

    #[test]
    fn quiet_on_platform_arguments_and_process_ids() {
        assert_run_quiet(
            &RULE,
            "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH TARGETVARIANT\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app-$TARGETARCH . && echo ${TARGETVARIANT}\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN dockerd & pid=$!; sleep 1; kill $pid; wait \"$pid\"\n",
        );
        // Another build argument still can hold anything.
        assert_run_fires(
            &RULE,
            "FROM debian:12\nARG TARGETARCH ARCH_SUFFIX\nRUN echo $TARGETARCH $ARCH_SUFFIX\n",
            &["$ARCH_SUFFIX"],
        );
    }
}
