use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

pub static RULE: Rule = Rule {
    code: "BL1118",
    name: "label-not-rfc3339",
    aliases: &["DL3053"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `rfc3339` is not an RFC 3339 date-time.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `rfc3339`: each value must be an RFC 3339 date-time.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `rfc3339`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.created" = "rfc3339" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="2024-05-01 12:00"
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.created" = "rfc3339" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3053
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "rfc3339",
        is_rfc3339,
        "an RFC 3339 date-time",
        "write the time as `2024-05-01T12:00:00Z`",
    );
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// RFC 3339 date-time: `2024-05-01T12:00:00Z`, fractions and offsets allowed.
fn is_rfc3339(v: &str) -> bool {
    let v = v.as_bytes();
    if v.len() < 20 || !matches!(v[10], b'T' | b't' | b' ') {
        return false;
    }
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let (date, time) = (&s[..10], &s[11..]);
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 {
        return false;
    }
    let (Some(y), Some(m), Some(day)) = (digits(d[0], 4), digits(d[1], 2), digits(d[2], 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || day == 0 || day > days[m as usize - 1] {
        return false;
    }
    if time.len() < 9 {
        return false;
    }
    let (hms, mut rest) = time.split_at(8);
    let t: Vec<&str> = hms.split(':').collect();
    if t.len() != 3 {
        return false;
    }
    let (Some(h), Some(mi), Some(sec)) = (digits(t[0], 2), digits(t[1], 2), digits(t[2], 2)) else {
        return false;
    };
    if h > 23 || mi > 59 || sec > 60 {
        return false;
    }
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    if rest.eq_ignore_ascii_case("z") {
        return true;
    }
    let Some(offset) = rest.strip_prefix(['+', '-']) else {
        return false;
    };
    match offset.split_once(':') {
        Some((oh, om)) => {
            matches!((digits(oh, 2), digits(om, 2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_rfc3339, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "org.opencontainers.image.created",
            "rfc3339",
            &["yesterday", "2024-13-01T00:00:00Z", "\"2024-05-01 12:00\""],
            &["2024-05-01T12:00:00+02:00", "2024-05-01T12:00:00.5Z"],
        );
    }

    #[test]
    fn validator() {
        assert!(is_rfc3339("2024-05-01T12:00:00Z"));
        assert!(is_rfc3339("2024-02-29T23:59:59.123+02:00"));
        assert!(!is_rfc3339("2023-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2024-05-01"));
    }
}
