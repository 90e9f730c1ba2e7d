use crate::dockerfile::expand::{suggest, ExpandError, Expansion, Lexer};
use crate::dockerfile::{Args, Kind, Word};
use crate::lint::semantic::{word_span, Scope, NON_ENV_ARGS};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1013",
    name: "undefined-var",
    aliases: &["UndefinedVar"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A variable is used before anything defines it.",
    doc: r#"## What it does
Checks that every `$VAR` in ENV, ARG defaults, LABEL, COPY, ADD, WORKDIR,
USER, VOLUME, STOPSIGNAL and `RUN --mount` is defined at that point: by an
`ENV` or `ARG` earlier in the stage (or in the stage it is built on), or by
the base image. Misspelt names get a "did you mean".

The base image's variables come from its configuration. With
`inspect-images` on, an image the local Docker daemon already has is read
from it (nothing is pulled): its `ENV` and `ONBUILD` triggers are then known
exactly, and a misspelt name is reported. Otherwise the official images are
known from a table (`FROM python` defines `PYTHON_VERSION`), and for any
other image the names it may define (upper-case names such as `APP_HOME`)
are not reported.
The shell form of RUN, CMD and ENTRYPOINT is left alone: the shell expands
those variables when the container runs. A reference with a default or an
alternative (`${X:-default}`, `${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}`) says
what happens when the variable is unset, and is not reported either (BuildKit
reports it).

## Why is this bad?
An undefined variable expands to nothing, silently: `ENV PATH=$PAHT:/app/bin`
throws the whole PATH away.

## Example
```dockerfile
FROM alpine AS base
COPY $foo .
```

```dockerfile
FROM alpine AS base
ARG VERSION=$foo
```

```dockerfile
FROM alpine
ENV PATH=$PAHT:/app/bin
```

Use instead:
```dockerfile
FROM alpine AS base
ARG foo
COPY $foo .
```

```dockerfile
FROM python AS base
ARG VERSION=$PYTHON_VERSION
```

## Options
- `inspect-images` (`--inspect-images` on the command line): read base
  images from the local Docker daemon (`DOCKER_HOST` or the docker context).
  When the daemon cannot be reached, `check` says so once and uses the table.

## References
- BuildKit check `UndefinedVar`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let lexer = Lexer::new(cx.df.escape);
    let raw_lexer = Lexer {
        skip_process_quotes: true,
        ..Lexer::new('\\')
    };
    bk::walk(cx, |inst, scope| {
        let mut words: Vec<&Word> = Vec::new();
        match (&inst.kind, &inst.args) {
            (Kind::Env, Args::Env(pairs)) | (Kind::Label, Args::Label(pairs)) => {
                for kv in pairs {
                    words.push(&kv.key);
                    words.push(&kv.value);
                }
            }
            (Kind::Copy | Kind::Add, Args::Copy(c) | Args::Add(c)) => {
                for name in ["chown", "chmod", "checksum"] {
                    if let Some(w) = inst.flag(name).and_then(|f| f.value.as_ref()) {
                        words.push(w);
                    }
                }
                if !c.exec_form {
                    words.extend(c.sources.iter());
                    words.extend(c.dest.iter());
                }
                for h in &inst.heredocs {
                    if h.expand {
                        if let Some(e) = expansion(raw_lexer.process(&h.content, scope)) {
                            let map = |r: std::ops::Range<usize>| {
                                if h.content.len() == h.body_span.len() as usize {
                                    Span::new(
                                        h.body_span.start + r.start as u32,
                                        h.body_span.start + r.end as u32,
                                    )
                                } else {
                                    h.body_span
                                }
                            };
                            report(cx, &e, scope, out, map);
                        }
                    }
                }
            }
            (_, Args::Workdir(w) | Args::User(w) | Args::Stopsignal(w)) => words.push(w),
            (
                _,
                Args::Volume {
                    exec_form: false,
                    paths,
                },
            ) => words.extend(paths.iter()),
            (Kind::Run, _) => {
                words.extend(inst.flags_named("mount").filter_map(|f| f.value.as_ref()));
            }
            (Kind::Arg, Args::Arg(decls)) => {
                // Each default sees the ARGs declared before it, in this
                // instruction too. Defaults of global ARGs are not checked.
                if inst.stage.is_none() {
                    return;
                }
                // A copy of the scope only when a later declaration can see
                // an earlier one (a copy per ARG is quadratic in names).
                let mut own: Option<Scope> = None;
                for (i, decl) in decls.iter().enumerate() {
                    let current = own.as_ref().unwrap_or(scope);
                    if let Some(default) = &decl.default {
                        if !cx.semantic.build_args.contains_key(&decl.name.raw) {
                            if let Some(e) = expansion(lexer.process(&default.raw, current)) {
                                report(cx, &e, current, out, |r| word_span(inst, default, r));
                            }
                        }
                    }
                    if i + 1 < decls.len() {
                        let next = own.get_or_insert_with(|| scope.clone());
                        cx.semantic.apply_arg(next, decl, &lexer);
                    }
                }
                return;
            }
            _ => {}
        }
        for w in words {
            if let Some(e) = expansion(lexer.process(&w.raw, scope)) {
                report(cx, &e, scope, out, |r| word_span(inst, w, r));
            }
        }
    });
}

/// The references of an expansion, also of one that failed (BuildKit reports
/// undefined variables before the error).
fn expansion(result: Result<Expansion, ExpandError>) -> Option<Expansion> {
    match result {
        Ok(e) => Some(e),
        Err(err) => Some(Expansion {
            refs: err.refs,
            ..Expansion::default()
        }),
    }
}

fn report(
    _cx: &DockerfileCx<'_>,
    e: &Expansion,
    scope: &Scope,
    out: &mut Diagnostics,
    span_of: impl Fn(std::ops::Range<usize>) -> Span,
) {
    // The `${X:+...}` alternatives by name, gathered once: comparing every
    // reference with every other is quadratic in a word's references.
    let mut alternatives: std::collections::HashMap<&str, Vec<&std::ops::Range<usize>>> =
        std::collections::HashMap::new();
    for o in &e.refs {
        if matches!(o.modifier.as_deref(), Some(":+" | "+")) {
            alternatives
                .entry(o.name.as_str())
                .or_default()
                .push(&o.range);
        }
    }
    for r in &e.refs {
        if r.defined || scope.is_defined(&r.name) || NON_ENV_ARGS.contains(&r.name.as_str()) {
            continue;
        }
        // `${X:-default}` and `${X:+alt}` handle an unset X; inside the
        // alternative of `${X:+...$X...}`, X is set.
        let guarded = r.handles_unset()
            || alternatives.get(r.name.as_str()).is_some_and(|ranges| {
                ranges
                    .iter()
                    .any(|o| o.start < r.range.start && r.range.end <= o.end)
            });
        if guarded {
            continue;
        }
        let mut message = format!("`${}` is not defined", r.name);
        let help = match suggest(&r.name, scope.names(), true) {
            Some(s) => {
                message.push_str(&format!(" (did you mean `${s}`?)"));
                format!("write `${s}`, or define `{}` before this instruction", r.name)
            }
            None => format!(
                "define it before this instruction: `ARG {0}` (set with --build-arg) or `ENV {0}=<value>`",
                r.name
            ),
        };
        out.push(Diagnostic::new(span_of(r.range.clone()), message).help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_undefined_variables() {
        assert_fires(&RULE, "FROM alpine AS base\nCOPY $foo .\n", &["$foo"]);
        assert_fires(&RULE, "FROM alpine AS base\nARG VERSION=$foo\n", &["$foo"]);
        assert_fires(&RULE, "FROM alpine\nENV PATH=$PAHT:/app/bin\n", &["$PAHT"]);
        assert_fires(
            &RULE,
            "FROM alpine\nWORKDIR /srv/${app_dir}\nUSER $user\n",
            &["${app_dir}", "$user"],
        );
        assert_fires(
            &RULE,
            "FROM alpine\nLABEL version=$version\n",
            &["$version"],
        );
        // A global ARG is not in scope until the stage declares it.
        assert_fires(&RULE, "ARG TAG=1\nFROM alpine\nENV V=$TAG\n", &["$TAG"]);
        // Nor are the automatic platform arguments.
        assert_fires(
            &RULE,
            "FROM alpine\nCOPY bin/$TARGETARCH /bin/app\n",
            &["$TARGETARCH"],
        );
    }

    #[test]
    fn defined_variables_are_quiet() {
        assert_quiet(&RULE, "FROM alpine AS base\nARG foo\nCOPY $foo .\n");
        assert_quiet(&RULE, "FROM python AS base\nARG VERSION=$PYTHON_VERSION\n");
        assert_quiet(&RULE, "FROM alpine\nENV A=1\nENV B=$A\n");
        assert_quiet(&RULE, "FROM alpine\nARG A=1 B=$A\n");
        assert_quiet(&RULE, "ARG TAG=1\nFROM alpine\nARG TAG\nENV V=$TAG\n");
        assert_quiet(&RULE, "FROM alpine AS a\nENV X=1\nFROM a\nCOPY $X /x\n");
        assert_quiet(&RULE, "FROM alpine\nRUN echo $UNDEFINED\n");
        assert_quiet(&RULE, "FROM alpine\nCMD echo $UNDEFINED\n");
        assert_quiet(&RULE, "FROM alpine\nCOPY '$literal' /x\n");
        assert_quiet(&RULE, "FROM alpine\nENV PATH=$PATH:/app\n");
    }

    #[test]
    fn unknown_base_images_may_define_conventional_names() {
        assert_quiet(&RULE, "FROM mycorp/base:1\nENV PATH=$APP_HOME/bin:$PATH\n");
        assert_fires(&RULE, "FROM mycorp/base:1\nCOPY $foo /x\n", &["$foo"]);
        assert_quiet(&RULE, "ARG IMG\nFROM $IMG\nWORKDIR $JAVA_HOME\n");
    }

    #[test]
    fn defaults_and_alternatives_handle_unset() {
        assert_quiet(&RULE, "FROM alpine\nENV A=${unset_a:-x}\n");
        assert_quiet(
            &RULE,
            "FROM alpine\nENV LD_LIBRARY_PATH=/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n",
        );
        assert_fires(
            &RULE,
            "FROM alpine\nENV A=${x_var:?required}\n",
            &["${x_var:?required}"],
        );
        assert_fires(&RULE, "FROM alpine\nENV A=${a_var:-$b_var}\n", &["$b_var"]);
        assert_fires(
            &RULE,
            "FROM alpine\nENV A=${a_var%%.*}\n",
            &["${a_var%%.*}"],
        );
    }

    #[test]
    fn same_env_instruction_does_not_see_its_own_keys() {
        assert_fires(&RULE, "FROM alpine\nENV A=1 B=$A\n", &["$A"]);
    }

    #[test]
    fn suggests_near_names() {
        let f = lint(&RULE, "FROM alpine\nENV PATH=$PAHT:/app/bin\n");
        assert!(
            f[0].message.contains("did you mean `$PATH`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn mounts_and_heredocs() {
        assert_fires(
            &RULE,
            "FROM alpine\nRUN --mount=type=cache,target=$cache_dir make\n",
            &["$cache_dir"],
        );
        assert_fires(
            &RULE,
            "FROM alpine\nCOPY <<EOF /etc/conf\nhome=$home_dir\nEOF\n",
            &["$home_dir"],
        );
        assert_quiet(
            &RULE,
            "FROM alpine\nCOPY <<'EOF' /etc/conf\nhome=$home_dir\nEOF\n",
        );
    }

    #[test]
    fn only_needed_stages_with_a_target() {
        let src = "FROM alpine AS a\nCOPY $foo /x\nFROM alpine AS b\nCOPY $bar /y\n";
        let ctx = crate::lint::context_view::MemoryContext::new();
        let f = crate::lint::testing::lint_with(
            &RULE,
            src,
            &ctx,
            true,
            &Default::default(),
            Default::default(),
            Some("b"),
        );
        assert_eq!(crate::lint::testing::underlined(src, &f), vec!["$bar"]);
    }
}
