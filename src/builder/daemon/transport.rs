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
    let host = match &endpoint.transport {
        Transport::Tcp(hostport) => hostport.clone(),
        _ => "docker".to_string(),
    };
    let host = http::HeaderValue::from_str(&host)
        .unwrap_or_else(|_| http::HeaderValue::from_static("docker"));
    let transport = move |req: BollardRequest| {
        let dial = dial.clone();
        let host = host.clone();
        async move { send(&dial, reading, host, req).await }
    };
    Docker::connect_with_custom_transport(transport, Some("http://docker"), timeout_secs, version)
}

async fn send(
    dial: &Dial,
    reading: Reading,
    host: http::HeaderValue,
    mut req: BollardRequest,
) -> Result<http::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let io = Capped::new(dial.connect().await?, reading);
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
/// `reading` says it must be.
struct Capped {
    inner: Box<dyn Connection>,
    read: u64,
    /// The status line's first bytes, until the status is known.
    head: Vec<u8>,
    capped: Option<bool>,
}

impl Capped {
    fn new(inner: Box<dyn Connection>, reading: Reading) -> Capped {
        Capped {
            inner,
            read: 0,
            head: Vec::new(),
            capped: (reading == Reading::Whole).then_some(true),
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
        }
        poll
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
