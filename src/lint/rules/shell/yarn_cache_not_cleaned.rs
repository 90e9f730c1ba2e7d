use crate::lint::shell::{Command, OptSpec};
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{cache_targets, subcommand, Cleanup};

pub static RULE: Rule = Rule {
    code: "BL2029",
    name: "yarn-cache-not-cleaned",
    aliases: &["DL3060"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN runs `yarn install` and leaves yarn's cache in the image.",
    doc: r#"## What it does
Checks RUN instructions that run `yarn install` for `yarn cache clean` in
the same RUN.

## Why is this bad?
yarn keeps a copy of every downloaded package in its global cache; in an
image that is a second copy of `node_modules`. A cache mount on yarn's cache
directory keeps it out of the layer and is not reported.

## Example
```dockerfile
FROM node:22-slim
RUN yarn install --frozen-lockfile
```

Use instead:
```dockerfile
FROM node:22-slim
RUN yarn install --frozen-lockfile && yarn cache clean
```

## How to fix
End the RUN with `&& yarn cache clean`, or mount a cache:
`RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`.

## References
- hadolint DL3060
"#,
    check: Check::Dockerfile(check),
};

const YARN: OptSpec = OptSpec {
    short_with_value: "",
    long_with_value: &[
        "cwd",
        "cache-folder",
        "modules-folder",
        "registry",
        "network-timeout",
        "mutex",
        "global-folder",
        "link-folder",
        "use-yarnrc",
    ],
};

fn cleans(cmd: &Command) -> bool {
    subcommand(cmd, &["yarn"], &["cache"], &YARN).is_some_and(|(_, o)| {
        o.operands_after_subcommand()
            .iter()
            .any(|w| w.value == "clean")
    })
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut found = Diagnostics::default();
    Cleanup {
        programs: &["yarn"],
        installs: &["install"],
        spec: YARN,
        cleans,
        ordered: false,
        cache_dirs: &[
            "/usr/local/share/.cache/yarn",
            "/root/.cache/yarn",
            "/home/node/.cache/yarn",
        ],
        message: "yarn's cache stays in the image",
        help: "end the RUN with `&& yarn cache clean`",
    }
    .check(cx, &mut found);
    // A cache mount anywhere in a yarn cache directory also counts.
    for d in found.items {
        let inst = cx.df.instructions.iter().find(|i| i.span.contains(d.span));
        let mounted = inst.is_some_and(|i| {
            cache_targets(i.effective())
                .iter()
                .any(|t| t.contains("/.cache/yarn") || t.contains("/.yarn"))
        });
        if !mounted {
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_without_cache_clean() {
        assert_run_fires(&RULE, "FROM node:22\nRUN yarn install\n", &["yarn install"]);
        assert_run_fires(
            &RULE,
            "FROM node:22\nRUN yarn install --frozen-lockfile && yarn build\n",
            &["yarn install"],
        );
        assert_run_fires(
            &RULE,
            "FROM node:22\nRUN yarn --cwd /app install\n",
            &["yarn --cwd /app install"],
        );
    }

    #[test]
    fn quiet_with_clean_or_cache_mount() {
        assert_run_quiet(
            &RULE,
            "FROM node:22\nRUN yarn install && yarn cache clean\n",
        );
        assert_run_quiet(&RULE, "FROM node:22\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn/v6 yarn install\n");
        assert_run_quiet(&RULE, "FROM node:22\nRUN yarn build\n");
    }
}
