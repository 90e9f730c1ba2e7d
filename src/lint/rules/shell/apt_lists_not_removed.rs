use crate::lint::shell::{views, Command, Script};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{append_point, has_cache_mount, stage_ships, subcommand, APT_GET};

pub static RULE: Rule = Rule {
    code: "BL2005",
    name: "apt-lists-not-removed",
    aliases: &["DL3009"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A RUN downloads the apt lists and leaves them in the image.",
    doc: r#"## What it does
Checks RUN instructions that run `apt-get update` for a cleanup of
`/var/lib/apt/lists` in the same RUN.

## Why is this bad?
`apt-get update` downloads package lists (tens of megabytes) into
`/var/lib/apt/lists`. Left there, they are stored in the layer and shipped in
every image; removing them in a later RUN does not shrink the earlier layer.
Stale lists also make a later `apt-get install` in a derived image fail or
install outdated packages.

Only stages that end up in an image are checked: the last stage, and stages
used as the base of another. A cache or tmpfs mount on `/var/lib/apt/lists`
(or `/var/lib/apt`) keeps the lists out of the layer, so such a RUN is fine.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
```

```dockerfile
FROM debian:12
RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

```dockerfile fixed
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*
```

## Fix safety
The fix appends `&& rm -rf /var/lib/apt/lists/*` to the RUN. It is offered
(as safe) only when no later RUN installs packages without its own
`apt-get update`: such a RUN would find no lists and the build would fail,
so there is no fix then; move the install into the RUN that updates.

## References
- hadolint DL3009
"#,
    check: Check::Dockerfile(check),
};

fn is_update(cmd: &Command) -> bool {
    subcommand(cmd, &["apt-get", "apt"], &["update"], &APT_GET).is_some()
}

fn is_install(cmd: &Command) -> bool {
    subcommand(
        cmd,
        &["apt-get", "apt"],
        &["install", "upgrade", "dist-upgrade", "build-dep"],
        &APT_GET,
    )
    .is_some()
}

/// `rm ... /var/lib/apt/lists...`, `find /var/lib/apt/lists ... -delete`, `apt-get distclean`.
fn cleans_lists(cmd: &Command) -> bool {
    let touches = |c: &Command| {
        c.args().iter().any(|w| {
            w.value
                .trim_end_matches('*')
                .trim_end_matches('/')
                .starts_with("/var/lib/apt/lists")
                || w.value == "/var/lib/apt"
        })
    };
    (cmd.is("rm") && touches(cmd))
        || (cmd.is("find") && touches(cmd) && cmd.has_arg("-delete"))
        || subcommand(
            cmd,
            &["apt-get", "apt"],
            &["distclean", "dist-clean"],
            &APT_GET,
        )
        .is_some()
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let v = views(cx);
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        let scripts = v.of_instruction(index);
        let Some((script, cmd)) = scripts
            .iter()
            .flat_map(|s| s.commands.iter().map(move |c| (s, c)))
            .find(|(_, c)| is_update(c))
        else {
            continue;
        };
        if scripts.iter().any(|s| s.commands.iter().any(cleans_lists)) {
            continue;
        }
        let run = inst.effective();
        if has_cache_mount(run, &["/var/lib/apt/lists"]) {
            continue;
        }
        if !stage_ships(cx.df, index) {
            continue;
        }
        let update = cmd
            .opts(&APT_GET)
            .subcommand()
            .map(|w| w.span)
            .unwrap_or(cmd.span);
        let span = cmd
            .name_word()
            .map(|n| n.span.cover(update))
            .unwrap_or(update);
        let fix = fix(cx, index, script);
        let help = if fix.is_some() {
            "remove them in the same RUN: `&& rm -rf /var/lib/apt/lists/*`"
        } else {
            "install in this RUN and remove the lists at its end: `apt-get update && apt-get install -y ... && rm -rf /var/lib/apt/lists/*`"
        };
        out.push(
            Diagnostic::new(span, "the apt lists downloaded here stay in the image")
                .help(help)
                .maybe_fix(fix),
        );
    }
}

fn fix(cx: &DockerfileCx<'_>, index: usize, script: &Script) -> Option<Fix> {
    let (at, sep) = append_point(script)?;
    let edit = Edit::insert(at, format!("{sep}rm -rf /var/lib/apt/lists/*"));
    // A later RUN that installs without its own update needs the lists.
    let v = views(cx);
    let later_needs_lists = (index + 1..cx.df.instructions.len()).any(|i| {
        let scripts = v.of_instruction(i);
        let cmds = || scripts.iter().flat_map(|s| s.commands.iter());
        cmds().any(is_install) && !cmds().any(is_update)
    });
    // Removing the lists there would break that RUN: no fix, the help says
    // to move the install into this RUN.
    (!later_needs_lists).then(|| Fix::safe(vec![edit]))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{
        assert_fix, assert_run_fires, assert_run_fires_in, assert_run_quiet, Variants,
    };
    use crate::lint::Applicability;

    #[test]
    fn fires_on_update_without_cleanup() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
            &["apt-get update"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN set -eux; apt-get -q update; apt-get install -y x; rm -rf /tmp/x\n", &["apt-get -q update"]);
        // The base of another stage ships too.
        assert_run_fires_in(
            &RULE,
            "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN make\n",
            &["apt-get update"],
            Variants::ALL,
        );
    }

    #[test]
    fn quiet_with_cleanup_cache_mount_or_unshipped_stage() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y x\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update\n");
        assert_run_quiet(&RULE, "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM scratch\nCOPY --from=build /x /x\n");
    }

    #[test]
    fn fix_appends_cleanup() {
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN apt-get update && \\\n    # tools\n    apt-get install -y curl\nCMD [\"x\"]\n",
            "FROM debian:12\nRUN apt-get update && \\\n    # tools\n    apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCMD [\"x\"]\n",
            Applicability::Safe,
        );
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl;\nEOF\n",
            "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl; rm -rf /var/lib/apt/lists/*\nEOF\n",
            Applicability::Safe,
        );
        // A later RUN installs from the lists: removing them would break
        // that RUN, so there is no fix at all.
        let src = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n";
        assert_fix(&RULE, src, src, Applicability::Safe);
        assert_fix(&RULE, src, src, Applicability::Unsafe);
    }
}
