use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{AssumeYes, YUM};

pub static RULE: Rule = Rule {
    code: "BL2022",
    name: "dnf-install-without-yes",
    aliases: &["DL3038"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`dnf install` without `-y` waits for an answer.",
    doc: r#"## What it does
Checks `dnf` and `microdnf` `install`, `groupinstall` and `localinstall` for
`-y` (`--assumeyes`).

## Why is this bad?
Without it dnf asks for confirmation; a build has no terminal, so the
install is cancelled.

## Example
```dockerfile
FROM fedora:40
RUN dnf install httpd-2.4.62 && dnf clean all
```

Use instead:
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## Fix
```dockerfile
FROM fedora:40
RUN dnf install httpd-2.4.62
```

```dockerfile fixed
FROM fedora:40
RUN dnf install -y httpd-2.4.62
```

## References
- hadolint DL3038
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    AssumeYes {
        programs: &["dnf", "microdnf"],
        subcommands: &["install", "groupinstall", "localinstall"],
        spec: YUM,
        yes: &["y", "assumeyes"],
        help: "add `-y`",
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
            "FROM fedora:40\nRUN dnf install httpd\n",
            &["dnf install"],
        );
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN microdnf install x\n",
            &["microdnf install"],
        );
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf --nodocs groupinstall x\n",
            &["dnf --nodocs groupinstall"],
        );
    }

    #[test]
    fn quiet_with_yes() {
        assert_run_quiet(&RULE, "FROM fedora:40\nRUN dnf install -y httpd\n");
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN dnf -y install x && microdnf --assumeyes install y\n",
        );
        assert_run_quiet(&RULE, "FROM fedora:40\nRUN dnf clean all\n");
    }

    #[test]
    fn fix_inserts_y() {
        assert_fix(
            &RULE,
            "FROM fedora:40\nRUN dnf install x\n",
            "FROM fedora:40\nRUN dnf install -y x\n",
            Applicability::Safe,
        );
    }
}
