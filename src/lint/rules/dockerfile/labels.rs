//! Shared by the label rules: LABEL pairs with their literal keys and
//! values, and the value formats of `label-schema`.

use crate::dockerfile::{Args, KeyValue};
use crate::lint::{Diagnostic, Diagnostics, DockerfileCx};

use super::dl_helpers::literal;

/// Each LABEL pair of the build (ONBUILD triggers excluded) with its key
/// and value after quote removal (`None` for a value holding variables).
pub fn pairs<'d>(cx: &DockerfileCx<'d>) -> Vec<(&'d KeyValue, String, Option<String>)> {
    let mut out = Vec::new();
    for inst in &cx.df.instructions {
        if let Args::Label(kvs) = &inst.args {
            for kv in kvs {
                let Some(key) = literal(&kv.key.raw, cx.df.escape) else {
                    continue;
                };
                let value = literal(&kv.value.raw, cx.df.escape);
                out.push((kv, key, value));
            }
        }
    }
    out
}

/// Reports schema labels of `format` whose value fails `valid`.
pub fn check_format(
    cx: &DockerfileCx<'_>,
    out: &mut Diagnostics,
    format: &str,
    valid: fn(&str) -> bool,
    what: &str,
    help: &str,
) {
    let schema = &cx.options.label_schema;
    if !schema.values().any(|f| f.eq_ignore_ascii_case(format)) {
        return;
    }
    for (kv, key, value) in pairs(cx) {
        let Some(value) = value else { continue };
        if value.is_empty() {
            continue; // the empty-label rule's
        }
        if schema
            .get(&key)
            .is_some_and(|f| f.eq_ignore_ascii_case(format))
            && !valid(&value)
        {
            out.push(
                Diagnostic::new(
                    kv.value.span,
                    format!("label `{key}` is not {what}: `{value}`"),
                )
                .help(help.to_string()),
            );
        }
    }
}

/// An absolute URI: `scheme:` then characters a URI may hold.
pub fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let rest_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c));
    scheme_ok && rest_ok
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// RFC 3339 date-time: `2024-05-01T12:00:00Z`, fractions and offsets allowed.
pub fn is_rfc3339(v: &str) -> bool {
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

/// An SPDX license identifier or expression (`MIT`, `Apache-2.0 OR MIT`).
pub fn is_spdx(v: &str) -> bool {
    spdx::Expression::parse(v).is_ok()
}

/// A git commit hash: 7 or 40 (or 64, SHA-256 repositories) lowercase hex digits.
pub fn is_git_hash(v: &str) -> bool {
    matches!(v.len(), 7 | 40 | 64)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn numeric_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn identifiers(s: &str, numeric_rule: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && (!numeric_rule || !id.bytes().all(|b| b.is_ascii_digit()) || numeric_identifier(id))
    })
}

/// Semantic Versioning 2.0.0: `1.2.3`, `1.2.3-rc.1+build.5`.
pub fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric_identifier(p))
        && pre.is_none_or(|p| identifiers(p, true))
        && build.is_none_or(|b| identifiers(b, false))
}

/// An RFC 5322 address in its common form: `local@domain.tld`.
pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// Lints with a label schema (tests).
#[cfg(test)]
pub fn lint_schema(
    rule: &'static crate::lint::Rule,
    src: &str,
    schema: &[(&str, &str)],
    strict: bool,
) -> Vec<String> {
    let options = crate::lint::options::RuleOptions {
        label_schema: schema
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        strict_labels: strict,
        ..Default::default()
    };
    let found = crate::lint::testing::lint_with(
        rule,
        src,
        &crate::lint::context_view::MemoryContext::new(),
        true,
        &options,
        Default::default(),
        None,
    );
    crate::lint::testing::underlined(src, &found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_url("https://example.com/x?y=1"));
        assert!(!is_url("example.com"));
        assert!(!is_url("https://exa mple.com"));
        assert!(is_rfc3339("2024-05-01T12:00:00Z"));
        assert!(is_rfc3339("2024-02-29T23:59:59.123+02:00"));
        assert!(!is_rfc3339("2023-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2024-05-01"));
        assert!(is_spdx("MIT"));
        assert!(is_spdx("Apache-2.0 OR MIT"));
        assert!(!is_spdx("Not-A-License"));
        assert!(is_git_hash("abc1234"));
        assert!(!is_git_hash("ABC1234"));
        assert!(is_semver("1.2.3-rc.1+build.5"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("01.2.3"));
        assert!(is_email("dev@example.com"));
        assert!(!is_email("dev@localhost"));
        assert!(!is_email("a..b@example.com"));
    }
}
