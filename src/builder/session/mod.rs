//! A BuildKit session of our own with the daemon, serving the build context
//! (see [`filesync`]) the way the docker CLI does.
//!
//! `POST /session` with `Upgrade: h2c` turns a connection to the daemon
//! around: after the `101` answer the daemon is the HTTP/2 client and we
//! serve gRPC on that connection: `FileSync/DiffCopy`, the health check the
//! daemon polls every second (the session ends when it fails), and an `Auth`
//! that knows no credentials. The session is registered under its ID before
//! the `101` is read, so a build that names the ID finds it; BuildKit refuses
//! a second session with the same ID.

pub mod filesync;
mod id;

pub use id::session_id;
pub mod forward;

use std::os::fd::AsFd;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use bollard::health::health_check_response::ServingStatus;
use bollard::health::health_server::{Health, HealthServer};
use bollard::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard::moby::filesync::v1::auth_server::{Auth, AuthServer};
use bollard::moby::filesync::v1::file_sync_server::FileSyncServer;
use bollard::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tonic::{Request, Response, Status};

use self::filesync::{FileSyncService, SyncSource};
use bollard::moby::buildkit::secrets::v1::secrets_server::SecretsServer;
use bollard::moby::sshforward::v1::ssh_server::SshServer;

use crate::builder::credentials::Credentials;
use crate::builder::daemon::endpoint::{Endpoint, Transport};
use crate::builder::daemon::MIN_API;
use crate::builder::secrets::{SecretSource, SshSource};
use crate::builder::send::SentCounter;

/// How long the daemon may take to answer `/session`.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `101` head we read.
const MAX_HEAD: usize = 64 * 1024;

/// The gRPC methods served, as the daemon is told.
const METHODS: [&str; 6] = [
    "/moby.filesync.v1.FileSync/DiffCopy",
    "/grpc.health.v1.Health/Check",
    "/moby.filesync.v1.Auth/Credentials",
    "/moby.buildkit.secrets.v1.Secrets/GetSecret",
    "/moby.sshforward.v1.SSH/CheckAgent",
    "/moby.sshforward.v1.SSH/ForwardAgent",
];

/// What the session serves beside the context: registry credentials,
/// secrets and ssh agents.
#[derive(Clone, Debug, Default)]
pub struct Served {
    pub credentials: Option<Arc<Credentials>>,
    pub secrets: Vec<SecretSource>,
    pub ssh: Vec<SshSource>,
}

/// Why no session was opened.
#[derive(Debug)]
pub enum OpenError {
    /// This endpoint cannot carry one (ssh, or a build without TLS
    /// support): the context goes as a tar body.
    Unsupported,
    /// Opening it failed.
    Failed(String),
}

/// Closes the connection from our side: the daemon's HTTP/2 client sees the
/// end at once, and the server task serving it stops.
enum Closer {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Closer {
    fn close(&self) {
        let _ = match self {
            Closer::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Closer::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// An open session; dropping it ends it.
pub struct Session {
    id: String,
    closer: Closer,
}

impl Session {
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.closer.close();
    }
}

/// Opens a session named `id` serving `source`. `sent` counts the file bytes
/// handed to the daemon; `context_done` is set once it has synced the whole
/// context.
pub async fn open(
    endpoint: &Endpoint,
    id: &str,
    source: Arc<SyncSource>,
    served: Served,
    sent: SentCounter,
    context_done: Arc<AtomicBool>,
) -> Result<Session, OpenError> {
    let head = request_head(id, source.shared_key());
    let fail = |e: std::io::Error| OpenError::Failed(e.to_string());
    let sync = FileSyncService::new(source, sent, context_done);
    // A duplicate of the socket, to shut it down when the session is dropped.
    let dup = |s: &dyn AsFd| s.as_fd().try_clone_to_owned().map_err(fail);
    let closer = match &endpoint.transport {
        Transport::Tcp(hostport) if endpoint.tls.is_some() => {
            #[cfg(feature = "tls")]
            {
                let tls = endpoint.tls.as_ref().expect("checked above");
                let connector = crate::builder::daemon::transport::tls_connector(tls)
                    .map_err(OpenError::Failed)?;
                let name = crate::builder::daemon::transport::server_name(hostport)
                    .map_err(OpenError::Failed)?;
                let tcp = tokio::net::TcpStream::connect(hostport.as_str())
                    .await
                    .map_err(fail)?;
                let closer = Closer::Tcp(dup(&tcp)?.into());
                let mut s = connector.connect(name, tcp).await.map_err(fail)?;
                upgrade(&mut s, &head).await?;
                serve(TlsIo(s), sync, served);
                closer
            }
            #[cfg(not(feature = "tls"))]
            return Err(OpenError::Unsupported);
        }
        Transport::Unix(path) => {
            let mut s = tokio::net::UnixStream::connect(path).await.map_err(fail)?;
            upgrade(&mut s, &head).await?;
            let closer = Closer::Unix(dup(&s)?.into());
            serve(s, sync, served.clone());
            closer
        }
        Transport::Tcp(hostport) => {
            let mut s = tokio::net::TcpStream::connect(hostport.as_str())
                .await
                .map_err(fail)?;
            upgrade(&mut s, &head).await?;
            let closer = Closer::Tcp(dup(&s)?.into());
            serve(s, sync, served.clone());
            closer
        }
        Transport::Ssh(_) => return Err(OpenError::Unsupported),
    };
    Ok(Session {
        id: id.to_string(),
        closer,
    })
}

/// A TLS connection to the daemon, as the connection tonic serves.
#[cfg(feature = "tls")]
struct TlsIo(tokio_rustls::client::TlsStream<tokio::net::TcpStream>);

#[cfg(feature = "tls")]
impl tonic::transport::server::Connected for TlsIo {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

#[cfg(feature = "tls")]
impl AsyncRead for TlsIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

#[cfg(feature = "tls")]
impl AsyncWrite for TlsIo {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

fn request_head(id: &str, shared_key: &str) -> String {
    let mut head = format!(
        "POST /v{}.{}/session HTTP/1.1\r\nHost: docker\r\nUser-Agent: buildlint/{}\r\n\
         Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\
         X-Docker-Expose-Session-Uuid: {id}\r\nX-Docker-Expose-Session-Name: buildlint\r\n\
         X-Docker-Expose-Session-Sharedkey: {shared_key}\r\n",
        MIN_API.0,
        MIN_API.1,
        env!("CARGO_PKG_VERSION")
    );
    for m in METHODS {
        head.push_str("X-Docker-Expose-Session-Grpc-Method: ");
        head.push_str(m);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Sends the upgrade request and reads the answer's head, not a byte more:
/// what follows is the daemon's HTTP/2 preface.
async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    head: &str,
) -> Result<(), OpenError> {
    let exchange = async {
        s.write_all(head.as_bytes()).await?;
        s.flush().await?;
        let mut got = Vec::with_capacity(256);
        let mut byte = [0u8; 1];
        while !got.ends_with(b"\r\n\r\n") {
            if got.len() >= MAX_HEAD {
                return Err(std::io::Error::other("the answer's head is too long"));
            }
            if s.read(&mut byte).await? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the daemon closed the connection",
                ));
            }
            got.push(byte[0]);
        }
        Ok(got)
    };
    let got = match tokio::time::timeout(OPEN_TIMEOUT, exchange).await {
        Err(_) => return Err(OpenError::Failed("no answer in time".to_string())),
        Ok(Err(e)) => return Err(OpenError::Failed(e.to_string())),
        Ok(Ok(got)) => got,
    };
    let text = String::from_utf8_lossy(&got);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if status == 101 {
        return Ok(());
    }
    // The error's body, for the message.
    let len = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0)
        .min(MAX_HEAD);
    let mut body = vec![0u8; len];
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut body)).await;
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_string());
    Err(OpenError::Failed(if message.is_empty() {
        format!("the daemon answered {status}")
    } else {
        format!("the daemon answered {status}: {message}")
    }))
}

fn serve<IO>(io: IO, sync: FileSyncService, served: Served)
where
    IO: tonic::transport::server::Connected + AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let router = tonic::transport::Server::builder()
        .add_service(HealthServer::new(Healthy))
        .add_service(AuthServer::new(RegistryAuth {
            credentials: served.credentials,
        }))
        .add_service(SecretsServer::new(forward::SecretStore {
            secrets: served.secrets,
        }))
        .add_service(SshServer::new(forward::SshAgents { agents: served.ssh }))
        .add_service(FileSyncServer::new(sync));
    tokio::spawn(async move {
        // Serves the one connection in a task of its own; it lives until
        // the connection ends.
        let _ = router
            .serve_with_incoming(futures_util::stream::iter([Ok::<_, std::io::Error>(io)]))
            .await;
    });
}

/// The health check the daemon polls.
struct Healthy;

#[tonic::async_trait]
impl Health for Healthy {
    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Err(Status::unimplemented("not served"))
    }

    type WatchStream = futures_util::stream::Empty<Result<HealthCheckResponse, Status>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("not served"))
    }
}

/// Registry credentials for BuildKit's pulls, as the docker CLI's session
/// answers: looked up in the docker configuration by host; none (an
/// anonymous pull) when nothing is configured or a lookup fails (the pull's
/// own error then names the registry).
struct RegistryAuth {
    credentials: Option<Arc<Credentials>>,
}

#[tonic::async_trait]
impl Auth for RegistryAuth {
    async fn credentials(
        &self,
        request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        let Some(creds) = self.credentials.clone() else {
            return Ok(Response::new(CredentialsResponse::default()));
        };
        let host = request.into_inner().host;
        // A credential helper is a process: off the async threads.
        let found = tokio::task::spawn_blocking(move || creds.lookup(&host))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        let answer = match found {
            Some(c) => match c.0.identitytoken.filter(|t| !t.is_empty()) {
                Some(token) => CredentialsResponse {
                    username: String::new(),
                    secret: token,
                },
                None => CredentialsResponse {
                    username: c.0.username.unwrap_or_default(),
                    secret: c.0.password.unwrap_or_default(),
                },
            },
            None => CredentialsResponse::default(),
        };
        Ok(Response::new(answer))
    }

    async fn fetch_token(
        &self,
        _request: Request<FetchTokenRequest>,
    ) -> Result<Response<FetchTokenResponse>, Status> {
        Err(Status::unimplemented("not served"))
    }

    async fn get_token_authority(
        &self,
        _request: Request<GetTokenAuthorityRequest>,
    ) -> Result<Response<GetTokenAuthorityResponse>, Status> {
        Err(Status::unimplemented("not served"))
    }

    async fn verify_token_authority(
        &self,
        _request: Request<VerifyTokenAuthorityRequest>,
    ) -> Result<Response<VerifyTokenAuthorityResponse>, Status> {
        Err(Status::unimplemented("not served"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_upgrade_reads_the_head_and_not_a_byte_more() {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let daemon = tokio::spawn(async move {
            let mut req = vec![0u8; 2048];
            let n = b.read(&mut req).await.unwrap();
            let req = String::from_utf8_lossy(&req[..n]).into_owned();
            b.write_all(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0")
                .await
                .unwrap();
            (req, b)
        });
        upgrade(&mut a, &request_head("abc", "key")).await.unwrap();
        let mut rest = [0u8; 14];
        a.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"PRI * HTTP/2.0");
        let (req, _b) = daemon.await.unwrap();
        assert!(req.starts_with("POST /v1.41/session HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("X-Docker-Expose-Session-Uuid: abc\r\n"));
        assert!(req.contains("X-Docker-Expose-Session-Sharedkey: key\r\n"));
        assert_eq!(
            req.matches("X-Docker-Expose-Session-Grpc-Method: ").count(),
            METHODS.len()
        );
    }

    #[tokio::test]
    async fn a_refusal_carries_the_daemons_message() {
        let (mut a, mut b) = tokio::io::duplex(4096);
        tokio::spawn(async move {
            let mut req = vec![0u8; 2048];
            let _ = b.read(&mut req).await.unwrap();
            let body = r#"{"message":"session abc already exists"}"#;
            b.write_all(
                format!(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
            b
        });
        match upgrade(&mut a, &request_head("abc", "key")).await {
            Err(OpenError::Failed(m)) => {
                assert_eq!(m, "the daemon answered 500: session abc already exists")
            }
            other => panic!("{other:?}"),
        }
    }
}
