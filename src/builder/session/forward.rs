//! The session's Secrets and SSH services, as BuildKit's own client serves
//! them: `Secrets/GetSecret` answers a `RUN --mount=type=secret` with the
//! value read now from its file or variable; `SSH/ForwardAgent` joins a
//! `RUN --mount=type=ssh` to the agent socket of its ID (the ID travels in
//! the `buildkit.ssh.id` metadata, `default` when absent).

use std::pin::Pin;

use bollard::moby::buildkit::secrets::v1::secrets_server::Secrets;
use bollard::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use bollard::moby::sshforward::v1::ssh_server::Ssh;
use bollard::moby::sshforward::v1::{BytesMessage, CheckAgentRequest, CheckAgentResponse};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::{Request, Response, Status, Streaming};

use crate::builder::secrets::{SecretSource, SshSource};

/// Secrets by ID.
pub struct SecretStore {
    pub secrets: Vec<SecretSource>,
}

#[tonic::async_trait]
impl Secrets for SecretStore {
    async fn get_secret(
        &self,
        request: Request<GetSecretRequest>,
    ) -> Result<Response<GetSecretResponse>, Status> {
        let id = request.into_inner().id;
        let Some(source) = self.secrets.iter().find(|s| s.id == id).cloned() else {
            // BuildKit's own answer for an unknown ID: the mount is left
            // empty unless it is required.
            return Err(Status::not_found(format!("secret {id} not found")));
        };
        let data = tokio::task::spawn_blocking(move || source.read())
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(Status::not_found)?;
        Ok(Response::new(GetSecretResponse { data }))
    }
}

/// SSH agents by ID.
pub struct SshAgents {
    pub agents: Vec<SshSource>,
}

impl SshAgents {
    fn socket(&self, id: &str) -> Result<std::path::PathBuf, Status> {
        let id = if id.is_empty() { "default" } else { id };
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.socket.clone())
            .ok_or_else(|| Status::not_found(format!("unset ssh forward key {id}")))
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<BytesMessage, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl Ssh for SshAgents {
    async fn check_agent(
        &self,
        request: Request<CheckAgentRequest>,
    ) -> Result<Response<CheckAgentResponse>, Status> {
        let socket = self.socket(&request.into_inner().id)?;
        tokio::net::UnixStream::connect(&socket)
            .await
            .map_err(|e| Status::unavailable(format!("{}: {e}", socket.display())))?;
        Ok(Response::new(CheckAgentResponse {}))
    }

    type ForwardAgentStream = ByteStream;

    async fn forward_agent(
        &self,
        request: Request<Streaming<BytesMessage>>,
    ) -> Result<Response<ByteStream>, Status> {
        let id = request
            .metadata()
            .get("buildkit.ssh.id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("default")
            .to_string();
        let socket = self.socket(&id)?;
        let agent = tokio::net::UnixStream::connect(&socket)
            .await
            .map_err(|e| Status::unavailable(format!("{}: {e}", socket.display())))?;
        let (from_agent, mut to_agent) = agent.into_split();
        let mut incoming = request.into_inner();
        // BuildKit → agent.
        tokio::spawn(async move {
            while let Some(Ok(msg)) = incoming.next().await {
                if to_agent.write_all(&msg.data).await.is_err() {
                    break;
                }
            }
            let _ = to_agent.shutdown().await;
        });
        // Agent → BuildKit.
        let stream = futures_util::stream::unfold(
            (from_agent, vec![0u8; 32 * 1024]),
            |(mut r, mut buf)| async move {
                match r.read(&mut buf).await {
                    Ok(0) | Err(_) => None,
                    Ok(n) => {
                        let msg = BytesMessage {
                            data: buf[..n].to_vec(),
                        };
                        Some((Ok(msg), (r, buf)))
                    }
                }
            },
        );
        Ok(Response::new(Box::pin(stream)))
    }
}
