use crate::bake::model::{cache_type, csv_fields, output_type};
use crate::lint::rule::{BakeCx, BakeFinding};
use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5026",
    name: "unsupported-bake-output",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary:
        "A target's `output`, `cache-to` or `cache-from` type that `buildlint build` cannot serve.",
    doc: r#"## What it does
Checks each target's `output`, `cache-to` and `cache-from` entries against
what `buildlint build --bake` can serve through the Docker Engine's build
API (1.41), with either of the daemon's builders:

| entry | buildx (its docs: "Exporters", "Cache storage backends") | `buildlint build` |
|---|---|---|
| `output` `type=docker` | image loaded into the daemon | yes |
| `output` `type=docker,dest=FILE` | image written as a tarball | no |
| `output` `type=image` (`name=`, `push=true`) | image, optionally pushed | yes: kept in the daemon, pushed after the build |
| `output` `type=registry` | image pushed | yes: pushed after the build |
| `output` `type=cacheonly` | nothing kept | yes |
| `output` `type=local`, `type=tar`, `-`, a bare path | files on the client | no |
| `output` `type=oci` | an OCI layout tarball | no |
| `cache-to` `type=inline` | cache metadata in the image | yes (BuildKit; the classic builder writes none) |
| `cache-to` `type=registry`, `local`, `gha`, `s3`, `azblob` | a cache export | no: the daemon's BuildKit exports no cache |
| `cache-from` an image (`type=registry,ref=...`, a bare reference) | cache import | yes |
| `cache-from` `type=local`, `gha`, `s3`, `azblob` | cache import | no |

The exporters `docker buildx bake` offers beyond these need a BuildKit
builder of its own (buildx's `docker-container` driver), or the daemon's
BuildKit with a client that serves the files back over the build session.
buildx's `docker` driver makes the same refusals.

Only `buildlint build --bake` reports it: `buildlint check` does not know
whether buildx or buildlint builds the file. The target is not built.

## Why is this bad?
The build cannot deliver what the file asks for: the files, tarball or
cache export would be missing after a build that looked successful.

## Example
```hcl
target "app" {
  output   = ["type=local,dest=out"]
  cache-to = ["type=registry,ref=example/app:cache"]
}
```
```dockerfile
FROM scratch
```

Use instead:
```hcl
target "app" {
  tags     = ["example/app:1"]
  output   = ["type=registry"]
  cache-to = ["type=inline"]
}
```
```dockerfile
FROM scratch
```

## How to fix
Keep the image in the daemon (`type=docker`, `type=image`) or push it
(`type=registry`) and cache inline; or build this target with
`docker buildx bake` on a builder of its own (`docker buildx create`).
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

/// Why an `output` entry cannot be served, or None.
fn output_problem(spec: &str) -> Option<String> {
    let Some(kind) = output_type(spec) else {
        return Some("names no `type`".to_string());
    };
    let dest = csv_fields(spec).iter().any(|(k, _)| k == "dest");
    match kind.as_str() {
        "docker" if dest => Some("writes a tarball (`dest`), which the daemon's build API cannot return".into()),
        "docker" | "image" | "registry" | "cacheonly" => None,
        "local" | "tar" => Some(format!("`type={kind}` sends files back to the client, which the daemon's build API does not do for buildlint")),
        other => Some(format!("the daemon's build API has no `type={other}` exporter")),
    }
}

pub fn check(cx: &BakeCx<'_>, out: &mut Vec<BakeFinding>) {
    if !cx.build_in_view {
        return;
    }
    for v in cx.targets {
        let t = &v.target;
        let mut report = |key: &str, spec: &str, why: String| {
            out.push(BakeFinding {
                rule: &RULE,
                at: t.span_of(key),
                message: format!("target `{}`: `{key} = \"{spec}\"`: {why}", t.name),
                help: Some(match key {
                    "output" => "keep the image in the daemon (`type=docker`) or push it (`type=registry`); or build this target with `docker buildx bake`".to_string(),
                    "cache-to" => "use `type=inline` and push the image; the next build names it in `cache-from`".to_string(),
                    _ => "name an image pushed with inline cache (`cache-from = [\"example/app:1\"]`)".to_string(),
                }),
                target: Some(t.name.clone()),
            });
        };
        for spec in t.list("output") {
            if let Some(why) = output_problem(spec) {
                report("output", spec, why);
            }
        }
        for spec in t.list("cache-to") {
            let kind = cache_type(spec);
            if kind != "inline" {
                report(
                    "cache-to",
                    spec,
                    format!("the daemon's builders cannot export `type={kind}` cache (only `type=inline`)"),
                );
            }
        }
        for spec in t.list("cache-from") {
            let kind = cache_type(spec);
            if kind != "registry" {
                report(
                    "cache-from",
                    spec,
                    format!(
                        "the daemon's builders import cache from images only, not `type={kind}`"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_the_daemon_serves() {
        for ok in [
            "type=docker",
            "type=image,name=example/app:1,push=true",
            "type=registry",
            "type=cacheonly",
        ] {
            assert_eq!(output_problem(ok), None, "{ok}");
        }
        for bad in [
            "type=docker,dest=out.tar",
            "type=local,dest=out",
            "type=tar,dest=out.tar",
            "type=oci,dest=out.tar",
            "-",
            "out",
            "dest=out",
        ] {
            assert!(output_problem(bad).is_some(), "{bad}");
        }
    }
}
