use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{expand, sub_span, VarTracker};

pub static RULE: Rule = Rule {
    code: "BL1108",
    name: "untrusted-registry",
    aliases: &["DL3026"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A base image comes from a registry outside `trusted-registries`.",
    doc: r#"## What it does
When `trusted-registries` is set, checks that every `FROM` image comes from one of them. An image
without a registry comes from Docker Hub, which is trusted when the list holds `docker.io` (or
`hub.docker.com`). Globs are allowed (`*.gcr.io`). `scratch` and earlier stages are always
allowed. Images whose name depends on an unknown variable are not checked.

Without the option, nothing is reported.

## Why is this bad?
A base image is code that runs in every container built from it. Organisations that mirror and
scan images want builds to pull only from the registries they control.

## Example
```toml
trusted-registries = ["registry.example.com", "*.gcr.io"]
```
```dockerfile
FROM docker.io/library/python:3.12
```

Use instead:
```toml
trusted-registries = ["registry.example.com", "*.gcr.io"]
```
```dockerfile
FROM registry.example.com/mirror/python:3.12
FROM eu.gcr.io/distroless/base
```

## Options
- `trusted-registries`: list of registry hosts (globs allowed).

## References
- hadolint DL3026
"#,
    check: Check::Dockerfile(check),
};

fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti] || p[pi] == '?') {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

const DOCKER_HUB: &[&str] = &[
    "docker.io",
    "hub.docker.com",
    "index.docker.io",
    "registry-1.docker.io",
];

/// The registry part of an image reference, if written (`ghcr.io/x` →
/// `ghcr.io`), and its byte length.
pub(crate) fn explicit_registry(image: &str) -> Option<&str> {
    let (first, _) = image.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
}

fn trusted(registry: &str, list: &[String]) -> bool {
    let hub = DOCKER_HUB.contains(&registry);
    list.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        glob(&pattern, &registry.to_ascii_lowercase())
            || (hub && DOCKER_HUB.contains(&pattern.as_str()))
    })
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let list = &cx.options.trusted_registries;
    if list.is_empty() {
        return;
    }
    let vars = VarTracker::new(cx);
    for (i, stage) in cx.df.stages.iter().enumerate() {
        let Args::From(from) = &cx.df.instructions[stage.from].args else {
            continue;
        };
        let Some(image) = expand(&from.image.raw, cx.df.escape, vars.globals()) else {
            continue;
        };
        if image.eq_ignore_ascii_case("scratch") || image.is_empty() {
            continue;
        }
        let is_stage = cx.df.stages[..i].iter().any(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(&image))
        });
        if is_stage {
            continue;
        }
        let (registry, span) = match explicit_registry(&image) {
            Some(r) => {
                let span = if from.image.raw.starts_with(r) {
                    sub_span(cx.df, &from.image, 0, r.len())
                } else {
                    from.image.span
                };
                (r.to_string(), span)
            }
            None => ("docker.io".to_string(), from.image.span),
        };
        if !trusted(&registry, list) {
            out.push(
                Diagnostic::new(
                    span,
                    format!("the base image comes from `{registry}`, which is not a trusted registry"),
                )
                .help(format!(
                    "pull the image from a trusted registry ({}), or add `{registry}` to `trusted-registries`",
                    list.join(", ")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{glob, RULE};
    use crate::lint::context_view::MemoryContext;
    use crate::lint::options::RuleOptions;
    use crate::lint::testing::{lint_with, underlined};

    fn fires(src: &str, trusted: &[&str]) -> Vec<String> {
        let options = RuleOptions {
            trusted_registries: trusted.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let found = lint_with(
            &RULE,
            src,
            &MemoryContext::new(),
            true,
            &options,
            Default::default(),
            None,
        );
        underlined(src, &found)
    }

    #[test]
    fn fires_on_untrusted_registries() {
        assert_eq!(
            fires("FROM ghcr.io/a/b:1\n", &["registry.example.com"]),
            ["ghcr.io"]
        );
        assert_eq!(
            fires("FROM python:3.12\n", &["registry.example.com"]),
            ["python:3.12"]
        );
        assert_eq!(
            fires("FROM localhost:5000/x\n", &["*.example.com"]),
            ["localhost:5000"]
        );
    }

    #[test]
    fn honours_globs_hub_aliases_and_args() {
        assert!(fires("FROM eu.gcr.io/x/y\n", &["*.gcr.io"]).is_empty());
        assert!(fires("FROM python:3.12\n", &["docker.io"]).is_empty());
        assert!(fires("FROM docker.io/library/python\n", &["hub.docker.com"]).is_empty());
        assert_eq!(
            fires("ARG REG=quay.io\nFROM ${REG}/x/y\n", &["docker.io"]),
            ["${REG}/x/y"]
        );
    }

    #[test]
    fn quiet_without_option_and_on_stages() {
        assert!(fires("FROM ghcr.io/a/b\n", &[]).is_empty());
        assert!(fires(
            "FROM registry.example.com/b AS base\nFROM base\nFROM scratch\n",
            &["registry.example.com"]
        )
        .is_empty());
        assert!(fires("FROM $UNKNOWN/b\n", &["registry.example.com"]).is_empty());
    }

    #[test]
    fn glob_matching() {
        assert!(glob("*.gcr.io", "eu.gcr.io"));
        assert!(!glob("*.gcr.io", "gcr.io.evil.com"));
        assert!(glob("docker.io", "docker.io"));
    }
}
