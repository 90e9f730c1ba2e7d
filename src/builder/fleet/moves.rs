//! Images between nodes, by the engine's and the registry's own means:
//!
//! - direct: `GET /images/{id}/get` on one engine streamed into
//!   `POST /images/load` on the other, chunk by chunk (never whole in memory
//!   or on disk);
//! - registry: the source pushes (with the registry's credentials), the
//!   target pulls by the digest the push produced.
//!
//! Either way the image keeps its ID (a content address), and the target is
//! tagged with the image's tags only once it holds the image.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;

use crate::builder::credentials::{self, Credentials};
use crate::builder::daemon::Daemon;
use crate::builder::progress::Emitter;

/// How images move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transfer {
    /// Engine export streamed into engine load.
    Direct,
    /// Push to the fleet's registry, pull on the target.
    Registry,
}

impl Transfer {
    /// The default when a registry is configured: direct, measured faster
    /// (`bench/fleet.rs`, docs/fleet.md): the export stream is the image's
    /// layers once, while a registry move compresses each layer, uploads it
    /// and downloads and unpacks it again.
    pub const DEFAULT: Transfer = Transfer::Direct;

    pub fn parse(s: &str) -> Option<Transfer> {
        match s {
            "direct" => Some(Transfer::Direct),
            "registry" => Some(Transfer::Registry),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Transfer::Direct => "direct",
            Transfer::Registry => "registry",
        }
    }
}

/// Streams `image_id` from `from` into `to`; the bytes moved.
pub async fn direct(from: &Daemon, to: &Daemon, image_id: &str) -> Result<u64, String> {
    if !crate::builder::daemon::is_image_id(image_id) {
        return Err(format!("not an image ID: {image_id:?}"));
    }
    let moved = Arc::new(AtomicU64::new(0));
    let counter = moved.clone();
    let export = from.build_docker.export_image(image_id).map(move |chunk| {
        if let Ok(b) = &chunk {
            counter.fetch_add(b.len() as u64, Ordering::Relaxed);
        }
        chunk
    });
    let opts = bollard::query_parameters::ImportImageOptionsBuilder::default()
        .quiet(true)
        .build();
    let mut load = to.build_docker.import_image_stream(opts, export, None);
    while let Some(item) = load.next().await {
        match item {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    return Err(format!("the target engine refused the image: {e}"));
                }
            }
            Err(e) => {
                return Err(crate::builder::daemon::describe_transport_error(&e));
            }
        }
    }
    held(to, image_id).await?;
    Ok(moved.load(Ordering::Relaxed))
}

async fn held(to: &Daemon, image_id: &str) -> Result<(), String> {
    match to.inspect_image(image_id).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!(
            "the target engine does not hold {image_id} after the move"
        )),
        Err(e) => Err(crate::builder::daemon::describe_transport_error(&e)),
    }
}

/// `repo/name` as a registry repository component: lower case, runs of
/// other characters turned into `-`.
pub fn repository_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "image".to_string()
    } else {
        out
    }
}

/// The fleet registry's reference for a job's image: `REGISTRY/NAME:cache`
/// (the newest build of it, and its layer cache).
pub fn cache_reference(registry: &str, name: &str) -> String {
    format!("{registry}/{}:cache", repository_name(name))
}

/// Tags `image_id` as `reference` on `daemon` and pushes it; returns the
/// `repo@digest` the registry now serves it by.
pub async fn publish(
    daemon: &Daemon,
    creds: &Arc<Credentials>,
    image_id: &str,
    reference: &str,
    emit: &Emitter,
) -> Result<String, String> {
    daemon
        .tag(image_id, reference)
        .await
        .map_err(|e| format!("cannot tag `{reference}`: {e}"))?;
    crate::builder::push::push_all(
        daemon,
        creds,
        image_id,
        std::slice::from_ref(&reference.to_string()),
        true,
        emit,
    )
    .await
    .map_err(|f| f.describe(std::slice::from_ref(&reference.to_string())))?;
    let (repo, _) = crate::builder::push::split_tag(reference);
    let digests = daemon
        .docker
        .inspect_image(image_id)
        .await
        .map_err(|e| crate::builder::daemon::describe_transport_error(&e))?
        .repo_digests
        .unwrap_or_default();
    digests
        .into_iter()
        .find(|d| d.split_once('@').is_some_and(|(r, _)| r == repo))
        .ok_or_else(|| format!("the engine recorded no digest for `{reference}` after pushing it"))
}

/// Pulls `pinned` (`repo@sha256:...`) into `to` and checks it is `image_id`.
pub async fn pull(
    to: &Daemon,
    creds: &Arc<Credentials>,
    pinned: &str,
    image_id: &str,
) -> Result<(), String> {
    let host = credentials::registry_host(pinned);
    let c = creds.clone();
    let auth = tokio::task::spawn_blocking(move || c.lookup(&host))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?
        .map(|c| c.0);
    let opts = bollard::query_parameters::CreateImageOptionsBuilder::default()
        .from_image(pinned)
        .build();
    let mut stream = to.build_docker.create_image(Some(opts), None, auth);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(e) = info.error_detail.and_then(|d| d.message) {
                    return Err(format!("cannot pull `{pinned}`: {e}"));
                }
            }
            Err(e) => {
                return Err(format!(
                    "cannot pull `{pinned}`: {}",
                    crate::builder::daemon::describe_transport_error(&e)
                ))
            }
        }
    }
    held(to, image_id).await
}

/// Moves `image_id` from `from` to `to` through the registry: published
/// under `reference` (skipped when the registry holds it already), pulled
/// by digest.
pub async fn by_registry(
    from: &Daemon,
    to: &Daemon,
    creds: &Arc<Credentials>,
    image_id: &str,
    reference: &str,
    emit: &Emitter,
) -> Result<(), String> {
    let pinned = publish(from, creds, image_id, reference, emit).await?;
    pull(to, creds, &pinned, image_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_follow_the_registry_grammar() {
        assert_eq!(repository_name("web"), "web");
        assert_eq!(repository_name("Api_Server.v2"), "api-server-v2");
        assert_eq!(repository_name("__"), "image");
        assert_eq!(
            cache_reference("127.0.0.1:5000/ci", "web"),
            "127.0.0.1:5000/ci/web:cache"
        );
        assert_eq!(Transfer::parse("registry"), Some(Transfer::Registry));
        assert_eq!(Transfer::parse("scp"), None);
    }
}
