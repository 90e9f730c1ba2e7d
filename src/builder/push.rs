//! `--push`: every tag of a built image pushed through the daemon, with the
//! registry's credentials in `X-Registry-Auth`, after the build and tagging
//! succeeded. A tag whose registry already holds this very image (the
//! manifest digest the daemon recorded when it last pushed it) is skipped.

use std::sync::Arc;

use futures_util::StreamExt;

use super::credentials::{self, Credentials};
use super::daemon::Daemon;
use super::progress::{Emitter, Event};

/// Why a push stopped: what was pushed before, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushFailure {
    pub pushed: Vec<String>,
    pub failed: String,
    pub message: String,
    /// The registry refused us for want of credentials.
    pub auth: bool,
}

impl PushFailure {
    /// One paragraph: which tag failed and why, which were pushed.
    pub fn describe(&self, all: &[String]) -> String {
        let not: Vec<&str> = all
            .iter()
            .filter(|t| !self.pushed.contains(t))
            .map(String::as_str)
            .collect();
        let pushed = if self.pushed.is_empty() {
            "no tag was pushed".to_string()
        } else {
            format!("pushed: {}", self.pushed.join(", "))
        };
        format!(
            "cannot push `{}`: {}; the image was built and tagged locally; {pushed}; not pushed: {}",
            self.failed,
            self.message,
            not.join(", ")
        )
    }
}

/// `host/repo:tag` → (`host/repo`, `tag`); `latest` when none.
pub fn split_tag(reference: &str) -> (&str, &str) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (&reference[..slash + i], &reference[slash + i + 1..]),
        None => (reference, "latest"),
    }
}

async fn credential_for(
    creds: &Arc<Credentials>,
    tag: &str,
) -> Result<(String, Option<bollard::auth::DockerCredentials>), String> {
    let host = credentials::registry_host(tag);
    let c = creds.clone();
    let h = host.clone();
    let found = tokio::task::spawn_blocking(move || c.lookup(&h))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok((host, found.map(|c| c.0)))
}

/// Whether the registry holds `image_id` under `tag` already: the manifest
/// digest the registry answers for the tag is one the daemon recorded for
/// this image (its RepoDigests, written when it pushed or pulled it).
pub async fn in_registry(
    daemon: &Daemon,
    creds: &Arc<Credentials>,
    image_id: &str,
    tag: &str,
) -> bool {
    let Ok(local) = daemon.docker.inspect_image(image_id).await else {
        return false;
    };
    let (repo, _) = split_tag(tag);
    let Ok((_, auth)) = credential_for(creds, tag).await else {
        return false;
    };
    let Ok(remote) = daemon.docker.inspect_registry_image(tag, auth).await else {
        return false;
    };
    let Some(digest) = remote.descriptor.digest else {
        return false;
    };
    let want = format!("{repo}@{digest}");
    local.repo_digests.unwrap_or_default().contains(&want)
}

/// Pushes every tag in order; stops at the first failure. `skip_present`:
/// a tag the registry already holds for this image is not pushed again.
pub async fn push_all(
    daemon: &Daemon,
    creds: &Arc<Credentials>,
    image_id: &str,
    tags: &[String],
    skip_present: bool,
    emit: &Emitter,
) -> Result<Vec<String>, PushFailure> {
    let mut pushed = Vec::new();
    for tag in tags {
        let fail = |message: String, auth: bool, pushed: &Vec<String>| PushFailure {
            pushed: pushed.clone(),
            failed: tag.clone(),
            message,
            auth,
        };
        if skip_present && in_registry(daemon, creds, image_id, tag).await {
            emit.send(Event::Push {
                job: emit.job(),
                tag: tag.clone(),
                status: "skipped: the registry has this image under this tag".to_string(),
                current: None,
                total: None,
            });
            continue;
        }
        let (host, auth) = match credential_for(creds, tag).await {
            Ok(found) => found,
            Err(e) => return Err(fail(e, false, &pushed)),
        };
        let had = auth.is_some();
        let (repo, t) = split_tag(tag);
        let opts = bollard::query_parameters::PushImageOptionsBuilder::default()
            .tag(t)
            .build();
        let mut stream = daemon.build_docker.push_image(repo, Some(opts), auth);
        let mut last_status = String::new();
        let mut done = false;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        let auth = credentials::is_auth_failure(&e);
                        let msg = if auth {
                            credentials::login_hint(&host, had, creds.config_file().as_deref())
                        } else {
                            e
                        };
                        return Err(fail(msg, auth, &pushed));
                    }
                    let status = info.status.unwrap_or_default();
                    let (current, total) = info
                        .progress_detail
                        .map(|p| (p.current.map(|c| c as u64), p.total.map(|t| t as u64)))
                        .unwrap_or((None, None));
                    // The last line names the digest: `TAG: digest: sha256:... size: N`.
                    if let Some(rest) = status.split_once(": digest: ").map(|(_, r)| r) {
                        done = true;
                        emit.send(Event::Push {
                            job: emit.job(),
                            tag: tag.clone(),
                            status: format!("pushed {}", rest.split(' ').next().unwrap_or(rest)),
                            current: None,
                            total: None,
                        });
                        continue;
                    }
                    // Byte counts within one state are not repeated.
                    if status != last_status && !status.is_empty() {
                        last_status = status.clone();
                        emit.send(Event::Push {
                            job: emit.job(),
                            tag: tag.clone(),
                            status,
                            current,
                            total,
                        });
                    }
                }
                Err(e) => {
                    let text = match e {
                        bollard::errors::Error::DockerStreamError { error } => error,
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message
                        }
                        other => other.to_string(),
                    };
                    let auth = credentials::is_auth_failure(&text);
                    let msg = if auth {
                        credentials::login_hint(&host, had, creds.config_file().as_deref())
                    } else {
                        text
                    };
                    return Err(fail(msg, auth, &pushed));
                }
            }
        }
        if !done {
            return Err(fail(
                "the daemon ended the push without naming a digest".to_string(),
                false,
                &pushed,
            ));
        }
        pushed.push(tag.clone());
    }
    Ok(pushed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_after_the_last_slash() {
        assert_eq!(
            split_tag("127.0.0.1:5000/a/b:1"),
            ("127.0.0.1:5000/a/b", "1")
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/a"),
            ("127.0.0.1:5000/a", "latest")
        );
        assert_eq!(split_tag("app:dev"), ("app", "dev"));
    }

    #[test]
    fn a_partial_push_names_what_went_and_what_did_not() {
        let f = PushFailure {
            pushed: vec!["r/a:1".into()],
            failed: "r/a:2".into(),
            message: "denied".into(),
            auth: false,
        };
        let all = [
            "r/a:1".to_string(),
            "r/a:2".to_string(),
            "r/a:3".to_string(),
        ];
        let text = f.describe(&all);
        assert!(text.contains("pushed: r/a:1;"), "{text}");
        assert!(text.contains("not pushed: r/a:2, r/a:3"), "{text}");
    }
}
