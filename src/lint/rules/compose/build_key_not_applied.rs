use crate::compose::model::{Service, Sp};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4053",
    name: "build-key-not-applied",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service's `build:` key that `buildlint build` cannot apply.",
    doc: r#"## What it does
Reports the keys of a service's `build:` section that `buildlint build`
cannot apply through the daemon's own builders, so that none is dropped
without a word:

- `entitlements`, `privileged`: BuildKit grants `network.host` and
  `security.insecure` only to a builder started with them (buildx);
- `isolation`: not passed to the daemon;
- `no_cache_filter`: the daemon's build API has no per-stage `--no-cache`;
- `provenance`, `sbom`: attestations need a BuildKit builder whose image
  store keeps them;
- a second entry of `platforms`: one image per build, for the first platform;
- `cache_from` entries of a type other than `registry`, and `cache_to`
  entries of a type other than `inline`: the daemon's builders take cache
  from images and write it only inline in the image.

Every other key (`context`, `dockerfile`, `dockerfile_inline`, `args`,
`target`, `labels`, `network`, `no_cache`, `pull`, `tags`, `extra_hosts`,
`secrets`, `ssh`, `additional_contexts`, `cache_from`, `cache_to`,
`shm_size`, `ulimits`) is applied. `shm_size` and `ulimits` reach the `RUN`
steps of the classic builder, and of BuildKit from Docker Engine 23.0 on; an
older engine's BuildKit would drop them, so the build stops with the reason
there, and `--builder auto` picks the classic builder.

Only `buildlint build` reports it: `buildlint check` does not know whether
the file is built by buildlint or by `docker compose build` and buildx, which
apply these keys.

## Why is this bad?
The file reads as if the setting applied, and the image is built without it.

## Example
```yaml
services:
  web:
    image: web:1
    build:
      context: .
      no_cache_filter: [deps]
```
```files
Dockerfile
```

Use instead:
```yaml
services:
  web:
    image: web:1
    build:
      context: .
      no_cache: true
```
```files
Dockerfile
```

## How to fix
Remove the key, or build that service with `docker buildx bake` or
`docker compose build`, which run a BuildKit builder of their own.
"#,
    check: Check::Stack(check),
};

const NOT_APPLIED: &[(&str, &str)] = &[
    (
        "entitlements",
        "the daemon's BuildKit grants no entitlements; use `RUN --network=...` only where the daemon allows it, or build with buildx",
    ),
    (
        "privileged",
        "the daemon's BuildKit does not run privileged steps; build with a buildx builder started with `security.insecure`",
    ),
    ("isolation", "it is not passed to the daemon; remove it"),
    (
        "no_cache_filter",
        "the daemon's build API cannot skip the cache per stage; use `no_cache: true`",
    ),
    (
        "provenance",
        "attestations need a BuildKit builder whose image store keeps them; build with buildx",
    ),
    (
        "sbom",
        "attestations need a BuildKit builder whose image store keeps them; build with buildx",
    ),
];

/// The `type=` of a cache entry; a bare reference is `registry`.
fn cache_type(entry: &str) -> &str {
    entry
        .split(',')
        .find_map(|f| f.trim().strip_prefix("type="))
        .unwrap_or("registry")
}

fn build_key(s: &Service, name: &str) -> Option<Sp<String>> {
    let e = s.node.get("build")?.entry(name)?;
    Some(Sp::new(e.key.name.clone(), e.key.span, e.key.file.clone()))
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    // `buildlint check` does not know who builds the file: `docker compose
    // build` or buildx apply these keys, so only `buildlint build` reports.
    if cx.options.build.is_none() {
        return;
    }
    for s in &cx.project.services {
        let Some(b) = &s.build else { continue };
        let svc = &s.name.value;
        for (key, help) in NOT_APPLIED {
            let Some(k) = build_key(s, key) else { continue };
            out.push(
                k.diag(format!(
                    "`buildlint build` does not apply `build.{key}` (service `{svc}`)"
                ))
                .help(*help),
            );
        }
        for p in b.platforms.iter().skip(1) {
            out.push(
                p.diag(format!(
                    "`buildlint build` builds one platform per image, `{}` (service `{svc}`); `{}` is not built",
                    b.platforms[0].value, p.value
                ))
                .help("build several platforms with `docker buildx bake`, or one service per platform"),
            );
        }
        for c in &b.cache_from {
            let t = cache_type(&c.value);
            if t != "registry" {
                out.push(
                    c.diag(format!(
                        "the daemon's builders cannot import `type={t}` cache (service `{svc}`)"
                    ))
                    .help("name an image pushed with inline cache: `cache_from: [registry/app:latest]`"),
                );
            }
        }
        for c in &b.cache_to {
            let t = cache_type(&c.value);
            if t != "inline" {
                out.push(
                    c.diag(format!(
                        "the daemon's builders cannot export `type={t}` cache (service `{svc}`)"
                    ))
                    .help("use `cache_to: [type=inline]` and push the image; name it in `cache_from` next time"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    /// One case per key of the compose-spec `build` schema that is not applied.
    #[test]
    fn every_key_not_applied_is_reported_at_the_key() {
        for key in [
            "entitlements: [network.host]",
            "privileged: true",
            "isolation: hyperv",
            "no_cache_filter: [build]",
            "provenance: true",
            "sbom: true",
        ] {
            let name = key.split(':').next().unwrap();
            let yaml = format!(
                "services:\n  w:\n    image: w:1\n    build:\n      context: .\n      {key}\n"
            );
            assert_stack_fires(&RULE, &yaml, &[name]);
        }
    }

    #[test]
    fn extra_platforms_and_cache_types_are_reported_at_the_entry() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: w:1\n    build:\n      context: .\n      platforms: [linux/amd64, linux/arm64]\n",
            &["linux/arm64"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: w:1\n    build:\n      context: .\n      cache_from: [r/w:1, 'type=local,src=/c', 'type=registry,ref=r/w:2']\n      cache_to: [type=inline, 'type=registry,ref=r/w:c', r/w:c]\n",
            &["'type=local,src=/c'", "'type=registry,ref=r/w:c'", "r/w:c"],
        );
    }

    #[test]
    fn check_without_a_build_is_quiet() {
        use crate::compose::{load, LoadOptions};
        use crate::lint::engine::RuleSelection;
        use crate::lint::options::RuleOptions;
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  w:\n    image: w:1\n    build:\n      context: .\n      isolation: hyperv\n      platforms: [linux/amd64, linux/arm64]\n";
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        let loaded = load(&LoadOptions {
            files: vec![dir.path().join("compose.yaml")],
            display_base: Some(dir.path().to_path_buf()),
            ..LoadOptions::default()
        });
        let found = crate::lint::stack::lint_loaded(
            &loaded,
            &RuleOptions::default(),
            &RuleSelection::only(&[&RULE]),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn applied_keys_are_quiet() {
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: w:1\n    build:\n      context: .\n      dockerfile: Dockerfile\n      args: {A: b}\n      target: t\n      labels: {a: b}\n      network: none\n      no_cache: true\n      pull: true\n      tags: [w:2]\n      extra_hosts: ['h:10.0.0.1']\n      ssh: [default]\n      cache_from: [r/w:1]\n      cache_to: [type=inline]\n      platforms: [linux/amd64]\n      shm_size: 2gb\n      ulimits: {nofile: 1024, nproc: {soft: 10, hard: 20}}\n",
        );
    }
}
