use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{commands, describe_list, subcommand, ZYPPER};

pub static RULE: Rule = Rule {
    code: "BL2021",
    name: "zypper-install-unpinned",
    aliases: &["DL3037"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`zypper install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `zypper install` (`zypper in`) for packages without a version
(`httpd=2.4.58`, `httpd>=2.4`).

## Why is this bad?
Without a version each build installs whatever the repositories hold that
day, so rebuilds of the same Dockerfile differ.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd && zypper clean
```

Use instead:
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## How to fix
Pin each package with `=`, `>=`, `<=`, `>` or `<`; local `.rpm` files count
as pinned.

## References
- hadolint DL3037
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let Some((_, opts)) = subcommand(cmd, &["zypper"], &["install", "in"], &ZYPPER) else {
            continue;
        };
        let unpinned: Vec<_> = opts
            .operands_after_subcommand()
            .iter()
            .filter(|w| !w.value.contains(['=', '<', '>']) && !w.value.ends_with(".rpm"))
            .collect();
        let Some(first) = unpinned.first() else {
            continue;
        };
        let names: Vec<&str> = unpinned.iter().map(|w| w.value.as_str()).collect();
        let mut d = Diagnostic::new(
            first.span,
            format!(
                "`zypper install` does not pin the version of {}",
                describe_list(&names)
            ),
        )
        .help(format!("pin a version: `{}=<version>`", first.value));
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
            "FROM opensuse/leap\nRUN zypper install -y httpd\n",
            &["httpd"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper -n in a=1 b\n",
            &["b"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper in -y --from repo x\n",
            &["x"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper install -y httpd=2.4.58 'git>=2' x.rpm\n",
        );
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper refresh\n");
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper rm -y httpd\n");
    }
}
