use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};
use crate::span::Span;

use super::expose::ports;

pub static RULE: Rule = Rule {
    code: "BL1022",
    name: "expose-proto-casing",
    aliases: &["ExposeProtoCasing"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "The protocol of an EXPOSE port is not lower case.",
    doc: r#"## What it does
Checks that the protocol of each `EXPOSE` port (`tcp`, `udp`, `sctp`) is
lower case.

## Why is this bad?
The image config keeps the protocol as written, and tools that compare
`80/TCP` with `80/tcp` treat them as different ports.

## Example
```dockerfile
FROM alpine
EXPOSE 80/TcP
```

Use instead:
```dockerfile
FROM alpine
EXPOSE 80/tcp
```

## Fix
```dockerfile
FROM alpine
EXPOSE 80/TCP
```
```dockerfile fixed
FROM alpine
EXPOSE 80/tcp
```

## References
- BuildKit check `ExposeProtoCasing`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for port in ports(cx) {
        let lower = port.proto.to_lowercase();
        if port.proto == lower {
            continue;
        }
        let fix = port.literal.then(|| {
            let slash = port.word.raw.rfind('/').unwrap_or(0) + 1;
            let span = Span::new(port.word.span.start + slash as u32, port.word.span.end);
            Fix::safe(vec![Edit::replace(span, lower.clone())])
        });
        out.push(
            Diagnostic::new(
                port.word.span,
                format!(
                    "protocol `{}` of `{}` is not lower case",
                    port.proto, port.raw
                ),
            )
            .help(format!("write `{}/{lower}`", port.container_port))
            .maybe_fix(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_upper_case_protocols() {
        assert_fires(&RULE, "FROM alpine\nEXPOSE 80/TcP\n", &["80/TcP"]);
        assert_fires(
            &RULE,
            "FROM alpine\nEXPOSE 80 443/TCP 53/UDP\n",
            &["443/TCP", "53/UDP"],
        );
        assert_fires(&RULE, "FROM alpine\nARG P=8080/UDP\nEXPOSE $P\n", &["$P"]);
        assert_quiet(&RULE, "FROM alpine\nEXPOSE 80/tcp 53/udp 8080\n");
    }

    #[test]
    fn fix_lowers_the_protocol() {
        let src = "FROM alpine\nEXPOSE 80/TcP\n";
        let f = lint(&RULE, src);
        let e = &f[0].fix.as_ref().unwrap().edits[0];
        let mut fixed = src.to_string();
        fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        assert_eq!(fixed, "FROM alpine\nEXPOSE 80/tcp\n");
        let f = lint(&RULE, "FROM alpine\nARG P=8080/UDP\nEXPOSE $P\n");
        assert!(f[0].fix.is_none());
    }
}
