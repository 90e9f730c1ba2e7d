use crate::dockerfile::Args;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::base_facts::stage_is_windows;
use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1126",
    name: "non-numeric-user",
    aliases: &["DL3066"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "USER names a user by name rather than by numeric ID.",
    doc: r#"## What it does
Checks `USER` instructions whose user part is a name (`USER app`) rather than a numeric ID
(`USER 10001`). Users written with a variable are not checked (`USER $APP_UID` in the .NET images
holds a number).

Windows stages are not checked: `ContainerUser` and `ContainerAdministrator` are accounts of the
Windows image, with no numeric form. A stage is Windows by `` # escape=` ``, a PowerShell or cmd
`SHELL`, a `--platform=windows/...`, or its base image (its name, or its OS when `inspect-images`
asks the daemon).

## Why is this bad?
Kubernetes' `runAsNonRoot` and similar policies can only verify a numeric user: with a name they
cannot tell whether it maps to root, and refuse to start the pod. A numeric ID also needs no
`/etc/passwd` entry in minimal images.

## Example
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER app
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001:10001
```

```dockerfile
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
USER ContainerUser
CMD ["powershell", "-File", "C:/app/run.ps1"]
```

## References
- hadolint DL3066
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let Args::User(word) = &inst.effective().args else {
            continue;
        };
        let Some(user) = literal(&word.raw, cx.df.escape) else {
            continue;
        };
        if inst.stage.is_some_and(|s| stage_is_windows(cx, s)) {
            continue;
        }
        let uid = user.split(':').next().unwrap_or("");
        if !uid.is_empty() && !uid.bytes().all(|b| b.is_ascii_digit()) {
            out.push(
                Diagnostic::new(
                    word.span,
                    format!("user `{uid}` is a name, not a numeric ID"),
                )
                .help("use the numeric ID, e.g. `USER 10001:10001`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_names() {
        assert_fires(&RULE, "FROM a\nUSER app\n", &["app"]);
        assert_fires(&RULE, "FROM a\nUSER app:1000\n", &["app:1000"]);
        assert_fires(&RULE, "FROM a\nUSER root\n", &["root"]);
    }

    #[test]
    fn quiet_on_ids_and_variables() {
        assert_quiet(&RULE, "FROM a\nUSER 1000\n");
        assert_quiet(&RULE, "FROM a\nUSER 1000:app\n");
        assert_quiet(&RULE, "FROM a\nUSER $UID\n");
        assert_quiet(
            &RULE,
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nUSER $APP_UID\nENTRYPOINT [\"dotnet\", \"a.dll\"]\n",
        );
    }

    #[test]
    fn quiet_on_windows_accounts() {
        // By the base image, by the escape directive, by a PowerShell SHELL
        // (on a base known only as a stage of a variable image).
        assert_quiet(
            &RULE,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n",
        );
        assert_quiet(
            &RULE,
            "# escape=`\nFROM mcr.microsoft.com/powershell:lts\nUSER ContainerAdministrator\nRUN Write-Host hi\n",
        );
        assert_quiet(
            &RULE,
            "ARG BASE\nFROM $BASE AS build\nSHELL [\"pwsh\", \"-Command\"]\nFROM build\nUSER ContainerAdministrator\n",
        );
        // A Linux stage in the same file is still checked.
        assert_fires(
            &RULE,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win\nUSER ContainerUser\nFROM alpine:3.20\nUSER app\n",
            &["app"],
        );
    }
}
