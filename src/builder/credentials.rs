//! Registry credentials, found as the docker CLI finds them: the
//! `config.json` of `DOCKER_CONFIG` (or `~/.docker`), its `credHelpers` for
//! one registry, then plain `auths`, then the `credsStore` for all
//! (`docker-credential-<name> get`, through the `docker_credential` crate).
//!
//! Credentials go to the daemon only: in the classic builder's
//! `X-Registry-Config`, a push's `X-Registry-Auth`, and the BuildKit
//! session's Auth service. No `Debug`, message or record shows one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use bollard::auth::DockerCredentials;

/// The key Docker Hub's credentials are stored under.
pub const HUB_KEY: &str = "https://index.docker.io/v1/";

/// The registry host of an image reference: `docker.io` when it names none
/// (`alpine`, `team/app`), else its first part (`127.0.0.1:5000/app`).
pub fn registry_host(reference: &str) -> String {
    let name = reference.split('@').next().unwrap_or(reference);
    match name.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            normalize_host(first)
        }
        _ => "docker.io".to_string(),
    }
}

/// Docker Hub's aliases as one host.
fn normalize_host(host: &str) -> String {
    let h = host
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let h = h.split('/').next().unwrap_or(h);
    match h {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io".to_string(),
        _ => h.to_string(),
    }
}

/// The key a registry's credentials sit under in config.json (and the
/// `serveraddress` the daemon expects).
pub fn config_key(host: &str) -> String {
    match normalize_host(host).as_str() {
        "docker.io" => HUB_KEY.to_string(),
        h => h.to_string(),
    }
}

/// Why credentials could not be read (never holds a credential).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the credentials for {registry}: {why}")]
pub struct CredentialError {
    pub registry: String,
    pub why: String,
}

/// One registry's credentials, redacted in `Debug`.
#[derive(Clone, PartialEq)]
pub struct Credential(pub DockerCredentials);

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credential({})",
            self.0.serveraddress.as_deref().unwrap_or("?")
        )
    }
}

/// Looks credentials up once per registry and run.
pub struct Credentials {
    /// The directory of config.json; `None`: no home, no credentials.
    dir: Option<PathBuf>,
    found: Mutex<HashMap<String, Result<Option<Credential>, CredentialError>>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// `DOCKER_CONFIG`, else `~/.docker`, as the docker CLI picks it.
    pub fn from_env(docker_config: Option<&str>, home: Option<PathBuf>) -> Credentials {
        let dir = match docker_config.filter(|d| !d.is_empty()) {
            Some(d) => Some(PathBuf::from(d)),
            None => home.map(|h| h.join(".docker")),
        };
        Credentials::in_dir(dir)
    }

    pub fn in_dir(dir: Option<PathBuf>) -> Credentials {
        Credentials {
            dir,
            found: Mutex::new(HashMap::new()),
        }
    }

    /// Where config.json is read from.
    pub fn config_file(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("config.json"))
    }

    /// The credentials for `host` (a registry host, `docker.io` for the
    /// Hub), `None` when none are configured. Runs a credential helper at
    /// most once per host: call it off the async threads.
    pub fn lookup(&self, host: &str) -> Result<Option<Credential>, CredentialError> {
        let key = config_key(host);
        if let Some(hit) = self.found.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let res = self.read(&key);
        if let Ok(mut m) = self.found.lock() {
            m.insert(key, res.clone());
        }
        res
    }

    fn read(&self, key: &str) -> Result<Option<Credential>, CredentialError> {
        use docker_credential::{CredentialRetrievalError as E, DockerCredential};
        let Some(file) = self.config_file() else {
            return Ok(None);
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CredentialError {
                    registry: key.to_string(),
                    why: format!("cannot read {}: {e}", file.display()),
                })
            }
        };
        let err = |why: String| CredentialError {
            registry: key.to_string(),
            why,
        };
        match docker_credential::get_credential_from_reader(&bytes[..], key) {
            Ok(DockerCredential::UsernamePassword(user, password)) => {
                Ok(Some(Credential(DockerCredentials {
                    username: Some(user),
                    password: Some(password),
                    serveraddress: Some(key.to_string()),
                    ..DockerCredentials::default()
                })))
            }
            Ok(DockerCredential::IdentityToken(token)) => Ok(Some(Credential(DockerCredentials {
                identitytoken: Some(token),
                serveraddress: Some(key.to_string()),
                ..DockerCredentials::default()
            }))),
            Err(E::NoCredentialConfigured) | Err(E::ConfigNotFound) => Ok(None),
            // A store that holds nothing for this registry answers so; the
            // docker CLI goes on without credentials.
            Err(E::HelperFailure { stdout, stderr, .. })
                if is_not_found(&stdout) || is_not_found(&stderr) =>
            {
                Ok(None)
            }
            // What a helper printed is not shown: it may hold a secret.
            Err(E::HelperFailure { helper, .. }) => Err(err(format!(
                "`{helper} get` failed; check that it works (`echo {key} | {helper} get`)"
            ))),
            Err(E::HelperCommunicationError) => Err(err(format!(
                "cannot run the credential helper named in {} (is `docker-credential-<name>` on PATH?)",
                file.display()
            ))),
            Err(E::MalformedHelperResponse) => Err(err(
                "the credential helper answered something that is not JSON".to_string(),
            )),
            Err(E::ConfigReadError) => Err(err(format!("{} is not valid JSON", file.display()))),
            Err(e @ (E::CredentialDecodingError | E::CredentialMismatchError)) => {
                Err(err(format!("its entry in {}: {e}", file.display())))
            }
        }
    }

    /// The credentials of every registry in `hosts` that has some, keyed as
    /// `X-Registry-Config` wants them. Lookup errors are returned with the
    /// registry they concern.
    pub fn for_hosts<'a>(
        &self,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, DockerCredentials>, CredentialError> {
        let mut out = HashMap::new();
        for h in hosts {
            if let Some(c) = self.lookup(h)? {
                out.insert(config_key(h), c.0);
            }
        }
        Ok(out)
    }
}

/// The daemon decodes `X-Registry-Auth` and `X-Registry-Config` as base64url
/// (RFC 4648 section 5), as the docker CLI encodes them; bollard writes the
/// standard alphabet, whose `+` and `/` the daemon cannot read (it then
/// drops the credential without a word: a password with `?`, `~` or `>` at
/// some positions would never reach the registry). Rewrites both headers.
pub fn url_safe_auth_headers(mut req: bollard::BollardRequest) -> bollard::BollardRequest {
    for name in ["x-registry-auth", "x-registry-config"] {
        let Some(v) = req.headers().get(name) else {
            continue;
        };
        let Ok(text) = v.to_str() else { continue };
        if !text.contains(['+', '/']) {
            continue;
        }
        let fixed = text.replace('+', "-").replace('/', "_");
        if let Ok(value) = http::HeaderValue::from_str(&fixed) {
            req.headers_mut().insert(name, value);
        }
    }
    req
}

fn is_not_found(text: &str) -> bool {
    text.to_ascii_lowercase().contains("credentials not found")
}

/// Whether a daemon or registry message means the registry refused us for
/// want of (valid) credentials.
pub fn is_auth_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "no basic auth credentials",
        "401 unauthorized",
        "unauthorized: authentication required",
        "authentication required",
        "failed to authorize",
        "may require 'docker login'",
        "unauthorized:",
        "denied: requested access to the resource is denied",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// The error a user sees when `host` refused us: what was tried and what to run.
pub fn login_hint(host: &str, had_credentials: bool, source: Option<&std::path::Path>) -> String {
    let login = match normalize_host(host).as_str() {
        "docker.io" => "docker login".to_string(),
        h => format!("docker login {h}"),
    };
    let from = source
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    if had_credentials {
        format!("the registry {host} refused the credentials found{from}; run `{login}` again")
    } else {
        format!("the registry {host} needs credentials and none were found{from}; run `{login}` (or set DOCKER_CONFIG to a directory whose config.json has them)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> (tempfile::TempDir, Credentials) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), json).unwrap();
        let c = Credentials::in_dir(Some(dir.path().to_path_buf()));
        (dir, c)
    }

    #[test]
    fn hosts_of_references() {
        assert_eq!(registry_host("alpine"), "docker.io");
        assert_eq!(registry_host("team/app:1"), "docker.io");
        assert_eq!(registry_host("127.0.0.1:5000/app:1"), "127.0.0.1:5000");
        assert_eq!(registry_host("localhost/app"), "localhost");
        assert_eq!(registry_host("ghcr.io/o/app@sha256:00"), "ghcr.io");
        assert_eq!(registry_host("index.docker.io/library/alpine"), "docker.io");
        assert_eq!(config_key("docker.io"), HUB_KEY);
        assert_eq!(config_key("https://index.docker.io/v1/"), HUB_KEY);
        assert_eq!(config_key("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn plain_auths_and_missing_entries() {
        // "u:p" in base64.
        let (_d, c) = config(r#"{"auths":{"r.example:5000":{"auth":"dTpw"}}}"#);
        let got = c.lookup("r.example:5000").unwrap().unwrap().0;
        assert_eq!(got.username.as_deref(), Some("u"));
        assert_eq!(got.password.as_deref(), Some("p"));
        assert_eq!(got.serveraddress.as_deref(), Some("r.example:5000"));
        assert_eq!(c.lookup("other.example").unwrap(), None);
        let shown = format!("{:?} {:?}", c.lookup("r.example:5000").unwrap(), c);
        assert!(
            !shown.contains("dTpw") && !shown.contains("\"p\""),
            "{shown}"
        );
    }

    #[test]
    fn no_config_means_no_credentials_and_bad_json_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::in_dir(Some(dir.path().to_path_buf()));
        assert_eq!(c.lookup("docker.io").unwrap(), None);
        let (_d, c) = config("{not json");
        let e = c.lookup("docker.io").unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }

    #[test]
    fn a_missing_helper_is_named() {
        let (_d, c) = config(r#"{"credHelpers":{"r.example":"buildlint-absent-helper"}}"#);
        let e = c.lookup("r.example").unwrap_err();
        assert_eq!(e.registry, "r.example");
        assert!(e.to_string().contains("docker-credential-<name>"), "{e}");
    }

    #[test]
    fn credential_headers_are_rewritten_into_base64url() {
        let req = http::Request::builder()
            .header("X-Registry-Auth", "eyJ+/w==")
            .header("X-Registry-Config", "abc")
            .body(bollard::body_full(bytes::Bytes::new()))
            .unwrap();
        let req = url_safe_auth_headers(req);
        assert_eq!(req.headers()["x-registry-auth"], "eyJ-_w==");
        assert_eq!(req.headers()["x-registry-config"], "abc");
    }

    #[test]
    fn auth_failures_are_recognised() {
        assert!(is_auth_failure(
            "Head \"http://127.0.0.1:5000/v2/a/manifests/1\": no basic auth credentials"
        ));
        assert!(is_auth_failure("failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized"));
        assert!(!is_auth_failure(
            "executor failed running [/bin/sh -c false]: exit code: 1"
        ));
        let hint = login_hint("127.0.0.1:5000", false, None);
        assert!(hint.contains("`docker login 127.0.0.1:5000`"), "{hint}");
        assert!(login_hint("docker.io", true, None).contains("`docker login`"));
    }
}
