use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{commands, describe_list, subcommand, YUM};

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

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let (module, ops) = if let Some((_, opts)) = subcommand(cmd, &["yum"], &["install"], &YUM) {
            (false, opts.operands_after_subcommand().to_vec())
        } else if let Some((_, opts)) = subcommand(cmd, &["yum"], &["module"], &YUM) {
            let ops = opts.operands_after_subcommand();
            if ops.first().is_none_or(|w| w.value != "install") {
                continue;
            }
            (true, ops[1..].to_vec())
        } else {
            continue;
        };
        let unpinned: Vec<_> = ops
            .iter()
            .filter(|w| {
                if module {
                    !w.value.contains(':')
                } else {
                    !w.value.contains('-') && !w.value.ends_with(".rpm")
                }
            })
            .collect();
        let Some(first) = unpinned.first() else {
            continue;
        };
        let names: Vec<&str> = unpinned.iter().map(|w| w.value.as_str()).collect();
        let what = if module { "stream" } else { "version" };
        let mut d = Diagnostic::new(
            first.span,
            format!(
                "`yum install` does not pin the {what} of {}",
                describe_list(&names)
            ),
        )
        .help(if module {
            format!("name the stream: `{}:<stream>`", first.value)
        } else {
            format!("name the version: `{}-<version>`", first.value)
        });
        for other in &unpinned[1..] {
            d = d.label(other.span, "not pinned either");
        }
        out.push(d);
    }
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
