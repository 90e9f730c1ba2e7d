use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_rpm_unpinned;

pub static RULE: Rule = Rule {
    code: "BL2024",
    name: "dnf-install-unpinned",
    aliases: &["DL3041"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`dnf install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `dnf install` and `microdnf install` for packages without a version
(`httpd-2.4.62`), and `dnf module install` for modules without a stream
(`nodejs:20`).

## Why is this bad?
Without a version each build installs whatever the repositories hold that
day, so rebuilds of the same Dockerfile differ.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd && dnf clean all
```

Use instead:
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## How to fix
Name the version after a dash: `dnf install -y <package>-<version>`. A dash
followed by something that is not a version (`python3-pip`) is part of the
name, and still needs a version.

## References
- hadolint DL3041
"#,
    check: Check::Dockerfile(check),
};

/// A `.rpm` file (hadolint misses those without a dash), or a name whose dash-separated parts after
/// the first look like a version (version characters, one starting with a digit).
pub fn dnf_pinned(p: &str) -> bool {
    if p.ends_with(".rpm") {
        return true;
    }
    let parts: Vec<&str> = p.split('-').collect();
    if parts.len() <= 1 {
        return false;
    }
    let rest = &parts[1..];
    rest.iter().all(|part| {
        part.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".~^_:+".contains(c))
    }) && rest
        .iter()
        .any(|part| part.starts_with(|c: char| c.is_ascii_digit()))
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_rpm_unpinned(cx, out, &["dnf", "microdnf"], dnf_pinned);
}

#[cfg(test)]
mod tests {
    use super::{dnf_pinned, RULE};
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unpinned() {
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y httpd\n",
            &["httpd"],
        );
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y python3-pip\n",
            &["python3-pip"],
        );
        assert_run_fires(
            &RULE,
            "FROM ubi9\nRUN microdnf install -y a-1.2 b\n",
            &["b"],
        );
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf module install -y nodejs\n",
            &["nodejs"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 python3-pip-23.2 x.rpm\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN dnf module install -y nodejs:20\n",
        );
        assert_run_quiet(&RULE, "FROM fedora:40\nRUN dnf upgrade -y\n");
        assert!(dnf_pinned("foo-1.2-3.fc40") && !dnf_pinned("foo-bar"));
    }
}
