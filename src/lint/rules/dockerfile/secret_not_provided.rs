use crate::dockerfile::expand::Lexer;
use crate::dockerfile::Kind;
use crate::lint::options::BuildInputs;
use crate::lint::semantic::{expand_word, mount_options};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;
use super::dl_helpers::{has_variable, mount_fields};

pub static RULE: Rule = Rule {
    code: "BL1135",
    name: "secret-not-provided",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A secret or ssh mount whose ID the build does not provide.",
    doc: r#"## What it does
Checks, when `buildlint build` builds the image, every `RUN --mount=type=secret` and
`RUN --mount=type=ssh` of the stages the target needs against the IDs the build passes: `--secret
id=...`, `--ssh ID`, or the service's `build.secrets` and `build.ssh` in a compose file. As
BuildKit does, a secret mount without `id` is named by the last part of its `target`, and an ssh
mount without one is `default`. ARG and ENV values in a mount are expanded as BuildKit expands
them; a mount that depends on a value known only at build time is left alone.

A mount marked `required` (`required`, `required=true`) is reported as an error, any other as a
warning. `buildlint check` knows nothing of a build's inputs and does not report this rule.

## Why is this bad?
BuildKit leaves a mount whose secret or agent is missing empty, so the command runs without its
credentials (and usually fails in a less obvious way), or, for a `required` mount, fails the step
after everything before it was built.

## Example
Built with `--secret id=npm,src=$HOME/.npmrc --ssh default`:
```dockerfile
FROM node:22
RUN --mount=type=secret,id=npmrc,required=true npm ci
```

```dockerfile
FROM alpine:3.20
RUN --mount=type=ssh,id=github git clone git@github.com:example/app.git
```

Use instead:
```dockerfile
FROM node:22
RUN --mount=type=secret,id=npm,required=true npm ci
RUN --mount=type=ssh git clone git@github.com:example/app.git
```

## References
- BuildKit's `secretsprovider` and `sshprovider`: a missing ID is `secret ... not found`
- `docker buildx build --secret`, `--ssh`; compose `build.secrets`, `build.ssh`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let Some(build) = &cx.options.build else {
        return;
    };
    let lexer = Lexer::new(cx.df.escape);
    bk::walk(cx, |inst, scope| {
        if inst.kind != Kind::Run {
            return;
        }
        for flag in inst.flags_named("mount") {
            let Some(value) = &flag.value else { continue };
            // BuildKit expands ARG and ENV in a mount; a value that depends
            // on one the linter cannot know is left alone.
            let fields = if has_variable(&value.raw, cx.df.escape) {
                match expand_word(&lexer, value, scope) {
                    Ok(e) if !e.uncertain => mount_options(&e.value),
                    _ => continue,
                }
            } else {
                mount_fields(&value.raw)
                    .into_iter()
                    .map(|(k, v, _)| (k, v))
                    .collect()
            };
            if let Some(d) = unprovided(&fields, build) {
                out.push(d.at(value.span));
            }
        }
    });
}

/// What is missing for one mount's fields, if anything.
struct Missing {
    message: String,
    help: String,
    severity: Severity,
}

impl Missing {
    fn at(self, span: crate::span::Span) -> Diagnostic {
        Diagnostic::new(span, self.message)
            .severity(self.severity)
            .help(self.help)
    }
}

fn unprovided(fields: &[(String, String)], build: &BuildInputs) -> Option<Missing> {
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let kind = get("type").unwrap_or("bind").to_ascii_lowercase();
    if kind != "secret" && kind != "ssh" {
        return None;
    }
    // `required` alone, or with a value Go's ParseBool reads as true.
    let required = matches!(
        get("required"),
        Some("" | "true" | "1" | "t" | "T" | "TRUE" | "True")
    );
    // BuildKit: a secret without `id` is named by its target's last part;
    // an ssh mount without one is `default`.
    let target = get("target").or(get("dst")).or(get("destination"));
    let id = match (kind.as_str(), get("id")) {
        (_, Some(id)) if !id.is_empty() => id.to_string(),
        ("ssh", _) => "default".to_string(),
        _ => target
            .and_then(|t| t.trim_end_matches('/').rsplit('/').next())
            .unwrap_or("")
            .to_string(),
    };
    let (provided, what, help) = if kind == "secret" {
        (
            &build.secret_ids,
            format!("the secret `{id}`"),
            format!("pass it with `--secret id={id},src=FILE` (or `env=VARIABLE`), or list it in the service's `build.secrets`"),
        )
    } else {
        (
            &build.ssh_ids,
            format!("the ssh agent `{id}`"),
            format!("pass an agent with `--ssh {id}` (`{id}=SOCKET`), or list it in the service's `build.ssh`"),
        )
    };
    if provided.contains(&id) {
        return None;
    }
    Some(if required {
        Missing {
            message: format!("{what} is required, and this build does not provide it"),
            help,
            severity: Severity::Error,
        }
    } else {
        Missing {
            message: format!("{what} is not provided: the mount will be empty"),
            help,
            severity: Severity::Warning,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::RULE;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::options::{BuildInputs, RuleOptions};
    use crate::lint::testing::{lint_with, underlined};
    use crate::lint::Severity;

    fn run(
        src: &str,
        build: Option<(&[&str], &[&str])>,
        target: Option<&str>,
    ) -> Vec<(String, Severity, String)> {
        let options = RuleOptions {
            build: build.map(|(secrets, ssh)| BuildInputs {
                secret_ids: secrets.iter().map(|s| s.to_string()).collect(),
                ssh_ids: ssh.iter().map(|s| s.to_string()).collect(),
            }),
            ..Default::default()
        };
        let found = lint_with(
            &RULE,
            src,
            &MemoryContext::new(),
            true,
            &options,
            BTreeMap::new(),
            target,
        );
        underlined(src, &found)
            .into_iter()
            .zip(&found)
            .map(|(u, f)| (u, f.severity, f.message.clone()))
            .collect()
    }

    #[test]
    fn a_missing_required_secret_is_an_error_at_its_mount() {
        let src = "FROM a\nRUN --mount=type=secret,id=npm,required=true npm ci\nRUN --mount=type=ssh git clone x\n";
        let found = run(src, Some((&[], &[])), None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "type=secret,id=npm,required=true");
        assert_eq!(found[0].1, Severity::Error);
        assert!(found[0].2.contains("the secret `npm` is required"));
        assert_eq!(found[1].0, "type=ssh");
        assert_eq!(found[1].1, Severity::Warning);
        assert!(found[1]
            .2
            .contains("the ssh agent `default` is not provided"));
    }

    #[test]
    fn provided_ids_pass_and_a_target_names_a_secret_without_id() {
        let src = "FROM a\nRUN --mount=type=secret,id=given,required=true cat /run/secrets/given\n\
                   RUN --mount=type=secret,target=/run/secrets/given,required cat /run/secrets/given\n\
                   RUN --mount=type=ssh,id=git,required git clone x\n\
                   RUN --mount=type=bind,target=/x --mount=type=cache,target=/c true\n";
        assert_eq!(run(src, Some((&["given"], &["git"])), None), vec![]);
        let found = run(src, Some((&["other"], &[])), None);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().all(|f| f.1 == Severity::Error));
        assert!(found[1].2.contains("`given`"), "{found:?}");
        assert!(found[2].2.contains("ssh agent `git`"), "{found:?}");
    }

    #[test]
    fn without_a_build_in_view_nothing_is_reported() {
        let src = "FROM a\nRUN --mount=type=secret,id=npm,required=true npm ci\n";
        assert_eq!(run(src, None, None), vec![]);
    }

    #[test]
    fn ids_from_args_are_expanded_and_unknown_ones_left_alone() {
        let src = "FROM a\nARG KEY=npm\nARG LATER\n\
                   RUN --mount=type=secret,id=$KEY,required npm ci\n\
                   RUN --mount=type=secret,id=$LATER,required npm ci\n";
        assert_eq!(run(src, Some((&["npm"], &[])), None), vec![]);
        let found = run(src, Some((&[], &[])), None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].2.contains("the secret `npm`"), "{found:?}");
    }

    #[test]
    fn stages_the_target_does_not_need_are_left_alone() {
        let src = "FROM a AS tools\nRUN --mount=type=secret,id=npm,required npm ci\n\
                   FROM a AS app\nRUN true\n";
        assert_eq!(run(src, Some((&[], &[])), Some("app")), vec![]);
        assert_eq!(run(src, Some((&[], &[])), Some("tools")).len(), 1);
    }
}
