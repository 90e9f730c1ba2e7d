//! `--secret` and `--ssh`, as buildx spells them, and what the BuildKit
//! session serves for them. A source names where a value is read (a file,
//! an environment variable, an agent socket) at the moment BuildKit asks for
//! it; no value is held here, so none reaches a record, a log or a message.

use std::path::PathBuf;

/// Where a secret's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretFrom {
    File(PathBuf),
    Env(String),
}

/// `--secret id=ID,src=FILE` / `id=ID,env=VAR` / `type=env,id=ID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretSource {
    pub id: String,
    pub from: SecretFrom,
}

/// `--ssh default` (the agent of `SSH_AUTH_SOCK`) / `--ssh ID=SOCKET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSource {
    pub id: String,
    pub socket: PathBuf,
}

/// Parses `--secret` as buildx does: `id`, `type` (`file` or `env`),
/// `src`/`source`, `env`; a bare `type=env` reads the variable named `id`.
pub fn parse_secret(spec: &str) -> Result<SecretSource, String> {
    let mut id = None;
    let mut kind = None;
    let mut src = None;
    let mut env = None;
    for field in spec.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (k, v) = field
            .split_once('=')
            .ok_or_else(|| format!("invalid --secret `{spec}`: `{field}` is not KEY=VALUE"))?;
        match k.trim().to_ascii_lowercase().as_str() {
            "id" => id = Some(v.to_string()),
            "type" => kind = Some(v.to_string()),
            "src" | "source" => src = Some(v.to_string()),
            "env" => env = Some(v.to_string()),
            other => {
                return Err(format!(
                    "invalid --secret `{spec}`: unknown key `{other}` (id, type, src, env)"
                ))
            }
        }
    }
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(|| format!("invalid --secret `{spec}`: it needs `id=ID`"))?;
    let from = match (kind.as_deref(), src, env) {
        (Some("env"), None, env) => SecretFrom::Env(env.unwrap_or_else(|| id.clone())),
        (Some("file") | None, Some(src), None) => SecretFrom::File(PathBuf::from(src)),
        (None, None, Some(env)) => SecretFrom::Env(env),
        (Some(t), _, _) if t != "env" && t != "file" => {
            return Err(format!(
                "invalid --secret `{spec}`: type `{t}` (it is `file` or `env`)"
            ))
        }
        _ => {
            return Err(format!(
                "invalid --secret `{spec}`: name one source, `src=FILE` or `env=VARIABLE`"
            ))
        }
    };
    Ok(SecretSource { id, from })
}

/// Parses `--ssh default` or `--ssh ID=SOCKET` (one socket; BuildKit
/// forwards one agent per ID). `default` alone is `SSH_AUTH_SOCK`.
pub fn parse_ssh(spec: &str, ssh_auth_sock: Option<&str>) -> Result<SshSource, String> {
    let (id, socket) = match spec.split_once('=') {
        Some((id, path)) => (id.trim(), Some(path.trim())),
        None => (spec.trim(), None),
    };
    if id.is_empty() {
        return Err(format!(
            "invalid --ssh `{spec}`: it needs an ID (`default`)"
        ));
    }
    let socket = match socket.filter(|s| !s.is_empty()) {
        Some(s) if s.contains(',') => {
            return Err(format!(
                "invalid --ssh `{spec}`: one agent socket per ID (key files are not read)"
            ))
        }
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(ssh_auth_sock.filter(|s| !s.is_empty()).ok_or_else(|| {
            format!("--ssh {id}: SSH_AUTH_SOCK is not set; start an agent (`eval $(ssh-agent)`) or name a socket (`--ssh {id}=/path/to/agent.sock`)")
        })?),
    };
    Ok(SshSource {
        id: id.to_string(),
        socket,
    })
}

impl SecretSource {
    /// Reads the value now (BuildKit asks during the build).
    pub fn read(&self) -> Result<Vec<u8>, String> {
        match &self.from {
            SecretFrom::File(p) => std::fs::read(p).map_err(|e| {
                format!(
                    "cannot read the secret `{}` from {}: {e}",
                    self.id,
                    p.display()
                )
            }),
            SecretFrom::Env(v) => std::env::var_os(v)
                .map(|s| s.into_encoded_bytes())
                .ok_or_else(|| format!("the secret `{}`: the variable {v} is not set", self.id)),
        }
    }

    /// Whether the value can be read (checked before the build).
    pub fn check(&self) -> Result<(), String> {
        self.read().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_as_buildx_spells_them() {
        assert_eq!(
            parse_secret("id=token,src=/run/t").unwrap(),
            SecretSource {
                id: "token".into(),
                from: SecretFrom::File("/run/t".into())
            }
        );
        assert_eq!(
            parse_secret("id=token,env=TOKEN").unwrap().from,
            SecretFrom::Env("TOKEN".into())
        );
        assert_eq!(
            parse_secret("type=env,id=TOKEN").unwrap().from,
            SecretFrom::Env("TOKEN".into())
        );
        assert_eq!(
            parse_secret("id=a,type=file,source=f").unwrap().from,
            SecretFrom::File("f".into())
        );
        assert!(parse_secret("src=/x").unwrap_err().contains("id=ID"));
        assert!(parse_secret("id=a").unwrap_err().contains("one source"));
        assert!(parse_secret("id=a,src=f,env=E").is_err());
        assert!(parse_secret("id=a,mode=0400,src=f").is_err());
    }

    #[test]
    fn ssh_default_is_the_agent_of_ssh_auth_sock() {
        let s = parse_ssh("default", Some("/tmp/agent.sock")).unwrap();
        assert_eq!(
            (s.id.as_str(), s.socket),
            ("default", PathBuf::from("/tmp/agent.sock"))
        );
        let s = parse_ssh("git=/a.sock", None).unwrap();
        assert_eq!(s.socket, PathBuf::from("/a.sock"));
        assert!(parse_ssh("default", None)
            .unwrap_err()
            .contains("SSH_AUTH_SOCK"));
        assert!(parse_ssh("x=/a,/b", None).is_err());
    }

    #[test]
    fn a_secret_is_read_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t");
        std::fs::write(&f, "s3cr3t").unwrap();
        let s = SecretSource {
            id: "t".into(),
            from: SecretFrom::File(f),
        };
        assert_eq!(s.read().unwrap(), b"s3cr3t");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr3t"));
        let missing = SecretSource {
            id: "t".into(),
            from: SecretFrom::Env("BUILDLINT_TEST_UNSET_VARIABLE".into()),
        };
        assert!(missing.check().unwrap_err().contains("is not set"));
    }
}
