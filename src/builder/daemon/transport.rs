//! How requests reach the daemon: each on a connection of its own, read
//! through a cap. A reply is data from a process buildlint does not control,
//! and bollard reads a whole reply (a version, an inspect, the body of any
//! error) into memory before looking at it: an endpoint that answers with an
//! endless body would take all the memory there is.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bollard::{BollardRequest, ClientVersion, Docker};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::endpoint::{Endpoint, Transport};

/// The most a reply read whole may hold, its head included. The largest
/// real ones (an inspect of an image with many layers and labels) are tens
/// of kilobytes.
pub const MAX_REPLY: u64 = 8 << 20;

/// The longest message a successful stream may send without a line end.
/// bollard decodes a stream line by line and holds a line until its end
/// comes; real messages (a BuildKit status, a progress line) are far
/// shorter.
pub const MAX_STREAM_LINE: u64 = 16 << 20;

/// Which replies the cap applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Every reply is read whole (version, inspect, tag).
    Whole,
    /// A successful reply is a stream of progress messages that may run for
    /// hours (build, push, import), bounded line by line by the reader; a
    /// refusal is read whole, so it is capped.
    Stream,
}

/// A bollard client whose requests go through [`dial`] and the cap.
pub fn docker(
    endpoint: &Endpoint,
    dial: Dial,
    reading: Reading,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    let dial = Arc::new(dial);
    let endpoint_host = Arc::new(endpoint.host.clone());
    let host = match &endpoint.transport {
        Transport::Tcp(hostport) => hostport.clone(),
        _ => "docker".to_string(),
    };
    let host = http::HeaderValue::from_str(&host)
        .unwrap_or_else(|_| http::HeaderValue::from_static("docker"));
    let transport = move |req: BollardRequest| {
        let dial = dial.clone();
        let host = host.clone();
        let endpoint_host = endpoint_host.clone();
        async move { send(&dial, reading, host, endpoint_host, req).await }
    };
    Docker::connect_with_custom_transport(transport, Some("http://docker"), timeout_secs, version)
}

async fn send(
    dial: &Dial,
    reading: Reading,
    host: http::HeaderValue,
    endpoint_host: Arc<String>,
    mut req: BollardRequest,
) -> Result<http::Response<hyper::body::Incoming>, bollard::errors::Error> {
    // An image export is a tar, not lines: only its size bounds it, and
    // it is streamed, never held.
    let lines = reading == Reading::Stream && !req.uri().path().ends_with("/get");
    let mut io = Capped::new(dial.connect().await?, reading, lines);
    io.endpoint_host = endpoint_host;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    // Drives the connection until the reply has been read; it ends with
    // the reply, as nothing else is ever sent on it.
    tokio::spawn(connection);
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    *req.uri_mut() = target.parse()?;
    req.headers_mut().entry(http::header::HOST).or_insert(host);
    Ok(sender.send_request(req).await?)
}

/// How to open a connection to the daemon.
pub enum Dial {
    Unix(PathBuf),
    Tcp(String),
    #[cfg(feature = "tls")]
    Tls {
        hostport: String,
        name: rustls::pki_types::ServerName<'static>,
        connector: tokio_rustls::TlsConnector,
    },
}

trait Connection: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Connection for T {}

impl Dial {
    async fn connect(&self) -> io::Result<Box<dyn Connection>> {
        Ok(match self {
            Dial::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
            Dial::Tcp(hostport) => Box::new(tokio::net::TcpStream::connect(hostport).await?),
            #[cfg(feature = "tls")]
            Dial::Tls {
                hostport,
                name,
                connector,
            } => {
                let tcp = tokio::net::TcpStream::connect(hostport).await?;
                Box::new(connector.connect(name.clone(), tcp).await?)
            }
        })
    }
}

/// A connection whose reply is cut off past [`MAX_REPLY`] bytes, where
/// `reading` says it must be, and whose successful stream may not send a
/// message longer than [`MAX_STREAM_LINE`].
struct Capped {
    inner: Box<dyn Connection>,
    read: u64,
    /// The status line's first bytes, until the status is known.
    head: Vec<u8>,
    capped: Option<bool>,
    /// Where the reply's body is, for the line cap; `None` when lines are
    /// not capped.
    body: Option<Body>,
    /// The endpoint's address, as a refusal is kept under it.
    endpoint_host: Arc<String>,
}

/// Why a stream was cut off, by endpoint: bollard turns the error of a
/// stream into the text of hyper's outermost error ("error reading a body
/// from connection") before it reaches the build, so the reason is kept
/// here for the build's report.
static REFUSALS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// The reason a stream from `endpoint_host` was last cut off, taken.
pub fn take_refusal(endpoint_host: &str) -> Option<String> {
    let mut refusals = REFUSALS.lock().ok()?;
    let at = refusals.iter().rposition(|(h, _)| h == endpoint_host)?;
    Some(refusals.remove(at).1)
}

fn refuse(endpoint_host: &str, message: String) -> io::Error {
    if let Ok(mut refusals) = REFUSALS.lock() {
        refusals.retain(|(h, _)| h != endpoint_host);
        refusals.push((endpoint_host.to_string(), message.clone()));
    }
    io::Error::other(message)
}

impl Capped {
    fn new(inner: Box<dyn Connection>, reading: Reading, lines: bool) -> Capped {
        Capped {
            inner,
            read: 0,
            head: Vec::new(),
            capped: (reading == Reading::Whole).then_some(true),
            body: lines.then(Body::default),
            endpoint_host: Arc::new(String::new()),
        }
    }

    /// Reads the status (`HTTP/1.1 200`) from the first bytes: a stream is
    /// capped unless it is a success.
    fn learn_status(&mut self, bytes: &[u8]) {
        if self.capped.is_some() {
            return;
        }
        let want = 12 - self.head.len().min(12);
        self.head.extend_from_slice(&bytes[..bytes.len().min(want)]);
        if self.head.len() >= 12 {
            let success = self.head.get(9) == Some(&b'2');
            self.capped = Some(!success);
        }
    }
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.capped == Some(true) && this.read >= MAX_REPLY {
            return Poll::Ready(Err(io::Error::other(format!(
                "the daemon's reply is larger than {} MiB; is the endpoint a Docker daemon?",
                MAX_REPLY >> 20
            ))));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let new = &buf.filled()[before..];
            this.read += new.len() as u64;
            this.learn_status(new);
            if let Some(body) = &mut this.body {
                if body.feed(new).is_err() {
                    return Poll::Ready(Err(refuse(
                        &this.endpoint_host,
                        format!(
                            "the daemon sent a message of more than {} MiB without a line end; is the endpoint a Docker daemon?",
                            MAX_STREAM_LINE >> 20
                        ),
                    )));
                }
            }
        }
        poll
    }
}

/// Follows an HTTP/1.1 reply byte by byte (head, then a chunked or plain
/// body) and counts the body's bytes since its last line end. Chunk
/// framing is skipped: its line ends are not the body's.
#[derive(Debug, Default)]
struct Body {
    state: Framing,
    /// The head so far, to learn whether the body is chunked.
    head: Vec<u8>,
    chunked: bool,
    since_line_end: u64,
}

#[derive(Debug, Default, PartialEq)]
enum Framing {
    #[default]
    Head,
    /// A chunk's size line; `size` so far, `ext` past a `;`.
    Size {
        size: u64,
        ext: bool,
    },
    Data {
        left: u64,
    },
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Everything after the last chunk (trailers) or a plain body's end.
    Plain,
    Done,
}

/// The longest reply head followed; hyper refuses longer ones anyway.
const MAX_HEAD: usize = 64 << 10;

impl Body {
    /// Takes the next bytes of the reply; `Err` when a body line is too long.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), ()> {
        while !bytes.is_empty() {
            match self.state {
                Framing::Head => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    if self.head.len() < MAX_HEAD {
                        self.head.push(b);
                    }
                    if self.head.ends_with(b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&self.head).to_ascii_lowercase();
                        self.chunked = head
                            .lines()
                            .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
                        self.head = Vec::new();
                        self.state = if self.chunked {
                            Framing::Size {
                                size: 0,
                                ext: false,
                            }
                        } else {
                            Framing::Plain
                        };
                    } else if self.head.len() >= MAX_HEAD {
                        self.state = Framing::Done;
                    }
                }
                Framing::Size { size, ext } => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    self.state = match b {
                        b'\n' if size == 0 => Framing::Done,
                        b'\n' => Framing::Data { left: size },
                        b';' => Framing::Size { size, ext: true },
                        _ if ext => Framing::Size { size, ext },
                        _ => match (b as char).to_digit(16) {
                            Some(d) => Framing::Size {
                                size: size.saturating_mul(16).saturating_add(u64::from(d)),
                                ext,
                            },
                            None => Framing::Size { size, ext },
                        },
                    };
                }
                Framing::Data { left } => {
                    let take = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.count(&bytes[..take])?;
                    bytes = &bytes[take..];
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        Framing::DataEnd
                    } else {
                        Framing::Data { left }
                    };
                }
                Framing::DataEnd => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    if b == b'\n' {
                        self.state = Framing::Size {
                            size: 0,
                            ext: false,
                        };
                    }
                }
                Framing::Plain => {
                    self.count(bytes)?;
                    bytes = &[];
                }
                Framing::Done => bytes = &[],
            }
        }
        Ok(())
    }

    fn count(&mut self, data: &[u8]) -> Result<(), ()> {
        match data.iter().rposition(|&b| b == b'\n') {
            Some(at) => self.since_line_end = (data.len() - at - 1) as u64,
            None => self.since_line_end += data.len() as u64,
        }
        if self.since_line_end > MAX_STREAM_LINE {
            return Err(());
        }
        Ok(())
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A TLS client for the daemon: its CA, and our certificate and key
/// (`DOCKER_CERT_PATH`).
#[cfg(feature = "tls")]
pub fn tls_connector(
    tls: &super::endpoint::TlsFiles,
) -> Result<tokio_rustls::TlsConnector, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &std::path::Path, e: &dyn std::fmt::Display| {
        format!("cannot read the TLS file {}: {e}", what.display())
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&tls.ca).map_err(|e| bad(&tls.ca, &e))? {
        let cert = cert.map_err(|e| bad(&tls.ca, &e))?;
        roots.add(cert).map_err(|e| bad(&tls.ca, &e))?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| bad(&tls.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&tls.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| bad(&tls.key, &e))?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .map_err(|e| bad(&tls.cert, &e))?;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// The name the daemon's certificate must carry: the host of `host:port`.
#[cfg(feature = "tls")]
pub fn server_name(hostport: &str) -> Result<rustls::pki_types::ServerName<'static>, String> {
    let host = hostport
        .rsplit_once(':')
        .map_or(hostport, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    rustls::pki_types::ServerName::try_from(host).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(body_parts: &[&[u8]]) -> Vec<u8> {
        let mut reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in body_parts {
            reply.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
            reply.extend_from_slice(part);
            reply.extend_from_slice(b"\r\n");
        }
        reply.extend_from_slice(b"0\r\n\r\n");
        reply
    }

    /// Feeds `reply` in pieces of `step` bytes.
    fn feed(reply: &[u8], step: usize) -> (Result<(), ()>, u64) {
        let mut body = Body::default();
        for piece in reply.chunks(step) {
            if body.feed(piece).is_err() {
                return (Err(()), body.since_line_end);
            }
        }
        (Ok(()), body.since_line_end)
    }

    #[test]
    fn chunk_framing_is_not_a_line_end_of_the_body() {
        let part = vec![b'x'; 1000];
        let reply = chunked(&[b"{\"stream\":\"a\\n\"}\n", &part, &part, b"yz"]);
        for step in [1, 7, 4096] {
            let (ok, since) = feed(&reply, step);
            assert_eq!(ok, Ok(()));
            assert_eq!(since, 2002, "step {step}");
        }
    }

    #[test]
    fn a_plain_body_is_counted_as_it_comes() {
        let mut reply = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n".to_vec();
        reply.extend_from_slice(b"ab\ncdefg");
        assert_eq!(feed(&reply, 3).1, 5);
    }

    #[test]
    fn a_message_past_the_bound_is_refused() {
        let mut body = Body::default();
        body.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        let part = vec![b'b'; 1 << 20];
        let mut refused = false;
        for _ in 0..=(MAX_STREAM_LINE >> 20) {
            let mut frame = format!("{:x}\r\n", part.len()).into_bytes();
            frame.extend_from_slice(&part);
            frame.extend_from_slice(b"\r\n");
            if body.feed(&frame).is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused);
    }
}
