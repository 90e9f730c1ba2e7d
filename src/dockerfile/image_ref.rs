//! Image references (`registry/repository:tag@digest`), parsed as the Docker
//! reference grammar does, with docker.io defaults.
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [domain "/"] path
//! domain     := host [":" port]            host: a DNS name, an IPv4 or a [IPv6] address
//! path       := component ("/" component)* component: [a-z0-9]+ separated by ".", "_", "__" or "-"+
//! tag        := [\w][\w.-]{0,127}
//! digest     := algorithm ":" hex           sha256 (64 hex), sha384 (96), sha512 (128)
//! ```
//!
//! Normalization follows `ParseNormalizedNamed`: a first element without `.`
//! or `:` that is not `localhost` (and is lower-case) is not a registry, so
//! `nginx` is `docker.io/library/nginx` and `user/app` is `docker.io/user/app`;
//! `index.docker.io` is `docker.io`; `localhost:5000/x:y` is registry
//! `localhost:5000`, path `x`, tag `y`.

use std::fmt;
use std::ops::Range;

/// Docker Hub's registry name in normalized references.
pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A parsed, normalized image reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (and port): `docker.io`, `ghcr.io`, `localhost:5000`.
    pub domain: String,
    /// Repository path within the registry: `library/nginx`, `user/app`.
    pub path: String,
    pub tag: Option<String>,
    /// `algorithm:hex`.
    pub digest: Option<String>,
    /// Where the tag and digest sit in the parsed text (without their `:`/`@`).
    pub tag_range: Option<Range<usize>>,
    pub digest_range: Option<Range<usize>>,
}

/// Why a string is not an image reference. The messages are Docker's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("repository name must have at least one component")]
    Empty,
    #[error("invalid reference format")]
    InvalidFormat,
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    #[error("repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters")]
    TooLong,
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    HexIdentifier(String),
    #[error("invalid digest: {0}")]
    InvalidDigest(String),
}

/// Where the parts of a reference are: `name`, then `:tag`, then `@digest`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Parts {
    name: Range<usize>,
    tag: Option<Range<usize>>,
    digest: Option<Range<usize>>,
}

/// Matches the whole of `s` against the reference grammar (the docker
/// distribution's `ReferenceRegexp`, anchored), by hand: compiling that
/// regex cost more than linting a typical Dockerfile.
fn match_reference(s: &str) -> Option<Parts> {
    let (rest, digest) = match s.find('@') {
        Some(at) => {
            is_digest(&s[at + 1..]).then_some(())?;
            (&s[..at], Some(at + 1..s.len()))
        }
        None => (s, None),
    };
    // Neither a component nor a tag holds `:`, and a port is followed by
    // `/`: a `:` after the last `/` starts the tag.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let colon = last_slash + i;
            is_tag(&rest[colon + 1..]).then_some(())?;
            (&rest[..colon], Some(colon + 1..rest.len()))
        }
        None => (rest, None),
    };
    let mut segments = name.split('/');
    let first = segments.next()?;
    let path_after_domain = name.contains('/') && is_domain(first) && {
        let mut rest = name[first.len() + 1..].split('/');
        rest.all(is_component)
    };
    (path_after_domain || name.split('/').all(is_component)).then_some(Parts {
        name: 0..name.len(),
        tag,
        digest,
    })
}

/// `[a-z0-9]+` runs separated by `.`, `_`, `__` or `-`+.
fn is_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let separator = &b[start..i];
        let ok = matches!(separator, b"." | b"_" | b"__") || separator.iter().all(|&c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `host[:port]`: DNS labels joined by `.`, or `[` an IPv6 address `]`.
fn is_domain(s: &str) -> bool {
    let (host, port) = if let Some(inner) = s.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return false;
        };
        let address = &inner[..close];
        if address.is_empty() || !address.bytes().all(|c| c.is_ascii_hexdigit() || c == b':') {
            return false;
        }
        (None, &inner[close + 1..])
    } else {
        let end = s.find(':').unwrap_or(s.len());
        (Some(&s[..end]), &s[end..])
    };
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
    };
    host.is_none_or(|h| h.split('.').all(label))
        && (port.is_empty()
            || port
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())))
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
fn is_digest(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    let part = |p: &[u8]| {
        !p.is_empty() && p[0].is_ascii_alphabetic() && p.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm
        .as_bytes()
        .split(|&c| matches!(c, b'-' | b'_' | b'+' | b'.'))
        .all(part)
        && hex.len() >= 32
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

fn split_docker_domain(name: &str) -> (String, String) {
    let (domain, remote) = match name.split_once('/') {
        None => return (DEFAULT_DOMAIN.into(), format!("{OFFICIAL_PREFIX}{name}")),
        Some((maybe_domain, maybe_remote)) => {
            if maybe_domain == "localhost"
                || maybe_domain.contains(['.', ':'])
                || maybe_domain.to_lowercase() != maybe_domain
            {
                if maybe_domain == LEGACY_DEFAULT_DOMAIN {
                    (DEFAULT_DOMAIN.to_string(), maybe_remote.to_string())
                } else {
                    (maybe_domain.to_string(), maybe_remote.to_string())
                }
            } else {
                (DEFAULT_DOMAIN.to_string(), name.to_string())
            }
        }
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        (domain, format!("{OFFICIAL_PREFIX}{remote}"))
    } else {
        (domain, remote)
    }
}

fn validate_digest(digest: &str) -> Result<(), ImageRefError> {
    let (alg, hex) = digest.split_once(':').unwrap_or((digest, ""));
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(ImageRefError::InvalidDigest(format!(
                "unsupported digest algorithm `{alg}`"
            )))
        }
    };
    if hex.len() != len || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ImageRefError::InvalidDigest(format!(
            "a {alg} digest is {len} lower-case hexadecimal characters"
        )));
    }
    Ok(())
}

impl ImageRef {
    /// Parses and normalizes a reference as `docker pull` and `FROM` do.
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ImageRefError::HexIdentifier(s.to_string()));
        }
        if s.is_empty() {
            return Err(ImageRefError::Empty);
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote_name = remainder
            .split_once(':')
            .map(|(n, _)| n)
            .unwrap_or(&remainder);
        // The digest part may hold upper-case hex; only the name must be lower case.
        let remote_name = remote_name
            .split_once('@')
            .map(|(n, _)| n)
            .unwrap_or(remote_name);
        if remote_name.to_lowercase() != remote_name {
            return Err(ImageRefError::Uppercase(remote_name.to_string()));
        }
        let full = format!("{domain}/{remainder}");
        let parts = match_reference(&full).ok_or(ImageRefError::InvalidFormat)?;
        let name = &full[parts.name.clone()];
        if name.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(ImageRefError::TooLong);
        }
        if let Some(d) = &parts.digest {
            validate_digest(&full[d.clone()])?;
        }
        // Normalization only rewrites the front, so the tag and digest end
        // `s` as they end `full`.
        let from_end = |i: usize| s.len() - (full.len() - i);
        let in_input = |r: &Range<usize>| from_end(r.start)..from_end(r.end);
        let text = |r: &Range<usize>| full[r.clone()].to_string();
        let path = name
            .strip_prefix(&domain)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or(name)
            .to_string();
        Ok(ImageRef {
            domain,
            path,
            tag: parts.tag.as_ref().map(text),
            digest: parts.digest.as_ref().map(text),
            tag_range: parts.tag.as_ref().map(in_input),
            digest_range: parts.digest.as_ref().map(in_input),
        })
    }

    /// `domain/path`, e.g. `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The short form users write: `nginx`, `user/app`, `ghcr.io/o/app`.
    pub fn familiar_name(&self) -> String {
        if self.domain == DEFAULT_DOMAIN {
            self.path
                .strip_prefix(OFFICIAL_PREFIX)
                .filter(|rest| !rest.contains('/'))
                .unwrap_or(&self.path)
                .to_string()
        } else {
            self.name()
        }
    }

    /// The name of a Docker Official Image (`docker.io/library/<name>`), if
    /// this is one.
    pub fn official_name(&self) -> Option<&str> {
        if self.domain != DEFAULT_DOMAIN {
            return None;
        }
        self.path
            .strip_prefix(OFFICIAL_PREFIX)
            .filter(|rest| !rest.contains('/'))
    }

    pub fn is_docker_hub(&self) -> bool {
        self.domain == DEFAULT_DOMAIN
    }

    /// Neither a tag nor a digest: `FROM` will use `latest`.
    pub fn is_untagged(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// The tag a pull uses: the written one, or `latest` (none with a digest alone).
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// The familiar form with tag and digest: `nginx:1.27`.
    pub fn familiar_string(&self) -> String {
        let mut s = self.familiar_name();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

impl fmt::Display for ImageRef {
    /// The fully normalized form: `docker.io/library/nginx:1.27`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distribution's reference regex, anchored, as the oracle of the
    /// hand-written matcher.
    fn reference_regex() -> regex::Regex {
        let alnum = "[a-z0-9]+";
        let separator = "(?:[._]|__|[-]+)";
        let component = format!("{alnum}(?:{separator}{alnum})*");
        let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let host = format!(r"(?:{domain_component}(?:\.{domain_component})*|\[[a-fA-F0-9:]+\])");
        let domain = format!("{host}(?::[0-9]+)?");
        let name = format!("(?:{domain}/)?{component}(?:/{component})*");
        let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
        regex::Regex::new(&format!("^({name})(?::({tag}))?(?:@({digest}))?$")).unwrap()
    }

    fn by_regex(re: &regex::Regex, s: &str) -> Option<Parts> {
        let c = re.captures(s)?;
        Some(Parts {
            name: c.get(1)?.range(),
            tag: c.get(2).map(|m| m.range()),
            digest: c.get(3).map(|m| m.range()),
        })
    }

    #[test]
    fn the_matcher_agrees_with_the_grammar_regex() {
        let re = reference_regex();
        let hex = "0123456789abcdefABCDEF0123456789abcdef";
        let pieces = [
            "",
            "a",
            "nginx",
            "library/nginx",
            "docker.io",
            "localhost:5000",
            "[::1]",
            "[::1]:5000",
            "[]",
            "[g]",
            "my-registry.example.com",
            "-bad",
            "bad-",
            "a..b",
            "a.b",
            "a_b",
            "a__b",
            "a___b",
            "a--b",
            "a._b",
            "A",
            "a:b",
            "a:",
            ":b",
            "1.2",
            "x@y",
            "sha256",
            "sha256:",
            "a-b.c",
            "host:port",
            "h:12:34",
            "a/b/c",
            "a//b",
            "/a",
            "a/",
            "é",
            "latest",
            "v1.0-rc_1",
            ".tag",
            "-tag",
            "_tag",
        ];
        let mut inputs: Vec<String> = Vec::new();
        for a in pieces {
            for b in pieces {
                inputs.push(format!("{a}/{b}"));
                inputs.push(format!("{a}:{b}"));
                inputs.push(format!("{a}/{b}:latest"));
                inputs.push(format!("{a}/{b}@sha256:{hex}"));
                inputs.push(format!("{a}/{b}:1.0@sha256:{hex}"));
                inputs.push(format!("{a}@{b}:{hex}"));
                inputs.push(format!("{a}/{b}@sha256:{}", &hex[..31]));
                inputs.push(format!("{a}/{b}@sha256+x.y_z-w:{hex}"));
                inputs.push(format!("{a}/{b}@1sha:{hex}"));
            }
        }
        inputs.push(format!("docker.io/library/x:{}", "t".repeat(128)));
        inputs.push(format!("docker.io/library/x:{}", "t".repeat(129)));
        inputs.push(format!("a@b@sha256:{hex}"));
        for input in &inputs {
            assert_eq!(match_reference(input), by_regex(&re, input), "{input:?}");
        }
    }

    const D: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    fn ok(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn normalizes_like_docker() {
        let cases = [
            ("nginx", "docker.io/library/nginx"),
            ("nginx:1.27", "docker.io/library/nginx:1.27"),
            ("user/app", "docker.io/user/app"),
            ("docker.io/nginx", "docker.io/library/nginx"),
            ("index.docker.io/nginx:1", "docker.io/library/nginx:1"),
            ("localhost/app", "localhost/app"),
            ("localhost:5000/x:y", "localhost:5000/x:y"),
            ("ghcr.io/owner/app:v1", "ghcr.io/owner/app:v1"),
            ("127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c"),
            ("[::1]:5000/app", "[::1]:5000/app"),
            ("Registry/app", "Registry/app"),
            ("a.b-c__d.e/f", "a.b-c__d.e/f"),
            (
                "mcr.microsoft.com/windows/servercore:ltsc2022",
                "mcr.microsoft.com/windows/servercore:ltsc2022",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(ok(input).to_string(), expected, "{input}");
        }
        let r = ok(&format!("nginx:1.27@{D}"));
        assert_eq!(r.tag.as_deref(), Some("1.27"));
        assert_eq!(r.digest.as_deref(), Some(D));
    }

    #[test]
    fn localhost_port_tag() {
        let r = ok("localhost:5000/x:y");
        assert_eq!(r.domain, "localhost:5000");
        assert_eq!(r.path, "x");
        assert_eq!(r.tag.as_deref(), Some("y"));
        assert_eq!(&"localhost:5000/x:y"[r.tag_range.clone().unwrap()], "y");
        assert_eq!(r.familiar_name(), "localhost:5000/x");
        assert_eq!(r.official_name(), None);
    }

    #[test]
    fn familiar_and_official_names() {
        assert_eq!(ok("nginx:1").familiar_name(), "nginx");
        assert_eq!(ok("nginx:1").official_name(), Some("nginx"));
        assert_eq!(
            ok("docker.io/library/python").official_name(),
            Some("python")
        );
        assert_eq!(ok("user/app").familiar_name(), "user/app");
        assert_eq!(ok("user/app").official_name(), None);
        assert_eq!(ok("nginx:1.27").familiar_string(), "nginx:1.27");
        assert!(ok("nginx").is_untagged());
        assert_eq!(ok("nginx").effective_tag(), Some("latest"));
        assert!(!ok(&format!("nginx@{D}")).is_untagged());
        assert_eq!(ok(&format!("nginx@{D}")).effective_tag(), None);
    }

    #[test]
    fn tag_and_digest_ranges_point_into_the_input() {
        let input = format!("reg.io:443/a/b:v1.2@{D}");
        let r = ok(&input);
        assert_eq!(&input[r.tag_range.clone().unwrap()], "v1.2");
        assert_eq!(&input[r.digest_range.clone().unwrap()], D);
        let r = ok("nginx:latest");
        assert_eq!(&"nginx:latest"[r.tag_range.unwrap()], "latest");
    }

    #[test]
    fn rejects_what_docker_rejects() {
        assert_eq!(ImageRef::parse(""), Err(ImageRefError::Empty));
        assert!(matches!(
            ImageRef::parse("Nginx"),
            Err(ImageRefError::Uppercase(_))
        ));
        assert!(matches!(
            ImageRef::parse("user/App"),
            Err(ImageRefError::Uppercase(_))
        ));
        for bad in [
            "busybox:",
            ":latest",
            "a//b",
            "nginx:-x",
            "nginx::1",
            "-nginx",
            "nginx:a b",
            "nginx@sha256:abc",
            "ngi$nx",
            "build_${ARCH}",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad} should not parse");
        }
        assert!(matches!(
            ImageRef::parse(&"a".repeat(300)),
            Err(ImageRefError::TooLong)
        ));
        assert!(matches!(
            ImageRef::parse(&"f".repeat(64)),
            Err(ImageRefError::HexIdentifier(_))
        ));
        assert!(matches!(
            ImageRef::parse("nginx@md5:0123456789abcdef0123456789abcdef"),
            Err(ImageRefError::InvalidDigest(_))
        ));
        assert!(ImageRef::parse(&format!("nginx:{}", "t".repeat(128))).is_ok());
        assert!(ImageRef::parse(&format!("nginx:{}", "t".repeat(129))).is_err());
    }

    #[test]
    fn stage_like_names_are_valid_references() {
        assert!(ImageRef::parse("build_amd64").is_ok());
        assert!(ImageRef::parse("scratch").is_ok());
        assert!(ImageRef::parse("busybox:stable").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[a-zA-Z0-9:/@._\\-\\[\\]]{0,40}") {
            if let Ok(r) = ImageRef::parse(&s) {
                if let Some(t) = r.tag_range.clone() { assert_eq!(&s[t], r.tag.as_deref().unwrap()); }
            }
        }
    }
}
