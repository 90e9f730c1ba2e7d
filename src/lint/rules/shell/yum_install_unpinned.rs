use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_rpm_unpinned;

pub static RULE: Rule = Rule {
    code: "BL2017",
    name: "yum-install-unpinned",
    aliases: &["DL3033"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`yum install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `yum install` for packages without a version (`httpd-2.4.6`), and
`yum module install` for modules without a stream (`nodejs:20`).

## Why is this bad?
Without a version each build installs whatever the repositories hold that
day, so rebuilds of the same Dockerfile differ.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd && yum clean all
```

Use instead:
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## How to fix
Name the version: `yum install -y <package>-<version>`; local `.rpm` files
count as pinned.

## References
- hadolint DL3033
"#,
    check: Check::Dockerfile(check),
};

/// A version after a dash (`httpd-2.4.6`), or a `.rpm` file.
fn yum_pinned(p: &str) -> bool {
    p.contains('-') || p.ends_with(".rpm")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_rpm_unpinned(cx, out, &["yum"], yum_pinned);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unpinned() {
        assert_run_fires(
            &RULE,
            "FROM centos:7\nRUN yum install -y httpd\n",
            &["httpd"],
        );
        assert_run_fires(&RULE, "FROM centos:7\nRUN yum -y install a-1 b\n", &["b"]);
        assert_run_fires(
            &RULE,
            "FROM centos:8\nRUN yum module install -y nodejs\n",
            &["nodejs"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM centos:7\nRUN yum install -y httpd-2.4.6 ./x.rpm\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM centos:8\nRUN yum module install -y nodejs:20\n",
        );
        assert_run_quiet(&RULE, "FROM centos:7\nRUN yum update -y && yum clean all\n");
    }
}
