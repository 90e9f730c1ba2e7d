//! Compose's short syntaxes: ports (`[HOST_IP:][HOST:]CONTAINER[/PROTO]`) and
//! volumes (`[SOURCE:]TARGET[:MODE]`). Each part keeps its byte range in the
//! string so findings can underline it.

use std::ops::Range;

/// A port number or an inclusive range (`8000-8010`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PortRange {
    pub start: u32,
    pub end: u32,
}

impl PortRange {
    pub fn single(p: u32) -> Self {
        PortRange { start: p, end: p }
    }

    pub fn len(&self) -> u32 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn overlaps(&self, other: &PortRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    pub fn parse(s: &str) -> Option<PortRange> {
        let s = s.trim();
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (a, b),
            None => (s, s),
        };
        let start: u32 = a.parse().ok()?;
        let end: u32 = b.parse().ok()?;
        if start > 65535 || end > 65535 || end < start {
            return None;
        }
        Some(PortRange { start, end })
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// A part of a short-syntax string and where it is in the string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub range: Range<usize>,
}

impl Part {
    fn new(s: &str, range: Range<usize>) -> Part {
        Part {
            text: s[range.clone()].to_string(),
            range,
        }
    }
}

/// A short-syntax port, split but not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortPort {
    pub host_ip: Option<Part>,
    pub published: Option<Part>,
    pub target: Part,
    pub protocol: Option<Part>,
}

/// Splits `[HOST_IP:][HOST:]CONTAINER[/PROTO]`; IPv6 host IPs may be written
/// in brackets. Returns an error message for what compose rejects.
pub fn parse_port(s: &str) -> Result<ShortPort, String> {
    let (body, protocol) = match s.rfind('/') {
        Some(i) => (&s[..i], Some(Part::new(s, i + 1..s.len()))),
        None => (s, None),
    };
    if let Some(p) = &protocol {
        let proto = p.text.to_ascii_lowercase();
        if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
            return Err(format!(
                "`{}` is not a port protocol (tcp, udp or sctp)",
                p.text
            ));
        }
    }
    // Colons inside `[...]` belong to an IPv6 address.
    let mut colons = Vec::new();
    let mut depth = 0;
    for (i, c) in body.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    let n = colons.len();
    let (host_ip, published, target) = match n {
        0 => (None, None, Part::new(s, 0..body.len())),
        1 => (
            None,
            Some(Part::new(s, 0..colons[0])),
            Part::new(s, colons[0] + 1..body.len()),
        ),
        _ => (
            Some(Part::new(s, 0..colons[n - 2])),
            Some(Part::new(s, colons[n - 2] + 1..colons[n - 1])),
            Part::new(s, colons[n - 1] + 1..body.len()),
        ),
    };
    let host_ip = host_ip.map(|mut p| {
        if p.text.starts_with('[') && p.text.ends_with(']') && p.text.len() >= 2 {
            p.text = p.text[1..p.text.len() - 1].to_string();
            p.range = p.range.start + 1..p.range.end - 1;
        }
        p
    });
    if let Some(ip) = &host_ip {
        if ip.text.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("`{}` is not an IP address", ip.text));
        }
    }
    let target_range = PortRange::parse(&target.text)
        .ok_or_else(|| format!("`{}` is not a port or a port range", target.text))?;
    if let Some(p) = &published {
        if !p.text.is_empty() {
            let host_range = PortRange::parse(&p.text)
                .ok_or_else(|| format!("`{}` is not a port or a port range", p.text))?;
            if host_range.len() != target_range.len() && target_range.len() != 1 {
                return Err(format!(
                    "the host range `{}` and the container range `{}` differ in size",
                    p.text, target.text
                ));
            }
        }
    }
    let published = published.filter(|p| !p.text.is_empty());
    Ok(ShortPort {
        host_ip,
        published,
        target,
        protocol,
    })
}

/// A short-syntax volume, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortVolume {
    pub source: Option<Part>,
    pub target: Part,
    pub mode: Option<Part>,
}

fn is_windows_drive(s: &str, at: usize) -> bool {
    // `C:\` or `C:/` at `at`.
    let b = s.as_bytes();
    b.get(at).is_some_and(|c| c.is_ascii_alphabetic())
        && b.get(at + 1) == Some(&b':')
        && matches!(b.get(at + 2), Some(b'\\') | Some(b'/'))
}

/// Splits `[SOURCE:]TARGET[:MODE]` (a Windows drive letter in the source or
/// target is kept whole).
pub fn parse_volume(s: &str) -> Result<ShortVolume, String> {
    if s.is_empty() {
        return Err("the volume is empty".to_string());
    }
    let mut parts: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        if i == start && is_windows_drive(s, i) {
            i += 2;
            continue;
        }
        if bytes[i] == b':' {
            parts.push(start..i);
            start = i + 1;
        }
        i += 1;
    }
    parts.push(start..s.len());
    // compose-go: `:/x` (an unset `${SOURCE}`), `a::b` and `a:` are refused.
    // Sections are read in order, as compose-go does, so the first problem wins.
    if parts.len() > 1 {
        for (k, r) in parts.iter().enumerate() {
            if r.is_empty() {
                return Err("empty section between colons".to_string());
            }
            if k == 2 && parts.len() > 3 {
                break;
            }
        }
    }
    let part = |r: &Range<usize>| Part::new(s, r.clone());
    match parts.len() {
        1 => Ok(ShortVolume {
            source: None,
            target: part(&parts[0]),
            mode: None,
        }),
        2 => Ok(ShortVolume {
            source: Some(part(&parts[0])),
            target: part(&parts[1]),
            mode: None,
        }),
        3 => Ok(ShortVolume {
            source: Some(part(&parts[0])),
            target: part(&parts[1]),
            mode: Some(part(&parts[2])),
        }),
        _ => Err(format!("`{s}` has too many `:` for `SOURCE:TARGET:MODE`")),
    }
}

/// Whether a volume source names a host path (a bind mount) rather than a
/// named volume.
pub fn is_host_path(source: &str) -> bool {
    source.starts_with('/')
        || source.starts_with('.')
        || source.starts_with('~')
        || source.starts_with('\\')
        || is_windows_drive(source, 0)
        || source.starts_with("$")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(s: &str) -> (Option<String>, Option<String>, String, Option<String>) {
        let p = parse_port(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (
            p.host_ip.map(|p| p.text),
            p.published.map(|p| p.text),
            p.target.text,
            p.protocol.map(|p| p.text),
        )
    }

    #[test]
    fn ports_short_syntax() {
        assert_eq!(port("80"), (None, None, "80".into(), None));
        assert_eq!(
            port("8080:80"),
            (None, Some("8080".into()), "80".into(), None)
        );
        assert_eq!(
            port("127.0.0.1:8080:80/udp"),
            (
                Some("127.0.0.1".into()),
                Some("8080".into()),
                "80".into(),
                Some("udp".into())
            )
        );
        assert_eq!(
            port("[::1]:6000-6010:6000-6010"),
            (
                Some("::1".into()),
                Some("6000-6010".into()),
                "6000-6010".into(),
                None
            )
        );
        assert_eq!(
            port("127.0.0.1::5000"),
            (Some("127.0.0.1".into()), None, "5000".into(), None)
        );
        assert_eq!(port("9090-9091:8080-8081").1, Some("9090-9091".into()));
        let p = parse_port("127.0.0.1:8080:80").unwrap();
        assert_eq!(p.published.unwrap().range, 10..14);
        assert_eq!(
            parse_port("[::1]:80:80").unwrap().host_ip.unwrap().range,
            1..4
        );
    }

    #[test]
    fn bad_ports() {
        assert!(parse_port("abc").is_err());
        assert!(parse_port("80/http").is_err());
        assert!(parse_port("70000:80").is_err());
        assert!(parse_port("not-ip:80:80").is_err());
        assert!(parse_port("8000-8002:80-81").is_err());
    }

    #[test]
    fn volumes_short_syntax() {
        let v = parse_volume("./data:/var/lib/data:ro").unwrap();
        assert_eq!(v.source.unwrap().text, "./data");
        assert_eq!(v.target.text, "/var/lib/data");
        assert_eq!(v.mode.unwrap().text, "ro");
        let v = parse_volume("/var/lib/data").unwrap();
        assert!(v.source.is_none());
        let v = parse_volume("dbdata:/var/lib/postgresql/data").unwrap();
        assert_eq!(v.source.as_ref().unwrap().text, "dbdata");
        assert!(!is_host_path("dbdata"));
        assert!(is_host_path("./x") && is_host_path("/x") && is_host_path("~/x"));
        let v = parse_volume("C:\\data:/data").unwrap();
        assert_eq!(v.source.unwrap().text, "C:\\data");
        assert_eq!(v.target.range, 8..13);
        // An unset `${SOURCE}` leaves `:/x`: compose-go refuses the spec.
        for bad in [":/etc/app.conf", "./a::ro", "./a:", "vol:/b:ro:"] {
            let e = parse_volume(bad).err();
            let want = if bad == "vol:/b:ro:" {
                "too many"
            } else {
                "empty section between colons"
            };
            assert!(
                e.as_deref().is_some_and(|e| e.contains(want)),
                "{bad}: {e:?}"
            );
        }
    }
}
