//! `--cache-from` / `--cache-to` (and compose `cache_from` / `cache_to`),
//! spelled as buildx spells them, checked against what the daemon's own
//! builders can serve before anything is sent.
//!
//! The Engine API's `/build` imports cache from images only (`cachefrom`:
//! BuildKit reads their inline cache metadata, the classic builder their
//! layer history) and exports only inline cache (BuildKit, through the
//! `BUILDKIT_INLINE_CACHE` build arg, as `docker build --cache-to
//! type=inline` does). Every other type needs a BuildKit builder of its own
//! (buildx's docker-container driver).

/// A cache source: an image reference.
pub fn parse_cache_from(spec: &str) -> Result<String, String> {
    let spec = spec.trim();
    if !spec.contains('=') {
        return if spec.is_empty() {
            Err("an empty --cache-from".to_string())
        } else {
            Ok(spec.to_string())
        };
    }
    let fields = fields(spec)?;
    let kind = get(&fields, "type").unwrap_or("registry");
    match kind {
        "registry" => get(&fields, "ref")
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("`--cache-from {spec}` names no image: add `ref=IMAGE`")),
        other => Err(unsupported("--cache-from", spec, other)),
    }
}

/// A cache export: only `type=inline` can be served.
pub fn parse_cache_to(spec: &str) -> Result<(), String> {
    let spec = spec.trim();
    if !spec.contains('=') {
        // buildx reads a bare reference as `type=registry,ref=...`.
        return Err(unsupported("--cache-to", spec, "registry"));
    }
    let fields = fields(spec)?;
    match get(&fields, "type").unwrap_or("registry") {
        "inline" => Ok(()),
        other => Err(unsupported("--cache-to", spec, other)),
    }
}

fn fields(spec: &str) -> Result<Vec<(&str, &str)>, String> {
    spec.split(',')
        .map(|f| {
            f.split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| {
                    format!("invalid cache option `{f}` in `{spec}`: expected KEY=VALUE")
                })
        })
        .collect()
}

fn get<'a>(fields: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn unsupported(flag: &str, spec: &str, kind: &str) -> String {
    let instead = if flag == "--cache-to" {
        "push the image with `--cache-to type=inline --push` and name it in `--cache-from` next time"
    } else {
        "name an image pushed with inline cache (`--cache-from IMAGE`)"
    };
    format!(
        "`{flag} {spec}`: the daemon's builders cannot serve `type={kind}` cache (only cache in images: \
         `--cache-from IMAGE`, `--cache-to type=inline`; other types need a BuildKit builder of its own, \
         `docker buildx create`); {instead}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sources_are_images() {
        assert_eq!(
            parse_cache_from("r:5000/app:cache").unwrap(),
            "r:5000/app:cache"
        );
        assert_eq!(
            parse_cache_from("type=registry,ref=r:5000/app:1").unwrap(),
            "r:5000/app:1"
        );
        assert!(parse_cache_from("type=registry")
            .unwrap_err()
            .contains("ref=IMAGE"));
        let e = parse_cache_from("type=local,src=/tmp/c").unwrap_err();
        assert!(e.contains("`type=local`"), "{e}");
        assert!(parse_cache_from("type=gha").is_err());
    }

    #[test]
    fn only_inline_cache_is_exported() {
        assert_eq!(parse_cache_to("type=inline"), Ok(()));
        let e = parse_cache_to("r:5000/app:cache").unwrap_err();
        assert!(e.contains("`type=registry`"), "{e}");
        assert!(parse_cache_to("type=registry,ref=r/app:c,mode=max").is_err());
        assert!(parse_cache_to("type=local,dest=/tmp/c").is_err());
        assert!(parse_cache_to("type").is_err());
    }
}
