//! Limits of the build's `RUN` containers: `/dev/shm`'s size and ulimits,
//! read as the docker CLI and buildx read `--shm-size` and `--ulimit`
//! (docker/go-units `RAMInBytes` and `ParseUlimit`), and sent as the
//! Engine API's `shmsize` and `ulimits` query parameters.

use serde::Serialize;

/// One `--ulimit NAME=SOFT[:HARD]`, as the Engine API takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ulimit {
    pub name: String,
    pub hard: i64,
    pub soft: i64,
}

/// The names go-units knows (`as` is left out there too).
const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// go-units `ParseUlimit`: `nofile=1024:2048`, `nproc=512` (hard = soft),
/// `-1` for unlimited.
pub fn parse_ulimit(value: &str) -> Result<Ulimit, String> {
    let Some((name, limits)) = value.split_once('=') else {
        return Err(format!("invalid ulimit argument: {value}"));
    };
    if !ULIMIT_NAMES.contains(&name) {
        return Err(format!(
            "invalid ulimit type: {name} (known: {})",
            ULIMIT_NAMES.join(", ")
        ));
    }
    let number = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("invalid ulimit `{value}`: `{s}` is not a whole number"))
    };
    let parts: Vec<&str> = limits.split(':').collect();
    let (soft, hard) = match parts.as_slice() {
        [soft] => {
            let soft = number(soft)?;
            (soft, soft)
        }
        [soft, hard] => (number(soft)?, number(hard)?),
        _ => {
            return Err(format!(
                "too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`"
            ))
        }
    };
    if hard != -1 {
        if soft == -1 {
            return Err(format!("ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: {hard}"));
        }
        if soft > hard {
            return Err(format!(
                "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            ));
        }
    }
    Ok(Ulimit {
        name: name.to_string(),
        hard,
        soft,
    })
}

/// docker/cli's `UlimitOpt`: a later entry of the same name replaces an
/// earlier one; sorted by name.
pub fn parse_ulimits(values: &[String]) -> Result<Vec<Ulimit>, String> {
    let mut by_name = std::collections::BTreeMap::new();
    for v in values {
        let u = parse_ulimit(v)?;
        by_name.insert(u.name.clone(), u);
    }
    Ok(by_name.into_values().collect())
}

/// go-units `RAMInBytes`: a number with an optional binary unit (`64m`,
/// `1.5GiB`, `512 kb`, `2048`); case does not matter.
pub fn parse_mem_bytes(value: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{value}'");
    let sep = value
        .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .ok_or_else(invalid)?;
    let (num, suffix) = if value.as_bytes()[sep] == b' ' {
        (&value[..sep], &value[sep + 1..])
    } else {
        (&value[..=sep], &value[sep + 1..])
    };
    let size: f64 = num.parse().map_err(|_| invalid())?;
    if size < 0.0 || !size.is_finite() {
        return Err(invalid());
    }
    let bad_suffix = || format!("invalid suffix: '{}'", suffix.to_ascii_lowercase());
    let suffix = suffix.to_ascii_lowercase();
    let multiplier: f64 = match suffix.as_bytes() {
        [] | [b'b'] => 1.0,
        [unit, rest @ ..] => {
            let power = match unit {
                b'k' => 1,
                b'm' => 2,
                b'g' => 3,
                b't' => 4,
                b'p' => 5,
                _ => return Err(bad_suffix()),
            };
            if !matches!(rest, [] | [b'b'] | [b'i', b'b']) {
                return Err(bad_suffix());
            }
            1024f64.powi(power)
        }
    };
    Ok((size * multiplier) as i64)
}

/// The `shm-size` of a bake target, as buildx reads it.
pub fn parse_shm_size(value: &str) -> Result<i64, String> {
    parse_mem_bytes(value)
        .map_err(|e| format!("invalid value {value} for membytes key shm-size: {e}"))
}

/// The query parameters bollard's `BuildImageOptions` has no field for
/// (`shmsize` there is 32 bits), appended to a `/build` request's URI.
pub fn extra_build_query(shm_size: Option<i64>, ulimits: &[Ulimit]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(n) = shm_size {
        out.push(("shmsize".to_string(), n.to_string()));
    }
    if !ulimits.is_empty() {
        out.push((
            "ulimits".to_string(),
            serde_json::to_string(ulimits).unwrap_or_default(),
        ));
    }
    out
}

/// Appends `query` to the URI of a `/build` request; other requests pass
/// unchanged.
pub fn with_query(
    mut req: bollard::BollardRequest,
    query: &[(String, String)],
) -> bollard::BollardRequest {
    if query.is_empty() || !req.uri().path().ends_with("/build") {
        return req;
    }
    let mut uri = req.uri().to_string();
    for (k, v) in query {
        let v = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&format!("{k}={v}"));
    }
    if let Ok(u) = uri.parse() {
        *req.uri_mut() = u;
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_docker_reads_them() {
        for (text, want) in [
            ("2048", 2048),
            ("64m", 64 << 20),
            ("64M", 64 << 20),
            ("64mb", 64 << 20),
            ("64MiB", 64 << 20),
            ("1.5g", 3 << 29),
            ("512 kb", 512 << 10),
            ("3b", 3),
            ("4t", 4 << 40),
        ] {
            assert_eq!(parse_mem_bytes(text), Ok(want), "{text}");
        }
        for bad in ["", "m", "64x", "64mm", "64mib2", "-1m", "64 mbx", "sixty"] {
            assert!(parse_mem_bytes(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_shm_size("lots").unwrap_err(),
            "invalid value lots for membytes key shm-size: invalid size: 'lots'"
        );
    }

    #[test]
    fn ulimits_read_as_docker_reads_them() {
        let u = |name: &str, soft, hard| Ulimit {
            name: name.to_string(),
            soft,
            hard,
        };
        assert_eq!(
            parse_ulimit("nofile=1024:2048"),
            Ok(u("nofile", 1024, 2048))
        );
        assert_eq!(parse_ulimit("nproc=512"), Ok(u("nproc", 512, 512)));
        assert_eq!(parse_ulimit("core=-1:-1"), Ok(u("core", -1, -1)));
        assert_eq!(parse_ulimit("core=0:-1"), Ok(u("core", 0, -1)));
        for (bad, why) in [
            ("nofile", "invalid ulimit argument"),
            ("as=1", "invalid ulimit type: as"),
            ("nofile=a", "not a whole number"),
            ("nofile=1:2:3", "too many limit value arguments"),
            ("nofile=20:10", "20 > 10"),
            ("nofile=-1:10", "soft: -1 (unlimited)"),
        ] {
            let e = parse_ulimit(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        // A later entry of a name replaces the earlier; sorted by name.
        let list = ["nproc=1", "nofile=5:6", "nproc=2:3"].map(String::from);
        assert_eq!(
            parse_ulimits(&list),
            Ok(vec![u("nofile", 5, 6), u("nproc", 2, 3)])
        );
    }

    #[test]
    fn the_extra_parameters_reach_only_build_requests() {
        let query = extra_build_query(Some(1 << 33), &[parse_ulimit("nofile=5:6").unwrap()]);
        assert_eq!(
            query,
            vec![
                ("shmsize".to_string(), "8589934592".to_string()),
                (
                    "ulimits".to_string(),
                    r#"[{"Name":"nofile","Hard":6,"Soft":5}]"#.to_string()
                ),
            ]
        );
        let req = |uri: &str| {
            http::Request::builder()
                .uri(uri)
                .body(bollard::body_full(bytes::Bytes::new()))
                .unwrap()
        };
        let built = with_query(req("http://localhost/v1.41/build?t=a"), &query);
        assert_eq!(
            built.uri().to_string(),
            "http://localhost/v1.41/build?t=a&shmsize=8589934592&ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Hard%22%3A6%2C%22Soft%22%3A5%7D%5D"
        );
        let other = with_query(req("http://localhost/v1.41/images/json"), &query);
        assert_eq!(
            other.uri().to_string(),
            "http://localhost/v1.41/images/json"
        );
    }
}
