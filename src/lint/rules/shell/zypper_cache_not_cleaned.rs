use crate::lint::shell::Command;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{removes_under, subcommand, Cleanup, ZYPPER};

pub static RULE: Rule = Rule {
    code: "BL2020",
    name: "zypper-cache-not-cleaned",
    aliases: &["DL3036"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN installs with zypper and leaves zypper's cache in the image.",
    doc: r#"## What it does
Checks RUN instructions that run `zypper install` for a later `zypper clean`
(`zypper cc`) in the same RUN.

## Why is this bad?
zypper keeps repository metadata and packages in `/var/cache/zypp`; left
there they ship in the layer. A cache mount on `/var/cache/zypp` keeps the
layer clean.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58
```

Use instead:
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## How to fix
End the RUN with `&& zypper clean`.

## References
- hadolint DL3036
"#,
    check: Check::Dockerfile(check),
};

fn cleans(cmd: &Command) -> bool {
    subcommand(cmd, &["zypper"], &["clean", "cc"], &ZYPPER).is_some()
        || removes_under(cmd, &["/var/cache/zypp"])
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Cleanup {
        programs: &["zypper"],
        installs: &["install", "in"],
        spec: ZYPPER,
        cleans,
        ordered: true,
        cache_dirs: &["/var/cache/zypp"],
        message: "zypper's cache stays in the image",
        help: "end the RUN with `&& zypper clean`",
    }
    .check(cx, out)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_without_clean() {
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper install -y httpd\n",
            &["zypper install"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper clean && zypper -n in x\n",
            &["zypper -n in"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper in -y x; rm -rf /tmp/x\n",
            &["zypper in"],
        );
    }

    #[test]
    fn quiet_with_clean() {
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper install -y httpd && zypper clean\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper in -y x && zypper cc -a\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN --mount=type=cache,target=/var/cache/zypp zypper in -y x\n",
        );
    }
}
