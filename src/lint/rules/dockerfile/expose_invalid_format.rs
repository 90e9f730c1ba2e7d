use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::expose::ports;

pub static RULE: Rule = Rule {
    code: "BL1023",
    name: "expose-invalid-format",
    aliases: &["ExposeInvalidFormat"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "An EXPOSE port names an IP address or a host port.",
    doc: r#"## What it does
Checks for `EXPOSE` ports written with an IP address or a host port
(`127.0.0.1:80:80`, `80:80`).

## Why is this bad?
EXPOSE only documents which ports the container listens on; publishing them
on the host (and on which address) is decided by `docker run -p`. BuildKit
drops the host part and announces that such ports will become an error.

## Example
```dockerfile
FROM alpine
EXPOSE 127.0.0.1:80:80
```

```dockerfile
FROM alpine
EXPOSE 80:80
```

Use instead:
```dockerfile
FROM alpine
EXPOSE 80
```

## Fix
```dockerfile
FROM alpine
EXPOSE 127.0.0.1:8080:80/udp
```
```dockerfile fixed
FROM alpine
EXPOSE 80/udp
```

The fix keeps only the container port (and protocol): the image exposes the
same ports.

## References
- BuildKit check `ExposeInvalidFormat`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for port in ports(cx) {
        if port.ip.is_empty() && port.host_port.is_empty() {
            continue;
        }
        let container = port
            .raw
            .rsplit(':')
            .next()
            .unwrap_or(&port.container_port)
            .to_string();
        let what = if port.ip.is_empty() {
            "a host port"
        } else {
            "an IP address and a host port"
        };
        out.push(
            Diagnostic::new(
                port.word.span,
                format!("`{}` names {what}, which EXPOSE does not use", port.raw),
            )
            .help(format!(
                "write `EXPOSE {container}` and publish it with `docker run -p {}`",
                port.raw
            ))
            .maybe_fix(
                port.literal
                    .then(|| Fix::safe(vec![Edit::replace(port.word.span, container.clone())])),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_host_parts() {
        assert_fires(
            &RULE,
            "FROM alpine\nEXPOSE 127.0.0.1:80:80\n",
            &["127.0.0.1:80:80"],
        );
        assert_fires(&RULE, "FROM alpine\nEXPOSE 80:80\n", &["80:80"]);
        assert_fires(
            &RULE,
            "FROM alpine\nEXPOSE 443 [::1]:8080:8080/udp\n",
            &["[::1]:8080:8080/udp"],
        );
        assert_quiet(&RULE, "FROM alpine\nEXPOSE 80 443/tcp 1000-2000\n");
    }

    #[test]
    fn fix_keeps_the_container_port() {
        let src = "FROM alpine\nEXPOSE 127.0.0.1:8080:80/udp\n";
        let f = lint(&RULE, src);
        assert_eq!(f[0].fix.as_ref().unwrap().edits[0].replacement, "80/udp");
    }
}
