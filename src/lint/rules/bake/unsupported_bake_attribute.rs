use crate::lint::rule::{BakeCx, BakeFinding};
use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5027",
    name: "unsupported-bake-attribute",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target attribute `buildlint build` cannot apply through the daemon's build API.",
    doc: r#"## What it does
Checks each target for attributes `buildlint build --bake` cannot apply
through the Docker Engine's build API (1.41):

| attribute | buildx | `buildlint build` |
|---|---|---|
| `no-cache-filter` | rebuilds the named stages only | no: the API rebuilds every stage (`no-cache = true`) or none |
| `resources` | BuildKit's memory and CPU limits of `RUN` steps | no: the API does not pass them to BuildKit |
| `policy` | checks the build's sources against a policy | no: a build through the API runs no policy |
| `attest`, `annotations`, `entitlements` | SBOM/provenance, OCI annotations, privileged steps | no: they need a BuildKit builder of its own |
| `call` other than `build` | a frontend method (`check`, `outline`, ...) | no |
| `platforms` with two or more entries | one multi-platform image | no: one platform per build |

Only `buildlint build --bake` reports it: `buildlint check` does not know
whether buildx or buildlint builds the file. The target is not built.

## Why is this bad?
Building without the attribute would give another image, or another
check, than `docker buildx bake` does, after a build that looked successful.

## Example
```hcl
target "app" {
  tags            = ["example/app:1"]
  no-cache-filter = ["deps"]
}
```
```dockerfile
FROM scratch
```

Use instead:
```hcl
target "app" {
  tags     = ["example/app:1"]
  no-cache = true
}
```
```dockerfile
FROM scratch
```

## How to fix
Drop the attribute (`no-cache = true` instead of `no-cache-filter`; one
platform at a time with `--set app.platform=...`), or build this target
with `docker buildx bake` on a builder of its own (`docker buildx create`).
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

/// Why `key` of a target cannot be applied, and what to do instead.
fn problem(t: &crate::bake::Target, key: &str) -> Option<(String, &'static str)> {
    let buildx = "build this target with `docker buildx bake`";
    match key {
        "no-cache-filter" if !t.list(key).is_empty() => Some((
            "the daemon's build API rebuilds every stage or none, not some".to_string(),
            "use `no-cache = true`, or build this target with `docker buildx bake`",
        )),
        "resources" if t.map(key).is_some_and(|m| !m.is_empty()) => Some((
            "the daemon's build API does not pass BuildKit's resource limits on".to_string(),
            buildx,
        )),
        "policy" if !t.list(key).is_empty() => Some((
            "a build through the daemon's API runs no source policy".to_string(),
            buildx,
        )),
        "attest" | "annotations" | "entitlements" if !t.list(key).is_empty() => Some((
            "it needs a BuildKit builder of its own (the daemon's image store keeps no attestations, annotations or entitlements)".to_string(),
            buildx,
        )),
        "call" => t.str(key).filter(|c| *c != "build").map(|c| {
            (
                format!("`call = \"{c}\"` runs a frontend method the daemon's build API does not offer"),
                buildx,
            )
        }),
        "platforms" if t.list(key).len() > 1 => Some((
            format!("{} platforms; the daemon builds one image per build", t.list(key).len()),
            "build one platform at a time (`--set TARGET.platform=...`), or with `docker buildx bake`",
        )),
        _ => None,
    }
}

const KEYS: &[&str] = &[
    "no-cache-filter",
    "resources",
    "policy",
    "attest",
    "annotations",
    "entitlements",
    "call",
    "platforms",
];

pub fn check(cx: &BakeCx<'_>, out: &mut Vec<BakeFinding>) {
    if !cx.build_in_view {
        return;
    }
    for v in cx.targets {
        let t = &v.target;
        for key in KEYS {
            if let Some((why, help)) = problem(t, key) {
                out.push(BakeFinding {
                    rule: &RULE,
                    at: t.span_of(key),
                    message: format!("target `{}`: `{key}`: {why}", t.name),
                    help: Some(help.to_string()),
                    target: Some(t.name.clone()),
                });
            }
        }
    }
}
