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

/// One message of a push, from either stream.
struct Message {
    /// The layer (a short ID); bollard's stream does not carry it.
    id: Option<String>,
    status: String,
    current: Option<u64>,
    total: Option<u64>,
    error: Option<String>,
}

impl Message {
    fn from_json(v: &serde_json::Value) -> Message {
        let detail = |k: &str| v["progressDetail"][k].as_u64();
        Message {
            id: v["id"].as_str().map(str::to_string),
            status: v["status"].as_str().unwrap_or("").to_string(),
            current: detail("current"),
            total: detail("total"),
            error: v["errorDetail"]["message"]
                .as_str()
                .or(v["error"].as_str())
                .map(str::to_string),
        }
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
                layer: None,
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
        let refused = |text: String, pushed: &Vec<String>| {
            let auth = credentials::is_auth_failure(&text);
            let msg = if auth {
                credentials::login_hint(&host, had, creds.config_file().as_deref())
            } else {
                text
            };
            fail(msg, auth, pushed)
        };
        let mut done = false;
        let mut last: std::collections::HashMap<Option<String>, String> = Default::default();
        let mut handle = |m: Message| -> Result<(), String> {
            if let Some(e) = m.error {
                return Err(e);
            }
            // The last line names the digest: `TAG: digest: sha256:... size: N`.
            if let Some(rest) = m.status.split_once(": digest: ").map(|(_, r)| r) {
                done = true;
                emit.send(Event::Push {
                    job: emit.job(),
                    tag: tag.clone(),
                    layer: None,
                    status: format!("pushed {}", rest.split(' ').next().unwrap_or(rest)),
                    current: None,
                    total: None,
                });
                return Ok(());
            }
            // Byte counts within one state are not repeated.
            if m.status.is_empty() || last.get(&m.id) == Some(&m.status) {
                return Ok(());
            }
            last.insert(m.id.clone(), m.status.clone());
            emit.send(Event::Push {
                job: emit.job(),
                tag: tag.clone(),
                layer: m.id,
                status: m.status,
                current: m.current,
                total: m.total,
            });
            Ok(())
        };
        match raw::start(&daemon.endpoint, repo, t, auth.as_ref()).await {
            Some(Ok(mut messages)) => loop {
                emit.room().await;
                match messages.next().await {
                    Ok(Some(v)) => {
                        if let Err(e) = handle(Message::from_json(&v)) {
                            return Err(refused(e, &pushed));
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(refused(e, &pushed)),
                }
            },
            Some(Err(e)) => return Err(refused(e, &pushed)),
            None => {
                let opts = bollard::query_parameters::PushImageOptionsBuilder::default()
                    .tag(t)
                    .build();
                let mut stream = daemon
                    .build_docker
                    .push_image(repo, Some(opts), auth.clone());
                while let Some(item) = {
                    emit.room().await;
                    stream.next().await
                } {
                    let m = match item {
                        Ok(info) => Message {
                            id: None,
                            status: info.status.unwrap_or_default(),
                            current: info
                                .progress_detail
                                .as_ref()
                                .and_then(|p| p.current.map(|c| c as u64)),
                            total: info
                                .progress_detail
                                .as_ref()
                                .and_then(|p| p.total.map(|t| t as u64)),
                            error: info.error_detail.and_then(|d| d.message),
                        },
                        Err(e) => {
                            let text = match e {
                                bollard::errors::Error::DockerStreamError { error } => error,
                                bollard::errors::Error::DockerResponseServerError {
                                    message,
                                    ..
                                } => message,
                                other => other.to_string(),
                            };
                            return Err(refused(text, &pushed));
                        }
                    };
                    if let Err(e) = handle(m) {
                        return Err(refused(e, &pushed));
                    }
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

/// The daemon's push messages with their layer IDs, which bollard's typed
/// push stream drops: one HTTP/1.1 request on a connection of our own to a
/// unix socket or a plain tcp endpoint (`None` for TLS and ssh endpoints,
/// which push through bollard, without layer IDs).
mod raw {
    use tokio::io::{
        AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
    };

    use crate::builder::daemon::endpoint::{Endpoint, Transport};
    use crate::builder::daemon::transport::MAX_REPLY;
    use crate::builder::daemon::MIN_API;

    /// A line of the answer's head or of its chunk framing: short in any
    /// real answer.
    const MAX_HEAD_LINE: u64 = 16 << 10;

    fn too_long() -> String {
        format!(
            "the daemon's reply is larger than {} MiB; is the endpoint a Docker daemon?",
            MAX_REPLY >> 20
        )
    }

    /// `read_line`, refusing a line longer than [`MAX_HEAD_LINE`].
    async fn read_head_line(
        body: &mut BufReader<Box<dyn Io>>,
        line: &mut String,
    ) -> Result<usize, String> {
        let n = body
            .take(MAX_HEAD_LINE)
            .read_line(line)
            .await
            .map_err(|e| e.to_string())?;
        if n as u64 >= MAX_HEAD_LINE && !line.ends_with('\n') {
            return Err(too_long());
        }
        Ok(n)
    }

    pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
    impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

    /// Reads the push's JSON messages as they come.
    pub struct Messages {
        body: BufReader<Box<dyn Io>>,
        chunked: bool,
        /// Bytes left in the current chunk.
        left: usize,
        pending: Vec<u8>,
        /// How much of `pending` holds no newline.
        scanned: usize,
        done: bool,
    }

    /// `X-Registry-Auth` as the docker CLI writes it: base64url of the JSON.
    fn auth_header(auth: Option<&bollard::auth::DockerCredentials>) -> String {
        use base64::Engine;
        let json = serde_json::to_vec(&auth.cloned().unwrap_or_default()).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE.encode(json)
    }

    pub async fn start(
        endpoint: &Endpoint,
        repo: &str,
        tag: &str,
        auth: Option<&bollard::auth::DockerCredentials>,
    ) -> Option<Result<Messages, String>> {
        let io: Box<dyn Io> = match &endpoint.transport {
            Transport::Unix(p) => match tokio::net::UnixStream::connect(p).await {
                Ok(s) => Box::new(s),
                Err(e) => return Some(Err(e.to_string())),
            },
            Transport::Tcp(hp) if endpoint.tls.is_none() => {
                match tokio::net::TcpStream::connect(hp.as_str()).await {
                    Ok(s) => Box::new(s),
                    Err(e) => return Some(Err(e.to_string())),
                }
            }
            _ => return None,
        };
        Some(open(io, repo, tag, auth).await)
    }

    async fn open(
        mut io: Box<dyn Io>,
        repo: &str,
        tag: &str,
        auth: Option<&bollard::auth::DockerCredentials>,
    ) -> Result<Messages, String> {
        let tag: String =
            percent_encoding::utf8_percent_encode(tag, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let head = format!(
            "POST /v{}.{}/images/{repo}/push?tag={tag} HTTP/1.1\r\nHost: docker\r\n\
             User-Agent: buildlint/{}\r\nX-Registry-Auth: {}\r\nContent-Type: application/json\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            MIN_API.0,
            MIN_API.1,
            env!("CARGO_PKG_VERSION"),
            auth_header(auth)
        );
        io.write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut body = BufReader::new(io);
        let mut status = String::new();
        read_head_line(&mut body, &mut status).await?;
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("the daemon answered `{}`", status.trim()))?;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if read_head_line(&mut body, &mut line).await? == 0 {
                break;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("transfer-encoding")
                    && v.trim().eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut messages = Messages {
            body,
            chunked,
            left: 0,
            pending: Vec::new(),
            scanned: 0,
            done: false,
        };
        if code != 200 {
            let mut text = Vec::new();
            while let Some(chunk) = messages.read_some().await? {
                text.extend_from_slice(&chunk);
                if text.len() as u64 > MAX_REPLY {
                    return Err(too_long());
                }
            }
            let text = String::from_utf8_lossy(&text);
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.trim().to_string());
            return Err(message);
        }
        Ok(messages)
    }

    impl Messages {
        /// The next bytes of the body, `None` at its end.
        async fn read_some(&mut self) -> Result<Option<Vec<u8>>, String> {
            if self.done {
                return Ok(None);
            }
            if !self.chunked {
                let mut buf = vec![0u8; 16 * 1024];
                let n = self.body.read(&mut buf).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    self.done = true;
                    return Ok(None);
                }
                buf.truncate(n);
                return Ok(Some(buf));
            }
            if self.left == 0 {
                let mut size = String::new();
                read_head_line(&mut self.body, &mut size).await?;
                let size = size.trim();
                if size.is_empty() {
                    // The CRLF after a chunk's data.
                    let mut again = String::new();
                    read_head_line(&mut self.body, &mut again).await?;
                    return self.chunk_size(again.trim()).await;
                }
                return self.chunk_size(size).await;
            }
            self.read_chunk().await
        }

        async fn chunk_size(&mut self, size: &str) -> Result<Option<Vec<u8>>, String> {
            let n = usize::from_str_radix(size.split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("a broken chunked answer (`{size}`)"))?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            self.left = n;
            self.read_chunk().await
        }

        async fn read_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
            let mut buf = vec![0u8; self.left.min(16 * 1024)];
            let n = self.body.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the daemon ended the push mid-answer".to_string());
            }
            buf.truncate(n);
            self.left -= n;
            Ok(Some(buf))
        }

        /// The next JSON message, `None` at the end.
        pub async fn next(&mut self) -> Result<Option<serde_json::Value>, String> {
            loop {
                // Only the bytes not yet looked at: a long line costs one
                // pass, not one per read.
                let from = self.scanned;
                let newline = memchr::memchr(b'\n', &self.pending[from..]).map(|p| from + p);
                self.scanned = self.pending.len();
                if let Some(pos) = newline {
                    let line: Vec<u8> = self.pending.drain(..=pos).collect();
                    self.scanned = 0;
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    return serde_json::from_str(text)
                        .map(Some)
                        .map_err(|e| format!("the daemon sent `{text}`: {e}"));
                }
                match self.read_some().await? {
                    Some(bytes) => {
                        self.pending.extend_from_slice(&bytes);
                        if self.pending.len() as u64 > MAX_REPLY {
                            return Err(too_long());
                        }
                    }
                    None => {
                        let rest = std::mem::take(&mut self.pending);
                        let text = String::from_utf8_lossy(&rest);
                        let text = text.trim();
                        if text.is_empty() {
                            return Ok(None);
                        }
                        return serde_json::from_str(text)
                            .map(Some)
                            .map_err(|e| format!("the daemon sent `{text}`: {e}"));
                    }
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Writes `head` then `unit` until the reader goes away; returns
        /// the bytes written.
        fn endless(
            head: &'static str,
            unit: &'static [u8],
        ) -> (Box<dyn Io>, tokio::task::JoinHandle<u64>) {
            let (ours, mut theirs) = tokio::io::duplex(64 << 10);
            let writer = tokio::spawn(async move {
                let mut n = 0u64;
                if theirs.write_all(head.as_bytes()).await.is_err() {
                    return n;
                }
                while theirs.write_all(unit).await.is_ok() {
                    n += unit.len() as u64;
                    if n > 4 * MAX_REPLY {
                        break;
                    }
                }
                n
            });
            (Box::new(ours), writer)
        }

        /// An answer whose head or error body never ends is cut off at the
        /// caps, with the message the other daemon replies give.
        #[tokio::test]
        async fn endless_heads_and_error_bodies_are_cut_off() {
            let cases: [(&'static str, &'static [u8]); 3] = [
                ("HTTP/1.1 200 ", b"xxxxxxxxxxxxxxxx"),
                ("HTTP/1.1 200 OK\r\nX-Long: ", b"xxxxxxxxxxxxxxxx"),
                (
                    "HTTP/1.1 500 X\r\nContent-Type: application/json\r\n\r\n",
                    b"{\"message\":\"aaaaaaaa",
                ),
            ];
            for (head, unit) in cases {
                let (io, writer) = endless(head, unit);
                let err = match open(io, "r/app", "1", None).await {
                    Err(e) => e,
                    Ok(_) => panic!("{head:?} was accepted"),
                };
                assert!(err.contains("larger than 8 MiB"), "{head:?}: {err}");
                let written = writer.await.unwrap();
                assert!(written <= MAX_REPLY + (128 << 10), "{head:?}: {written}");
            }
        }

        #[tokio::test]
        async fn an_endless_message_line_is_cut_off() {
            let (io, writer) = endless("HTTP/1.1 200 OK\r\n\r\n", b"{\"status\":\"aaaaaaaa");
            let mut messages = open(io, "r/app", "1", None).await.unwrap();
            let err = messages.next().await.unwrap_err();
            assert!(err.contains("larger than 8 MiB"), "{err}");
            drop(messages);
            assert!(writer.await.unwrap() <= MAX_REPLY + (128 << 10));
        }
    }
}
