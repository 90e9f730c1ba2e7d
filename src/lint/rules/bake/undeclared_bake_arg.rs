use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5023",
    name: "undeclared-bake-arg",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target passes a build arg that no stage of its Dockerfile declares.",
    doc: r#"## What it does
Checks each key of a target's `args` against the `ARG` instructions of its Dockerfile (any stage, or before the first FROM). BuildKit's predefined args (proxies, `BUILDKIT_*`, `SOURCE_DATE_EPOCH`, the platform args) are always accepted.

## Why is this bad?
The value is silently unused, usually because of a typo or a renamed `ARG`; the image is built with the Dockerfile's default instead.

## Example
```hcl
target "app" {
  args = { VERSON = "1.2" }
}
```
```dockerfile
FROM scratch
ARG VERSION=1.0
LABEL version=$VERSION
```

Use instead:
```hcl
target "app" {
  args = { VERSION = "1.2" }
}
```
```dockerfile
FROM scratch
ARG VERSION=1.0
LABEL version=$VERSION
```

## How to fix
Fix the arg's name, or declare it with `ARG`.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

/// Args BuildKit defines without an `ARG` (proxies, platform args, its own
/// settings).
fn predefined(name: &str) -> bool {
    const PROXIES: [&str; 5] = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "FTP_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    ];
    PROXIES.iter().any(|p| p.eq_ignore_ascii_case(name))
        || name.starts_with("BUILDKIT_")
        || name == "SOURCE_DATE_EPOCH"
        || [
            "TARGETPLATFORM",
            "TARGETOS",
            "TARGETARCH",
            "TARGETVARIANT",
            "BUILDPLATFORM",
            "BUILDOS",
            "BUILDARCH",
            "BUILDVARIANT",
        ]
        .contains(&name)
}

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    use crate::dockerfile::ir::Args;
    for v in cx.targets {
        let (Some(args), Some(Ok(df))) = (v.target.map("args"), &v.parsed) else {
            continue;
        };
        let declared: Vec<&str> = df
            .instructions
            .iter()
            .filter_map(|i| match &i.args {
                Args::Arg(decls) => Some(decls),
                _ => None,
            })
            .flatten()
            .map(|d| d.name.raw.as_str())
            .collect();
        for name in args.keys() {
            if declared.contains(&name.as_str()) || predefined(name) {
                continue;
            }
            let near = declared
                .iter()
                .find(|d| strsim::jaro_winkler(d, name) > 0.9)
                .map(|d| format!("did you mean `{d}`?"));
            out.push(crate::lint::rule::BakeFinding {
                rule: &RULE,
                at: v.target.span_of("args"),
                message: format!(
                    "target `{}` passes arg `{name}`, which no stage of its Dockerfile declares",
                    v.target.name
                ),
                help: near.or_else(|| Some(format!("declare it with `ARG {name}`, or remove it"))),
                target: Some(v.target.name.clone()),
            });
        }
    }
}
