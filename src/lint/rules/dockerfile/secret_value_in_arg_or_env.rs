use std::sync::OnceLock;

use regex::Regex;

use crate::dockerfile::{Args, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{has_variable, literal};

pub static RULE: Rule = Rule {
    code: "BL1132",
    name: "secret-in-arg-or-env-value",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An ARG default or ENV value holds a credential.",
    doc: r#"## What it does
Checks the values of `ENV` and the defaults of `ARG` for credentials, whatever the variable is
called: cloud and service tokens by their known formats (AWS access keys, GitHub, GitLab, Slack,
Stripe, npm, PyPI, Google API keys, JSON Web Tokens), private key blocks, and URLs with a password
(`https://user:pass@host`).

Name-based checks (`sensitive-arg-or-env-name`, BuildKit's `SecretsUsedInArgOrEnv`) miss
`ENV DATABASE_URL=postgres://app:hunter2@db/app`; this rule reads the value.

## Why is this bad?
The value is stored in the image's configuration and history: everyone who can pull the image can
read the credential. Rotating it is then the only fix.

## Example
```dockerfile
FROM python:3.12
ENV DATABASE_URL=postgres://app:hunter2@db:5432/app
```

Use instead:
```dockerfile
FROM python:3.12
ENV DATABASE_URL=postgres://app@db:5432/app
```

## How to fix
Remove the credential from the Dockerfile and rotate it. Pass credentials at run time
(`docker run -e`, a secrets manager) or, for the build, with `RUN --mount=type=secret`.

## References
- KICS "Passwords And Secrets"; Trivy DS-0031
"#,
    check: Check::Dockerfile(check),
};

/// A credential format: the pattern, literals of which a match holds at
/// least one, a literal every match also holds (or ""), and what it is.
struct Format {
    pattern: &'static str,
    needles: &'static [&'static str],
    also: &'static str,
    what: &'static str,
}

const FORMATS: [Format; 13] = [
    Format {
        pattern: r"(?-u:\b)(AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
        needles: &["AKIA", "ASIA"],
        also: "",
        what: "an AWS access key ID",
    },
    Format {
        pattern: r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{36,}(?-u:\b)",
        needles: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        also: "",
        what: "a GitHub token",
    },
    Format {
        pattern: r"(?-u:\b)github_pat_[A-Za-z0-9_]{50,}(?-u:\b)",
        needles: &["github_pat_"],
        also: "",
        what: "a GitHub token",
    },
    Format {
        pattern: r"(?-u:\b)glpat-[A-Za-z0-9_-]{20,}(?-u:\b)",
        needles: &["glpat-"],
        also: "",
        what: "a GitLab token",
    },
    Format {
        pattern: r"(?-u:\b)xox[baprs]-[A-Za-z0-9-]{10,}(?-u:\b)",
        needles: &["xox"],
        also: "",
        what: "a Slack token",
    },
    Format {
        pattern: r"(?-u:\b)[sr]k_live_[A-Za-z0-9]{20,}(?-u:\b)",
        needles: &["k_live_"],
        also: "",
        what: "a Stripe secret key",
    },
    Format {
        pattern: r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
        needles: &["npm_"],
        also: "",
        what: "an npm token",
    },
    Format {
        pattern: r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}(?-u:\b)",
        needles: &["pypi-AgEIcHlwaS5vcmc"],
        also: "",
        what: "a PyPI token",
    },
    Format {
        pattern: r"(?-u:\b)AIza[0-9A-Za-z_-]{35}(?-u:\b)",
        needles: &["AIza"],
        also: "",
        what: "a Google API key",
    },
    Format {
        pattern: r"(?-u:\b)eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        needles: &["eyJ"],
        also: "",
        what: "a JSON Web Token",
    },
    Format {
        pattern: r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----",
        needles: &["PRIVATE KEY-----"],
        also: "",
        what: "a private key",
    },
    Format {
        pattern: r"(?-u:\b)sk-[A-Za-z0-9_-]{32,}(?-u:\b)",
        needles: &["sk-"],
        also: "",
        what: "an API secret key",
    },
    Format {
        pattern: r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@$]+:([^/\s@$]+)@[^\s/]+",
        needles: &["://"],
        also: "@",
        what: "a URL with a password",
    },
];

/// The compiled pattern of `FORMATS[i]`. Compiled on first need: a value
/// without the format's literals cannot match, and compiling all of them
/// cost more than linting a typical Dockerfile.
fn pattern(i: usize) -> &'static Regex {
    static COMPILED: [OnceLock<Regex>; FORMATS.len()] = [const { OnceLock::new() }; FORMATS.len()];
    COMPILED[i].get_or_init(|| Regex::new(FORMATS[i].pattern).expect("valid pattern"))
}

/// The bytes a needle starts with.
const FIRST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut f = 0;
    while f < FORMATS.len() {
        let mut n = 0;
        while n < FORMATS[f].needles.len() {
            table[FORMATS[f].needles[n].as_bytes()[0] as usize] = true;
            n += 1;
        }
        f += 1;
    }
    table
};

/// The formats (bit `i` for `FORMATS[i]`) whose literals `value` holds, in
/// one pass over it: most values hold none, and then no pattern runs.
fn candidates(value: &str) -> u32 {
    let bytes = value.as_bytes();
    let mut found = 0u32;
    for (at, &b) in bytes.iter().enumerate() {
        if !FIRST_BYTES[b as usize] {
            continue;
        }
        let rest = &bytes[at..];
        for (i, format) in FORMATS.iter().enumerate() {
            if format
                .needles
                .iter()
                .any(|n| rest.starts_with(n.as_bytes()))
            {
                found |= 1 << i;
            }
        }
    }
    found
}

/// What kind of credential a value holds, if any.
pub(crate) fn secret_in(value: &str) -> Option<&'static str> {
    let found = candidates(value);
    if found == 0 {
        return None;
    }
    FORMATS.iter().enumerate().find_map(|(i, format)| {
        if found & (1 << i) == 0 || !value.contains(format.also) {
            return None;
        }
        pattern(i).captures(value).and_then(|c| {
            // A URL password that is a placeholder is not a leak.
            if format.what == "a URL with a password" {
                let pw = c.get(1)?.as_str();
                let placeholder = pw.starts_with('<')
                    || pw.starts_with('{')
                    || pw.chars().all(|ch| ch == '*' || ch == 'x');
                (!placeholder).then_some(format.what)
            } else {
                Some(format.what)
            }
        })
    })
}

/// What makes a secret-sounding name's finding one, for its message: a
/// known credential format in the value (which one), or the name alone (no
/// value, a variable, or a value that is neither cleared nor recognized).
pub(crate) fn why_secret(value: Option<&str>) -> String {
    match value.and_then(secret_in) {
        Some(what) => format!("by its name, and its value is {what}"),
        None => "by its name alone".to_string(),
    }
}

/// Why a value given to a secret-sounding name is not a secret, if it is
/// plainly not one: a path (`/run/secrets/db`, `~/.ssh/id_rsa`), public key
/// fingerprints or key IDs (`GPG_KEY 7169605F...`), a boolean or a number,
/// or (for a name whose secret word is only `key`) a plain word such as an
/// ASP.NET setting name (`Logging__Key=ProcessId`). A known credential
/// format is always a secret.
pub(crate) fn plainly_not_secret(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.is_empty() || v.contains('$') || secret_in(v).is_some() {
        return None;
    }
    let is_path = v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || (v.len() > 2 && v.as_bytes()[1] == b':' && matches!(v.as_bytes()[2], b'\\' | b'/'));
    if is_path && !v.contains(char::is_whitespace) {
        return Some("a path");
    }
    let fingerprint = |w: &str| {
        let w = w.strip_prefix("0x").unwrap_or(w);
        matches!(w.len(), 8 | 16 | 40 | 64)
            && w.bytes().all(|b| b.is_ascii_hexdigit())
            && w.bytes().any(|b| b.is_ascii_digit())
    };
    let words: Vec<&str> = v.split_whitespace().collect();
    // `D95C 03BC ...` (groups of four) or whole fingerprints and key IDs.
    let grouped: String = if words.len() == 10 && words.iter().all(|w| w.len() == 4) {
        words.concat()
    } else {
        String::new()
    };
    if (!grouped.is_empty() && fingerprint(&grouped)) || words.iter().all(|w| fingerprint(w)) {
        return Some("a public key fingerprint");
    }
    if matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1"
    ) {
        return Some("a boolean");
    }
    if v.len() <= 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some("a number");
    }
    let only_key = {
        let lower = name.to_ascii_lowercase();
        ![
            "pass", "pwd", "pword", "secret", "token", "cred", "auth", "private",
        ]
        .iter()
        .any(|w| lower.contains(w))
    };
    if only_key
        && v.len() <= 32
        && v.bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'.' || b == b'-' || b == b'_')
    {
        return Some("a plain word");
    }
    None
}

fn report(cx: &DockerfileCx<'_>, name: &str, value: &Word, out: &mut Diagnostics) {
    let text = literal(&value.raw, cx.df.escape).unwrap_or_else(|| value.raw.clone());
    // A URL whose password is a variable (`https://u:$TOKEN@host`) is not a literal secret.
    if let Some(what) = secret_in(&text) {
        if what == "a URL with a password"
            && has_variable(&value.raw, cx.df.escape)
            && literal(&value.raw, cx.df.escape).is_none()
        {
            return;
        }
        out.push(
            Diagnostic::new(value.span, format!("the value of `{name}` holds {what}, which the image keeps readable"))
                .help("remove it from the Dockerfile and rotate it; pass credentials at run time, or to the build with `RUN --mount=type=secret`"),
        );
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        match &inst.effective().args {
            Args::Arg(decls) => {
                for d in decls {
                    if let Some(default) = &d.default {
                        report(cx, &d.name.raw, default, out);
                    }
                }
            }
            Args::Env(pairs) => {
                for p in pairs {
                    report(cx, &p.key.raw, &p.value, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    /// Skipping a pattern whose literals a value lacks finds what running
    /// every pattern finds.
    #[test]
    fn the_literal_prefilter_changes_nothing() {
        let every_pattern = |value: &str| {
            super::FORMATS.iter().find_map(|f| {
                let c = regex::Regex::new(f.pattern).unwrap().captures(value)?;
                if f.what == "a URL with a password" {
                    let pw = c.get(1)?.as_str();
                    let placeholder = pw.starts_with('<')
                        || pw.starts_with('{')
                        || pw.chars().all(|ch| ch == '*' || ch == 'x');
                    (!placeholder).then_some(f.what)
                } else {
                    Some(f.what)
                }
            })
        };
        let long = "aB3".repeat(30);
        let values = [
            format!("AKIA{}", "A1B2".repeat(4)),
            format!("x ASIA{} y", "Z9".repeat(8)),
            format!("ghp_{long}"),
            format!("ghr_{long}"),
            format!("github_pat_{long}"),
            format!("glpat-{long}"),
            format!("xoxb-{long}"),
            format!("sk_live_{long}"),
            format!("rk_live_{long}"),
            format!("npm_{}", &long[..36]),
            format!("pypi-AgEIcHlwaS5vcmc{long}"),
            format!("AIza{}", &long[..35]),
            format!("eyJ{long}.eyJ{long}.{long}"),
            "-----BEGIN RSA PRIVATE KEY-----".to_string(),
            "-----BEGIN PRIVATE KEY-----".to_string(),
            format!("sk-{long}"),
            "https://user:hunter2@example.com/x".to_string(),
            "postgres://app:<password>@db/app".to_string(),
            "https://example.com/a:b@c".to_string(),
            "https://example.com/path".to_string(),
            "git@github.com:o/r.git ssh://u:p@h".to_string(),
            "AKIA".to_string(),
            "/usr/local/bin".to_string(),
            "1.2.3".to_string(),
            long.clone(),
        ];
        for v in &values {
            assert_eq!(super::secret_in(v), every_pattern(v), "{v}");
        }
        assert!(values.iter().filter(|v| every_pattern(v).is_some()).count() >= 17);
    }

    #[test]
    fn fires_on_token_formats() {
        assert_fires(
            &RULE,
            "FROM a\nENV KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            &["AKIAIOSFODNN7EXAMPLE"],
        );
        assert_fires(
            &RULE,
            "FROM a\nARG T=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n",
            &["ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"],
        );
        assert_fires(
            &RULE,
            "FROM a\nENV K=\"-----BEGIN RSA PRIVATE KEY-----\"\n",
            &["\"-----BEGIN RSA PRIVATE KEY-----\""],
        );
    }

    #[test]
    fn fires_on_url_passwords() {
        assert_fires(
            &RULE,
            "FROM a\nENV DATABASE_URL=postgres://app:hunter2@db:5432/app\n",
            &["postgres://app:hunter2@db:5432/app"],
        );
        assert_fires(
            &RULE,
            "FROM a\nENV A=1 PIP_INDEX_URL=https://u:p4ss@pypi.example.com/simple\n",
            &["https://u:p4ss@pypi.example.com/simple"],
        );
    }

    #[test]
    fn quiet_on_plain_values_and_variables() {
        assert_quiet(&RULE, "FROM a\nENV DATABASE_URL=postgres://app@db/app\n");
        assert_quiet(
            &RULE,
            "FROM a\nENV URL=https://u:$TOKEN@example.com/x\nARG PASSWORD\n",
        );
        assert_quiet(
            &RULE,
            "FROM a\nENV URL=https://user:<password>@example.com\n",
        );
        assert_quiet(
            &RULE,
            "FROM a\nENV PATH=/usr/local/bin:$PATH TZ=Europe/Paris\n",
        );
    }
}
