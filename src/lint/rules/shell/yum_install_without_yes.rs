use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{AssumeYes, YUM};

pub static RULE: Rule = Rule {
    code: "BL2015",
    name: "yum-install-without-yes",
    aliases: &["DL3030"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`yum install` without `-y` waits for an answer.",
    doc: r#"## What it does
Checks `yum install`, `groupinstall` and `localinstall` for `-y`
(`--assumeyes`).

## Why is this bad?
Without it yum asks for confirmation; a build has no terminal, so yum reads
end of input and the install is cancelled.

## Example
```dockerfile
FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
```

Use instead:
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## Fix
```dockerfile
FROM centos:7
RUN yum install httpd-2.4.6
```

```dockerfile fixed
FROM centos:7
RUN yum install -y httpd-2.4.6
```

## References
- hadolint DL3030
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    AssumeYes {
        programs: &["yum"],
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
            "FROM centos:7\nRUN yum install httpd\n",
            &["yum install"],
        );
        assert_run_fires(
            &RULE,
            "FROM centos:7\nRUN yum --setopt=x=1 groupinstall 'Dev Tools'\n",
            &["yum --setopt=x=1 groupinstall"],
        );
        assert_run_fires(
            &RULE,
            "FROM centos:7\nRUN yum -q localinstall x.rpm\n",
            &["yum -q localinstall"],
        );
    }

    #[test]
    fn quiet_with_yes() {
        assert_run_quiet(&RULE, "FROM centos:7\nRUN yum install -y httpd\n");
        assert_run_quiet(
            &RULE,
            "FROM centos:7\nRUN yum -y install httpd && yum --assumeyes install x\n",
        );
        assert_run_quiet(&RULE, "FROM centos:7\nRUN yum clean all\n");
    }

    #[test]
    fn fix_inserts_y() {
        assert_fix(
            &RULE,
            "FROM centos:7\nRUN yum install x\n",
            "FROM centos:7\nRUN yum install -y x\n",
            Applicability::Safe,
        );
    }
}
