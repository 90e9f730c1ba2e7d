use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{AssumeYes, ZYPPER};

pub static RULE: Rule = Rule {
    code: "BL2018",
    name: "zypper-without-yes",
    aliases: &["DL3034"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "A zypper command that asks for confirmation runs without `-y`.",
    doc: r#"## What it does
Checks `zypper install`, `remove`, `source-install` and `patch` (and their
short forms) for `-y` (`--no-confirm`), or the global `-n`
(`--non-interactive`).

## Why is this bad?
Without it zypper asks for confirmation; a build has no terminal, so the
command is cancelled.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58 && zypper clean
```

Use instead:
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## Fix
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58
```

```dockerfile fixed
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58
```

## References
- hadolint DL3034
"#,
    check: Check::Dockerfile(check),
};

const SUBCOMMANDS: &[&str] = &[
    "install",
    "in",
    "remove",
    "rm",
    "source-install",
    "si",
    "patch",
];

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    AssumeYes {
        programs: &["zypper"],
        subcommands: SUBCOMMANDS,
        spec: ZYPPER,
        yes: &["y", "no-confirm", "n", "non-interactive"],
        help: "add `-y`, or `--non-interactive` before the subcommand",
    }
    .check(cx, out)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires, assert_run_quiet};
    use crate::lint::Applicability;

    #[test]
    fn fires_without_yes() {
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper install httpd\n",
            &["zypper install"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper rm x\n",
            &["zypper rm"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper --quiet in x\n",
            &["zypper --quiet in"],
        );
    }

    #[test]
    fn quiet_with_yes_or_non_interactive() {
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper install -y httpd\n");
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper --non-interactive install httpd && zypper -n rm x\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper refresh && zypper clean\n",
        );
    }

    #[test]
    fn fix_inserts_y() {
        assert_fix(
            &RULE,
            "FROM opensuse/leap\nRUN zypper in x\n",
            "FROM opensuse/leap\nRUN zypper in -y x\n",
            Applicability::Safe,
        );
    }
}
