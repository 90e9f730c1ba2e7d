use crate::lint::shell::Command;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{cleans_all, Cleanup, YUM};

pub static RULE: Rule = Rule {
    code: "BL2016",
    name: "yum-cache-not-cleaned",
    aliases: &["DL3032"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN installs with yum and leaves yum's cache in the image.",
    doc: r#"## What it does
Checks RUN instructions that run `yum install` for `yum clean all` (or
removing `/var/cache/yum`) in the same RUN.

## Why is this bad?
yum keeps downloaded packages and metadata in `/var/cache/yum`; left there
they ship in the layer. Cleaning in a later RUN does not shrink the earlier
layer. A cache mount on `/var/cache/yum` keeps the layer clean.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6
```

Use instead:
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## How to fix
End the RUN with `&& yum clean all`.

## References
- hadolint DL3032
"#,
    check: Check::Dockerfile(check),
};

fn cleans(cmd: &Command) -> bool {
    cleans_all(cmd, "yum", &["/var/cache/yum"])
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Cleanup {
        programs: &["yum"],
        installs: &["install", "groupinstall", "localinstall"],
        spec: YUM,
        cleans,
        ordered: false,
        cache_dirs: &["/var/cache/yum"],
        message: "yum's cache stays in the image",
        help: "end the RUN with `&& yum clean all`",
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
            "FROM centos:7\nRUN yum install -y httpd\n",
            &["yum install"],
        );
        assert_run_fires(
            &RULE,
            "FROM centos:7\nRUN yum -y update && yum -y install x && yum clean packages\n",
            &["yum -y install"],
        );
        assert_run_fires(
            &RULE,
            "FROM centos:7\nRUN yum -y groupinstall x; rm -rf /tmp/*\n",
            &["yum -y groupinstall"],
        );
    }

    #[test]
    fn quiet_with_clean() {
        assert_run_quiet(
            &RULE,
            "FROM centos:7\nRUN yum install -y httpd && yum clean all\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM centos:7\nRUN yum install -y httpd && rm -rf /var/cache/yum\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM centos:7\nRUN --mount=type=cache,target=/var/cache/yum yum install -y httpd\n",
        );
    }
}
