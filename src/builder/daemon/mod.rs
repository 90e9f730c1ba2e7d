//! The daemon connection: bollard over the resolved endpoint, the daemon's
//! version and capabilities, and the few image calls the builder needs
//! (inspect, tag). Nothing here removes an image.

pub mod endpoint;
pub mod local_images;
pub mod transport;

use std::time::Duration;

use bollard::{ClientVersion, Docker};

use self::endpoint::{Endpoint, Transport};
use self::transport::{Dial, Reading};

/// The oldest Engine API buildlint speaks (Engine 20.10).
pub const MIN_API: (u32, u32) = (1, 41);
/// Requests that should answer at once (ping, version, inspect, tag).
const QUICK_TIMEOUT: Duration = Duration::from_secs(30);
/// A build request: the daemon answers headers only once it starts reading
/// the context, and a build may run for hours.
const BUILD_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

const CLIENT_VERSION: &ClientVersion = &ClientVersion {
    major_version: MIN_API.0 as usize,
    minor_version: MIN_API.1 as usize,
};

/// What the daemon says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonInfo {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub engine: String,
    /// API version, e.g. `1.41`.
    pub api: (u32, u32),
    /// `linux` or `windows`.
    pub os: String,
    /// `amd64`, `arm64`...
    pub arch: String,
}

impl DaemonInfo {
    /// The engine's major.minor (20.10 for `20.10.24+dfsg1`).
    pub fn engine_version(&self) -> (u32, u32) {
        parse_version(&self.engine).unwrap_or((0, 0))
    }

    /// The platform images default to, `linux/amd64`.
    pub fn platform(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }

    /// Whether the daemon's built-in Dockerfile frontend understands heredocs.
    /// Engine 23.0 ships BuildKit 0.11 with dockerfile 1.5 built in (heredocs
    /// are stable since dockerfile 1.4); 20.10 and earlier answer
    /// "unknown instruction" for the heredoc body.
    pub fn builtin_frontend_has_heredocs(&self) -> bool {
        self.engine_version() >= (23, 0)
    }

    /// BuildKit through `/session` needs API 1.39 (Engine 18.09) and Linux.
    pub fn may_support_buildkit(&self) -> bool {
        self.os == "linux" && self.api >= (1, 39)
    }
}

/// `"1.41"` → `(1, 41)`; `"20.10.24+dfsg1"` → `(20, 10)`.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// Why the daemon could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// One sentence: the endpoint tried and what to check.
    #[error("cannot reach the Docker daemon at {endpoint}: {cause}; {hint}")]
    Unreachable {
        endpoint: String,
        cause: String,
        hint: String,
    },
    #[error("the Docker daemon at {endpoint} speaks Engine API {api}, older than the {}.{} buildlint needs; upgrade Docker Engine to 20.10 or later", MIN_API.0, MIN_API.1)]
    TooOld { endpoint: String, api: String },
    #[error("{0}")]
    Unsupported(String),
}

/// A connected daemon.
#[derive(Clone, Debug)]
pub struct Daemon {
    /// For quick calls.
    pub docker: Docker,
    /// The same connection settings with a build-length timeout.
    pub build_docker: Docker,
    pub endpoint: Endpoint,
    pub info: DaemonInfo,
    /// The endpoint build records name: this daemon's address, or one name
    /// for every node of a fleet (`fleet::FLEET_RECORD_ENDPOINT`).
    pub record_endpoint: String,
}

fn hint_for(endpoint: &Endpoint) -> String {
    // Name what chose the address, so the user fixes that.
    let elsewhere = match &endpoint.source {
        endpoint::Source::Flag => "pass the right address to --host".to_string(),
        endpoint::Source::Context { name, .. } => {
            format!(
                "check the endpoint of docker context `{name}` (`docker context inspect {name}`)"
            )
        }
        endpoint::Source::EnvHost | endpoint::Source::Default => {
            "point DOCKER_HOST at the right one".to_string()
        }
        endpoint::Source::Node { from } => {
            format!("fix the node's endpoint ({from}) or leave it out")
        }
    };
    match &endpoint.transport {
        Transport::Unix(_) => format!("check that the daemon is running (`systemctl status docker`) and that you may use its socket, or {elsewhere}"),
        Transport::Tcp(_) => format!("check that the daemon listens there and that no firewall is in the way, or {elsewhere}"),
        Transport::Ssh(_) => "check the ssh address".to_string(),
    }
}

/// Builds the bollard client for an endpoint without talking to it; every
/// reply it reads is capped ([`transport::MAX_REPLY`]).
pub fn client(endpoint: &Endpoint) -> Result<Docker, DaemonError> {
    client_reading(endpoint, Reading::Whole, QUICK_TIMEOUT)
}

fn client_reading(
    endpoint: &Endpoint,
    reading: Reading,
    timeout: Duration,
) -> Result<Docker, DaemonError> {
    let unreachable = |cause: String| DaemonError::Unreachable {
        endpoint: endpoint.describe(),
        cause,
        hint: hint_for(endpoint),
    };
    let dial = match &endpoint.transport {
        Transport::Unix(path) => {
            if !path.exists() {
                return Err(unreachable(format!("no socket at {}", path.display())));
            }
            Dial::Unix(path.clone())
        }
        Transport::Tcp(hostport) => match &endpoint.tls {
            None => Dial::Tcp(hostport.clone()),
            Some(tls) => tls_dial(endpoint, hostport, tls)?,
        },
        Transport::Ssh(target) => return Err(DaemonError::Unsupported(format!(
            "ssh:// daemons are not supported in this build ({}); forward the daemon's socket instead: \
             `ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock {target} &` and set DOCKER_HOST=unix:///tmp/docker.sock",
            endpoint.describe()
        ))),
    };
    transport::docker(endpoint, dial, reading, timeout.as_secs(), CLIENT_VERSION)
        .map_err(|e| unreachable(e.to_string()))
}

#[cfg(feature = "tls")]
fn tls_dial(
    endpoint: &Endpoint,
    hostport: &str,
    tls: &self::endpoint::TlsFiles,
) -> Result<Dial, DaemonError> {
    if !tls.verify {
        return Err(DaemonError::Unsupported(format!(
            "TLS without certificate verification is not supported ({}); set DOCKER_TLS_VERIFY=1 and put the daemon's CA in {}",
            endpoint.describe(),
            tls.ca.parent().map(|p| p.display().to_string()).unwrap_or_default()
        )));
    }
    for f in [&tls.ca, &tls.cert, &tls.key] {
        if !f.exists() {
            return Err(DaemonError::Unsupported(format!(
                "the TLS file {} is missing ({}); set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem",
                f.display(),
                endpoint.describe()
            )));
        }
    }
    let bad_tls = |cause: String| DaemonError::Unreachable {
        endpoint: endpoint.describe(),
        cause,
        hint: "check the certificates in DOCKER_CERT_PATH".to_string(),
    };
    Ok(Dial::Tls {
        hostport: hostport.to_string(),
        name: transport::server_name(hostport).map_err(bad_tls)?,
        connector: transport::tls_connector(tls).map_err(bad_tls)?,
    })
}

#[cfg(not(feature = "tls"))]
fn tls_dial(
    endpoint: &Endpoint,
    _hostport: &str,
    _tls: &self::endpoint::TlsFiles,
) -> Result<Dial, DaemonError> {
    Err(DaemonError::Unsupported(format!(
        "this buildlint was built without TLS support ({}); rebuild with the default features (`tls`)",
        endpoint.describe()
    )))
}

/// Reads a bollard error as the cause in an "unreachable" sentence.
pub fn describe_transport_error(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::RequestTimeoutError => "no answer in time".to_string(),
        E::SocketNotFoundError(p) => format!("no socket at {p}"),
        E::DockerResponseServerError {
            status_code,
            message,
        } => format!("the daemon answered {status_code}: {message}"),
        other => {
            // hyper's errors hide the cause (connection refused, permission
            // denied) in their source chain.
            let mut text = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                let t = s.to_string();
                if !text.contains(&t) {
                    text = t;
                }
                src = s.source();
            }
            text
        }
    }
}

impl Daemon {
    /// Connects and asks the daemon for its version; an unreachable or too
    /// old daemon is an error naming the endpoint.
    pub async fn connect(endpoint: Endpoint) -> Result<Daemon, DaemonError> {
        let docker = client(&endpoint)?;
        let version = docker
            .version()
            .await
            .map_err(|e| DaemonError::Unreachable {
                endpoint: endpoint.describe(),
                cause: describe_transport_error(&e),
                hint: hint_for(&endpoint),
            })?;
        let api_text = version.api_version.clone().unwrap_or_default();
        let api = parse_version(&api_text).unwrap_or((0, 0));
        if api < MIN_API {
            return Err(DaemonError::TooOld {
                endpoint: endpoint.describe(),
                api: api_text,
            });
        }
        let info = DaemonInfo {
            engine: version.version.unwrap_or_default(),
            api,
            os: version.os.unwrap_or_else(|| "linux".to_string()),
            arch: version.arch.unwrap_or_else(|| "amd64".to_string()),
        };
        let docker = docker.with_request_modifier(super::credentials::url_safe_auth_headers);
        let build_docker = client_reading(&endpoint, Reading::Stream, BUILD_TIMEOUT)?
            .with_request_modifier(super::credentials::url_safe_auth_headers);
        Ok(Daemon {
            docker,
            build_docker,
            record_endpoint: endpoint.host.clone(),
            endpoint,
            info,
        })
    }

    /// The image's ID and what matters to a build, or `None` when the daemon
    /// has no such image.
    pub async fn inspect_image(
        &self,
        name: &str,
    ) -> Result<Option<ImageFacts>, bollard::errors::Error> {
        // The name goes into the request path unescaped; a name outside the
        // reference grammar cannot be an image the daemon holds, and must not
        // reach another endpoint through `/`, `..`, `?` or `#`.
        if !is_path_safe_reference(name) {
            return Ok(None);
        }
        match self.docker.inspect_image(name).await {
            Ok(img) => {
                let config = img.config.unwrap_or_default();
                let id = img.id.unwrap_or_default();
                if !is_image_id(&id) {
                    return Err(invalid_id("the daemon's answer", &id));
                }
                Ok(Some(ImageFacts {
                    id,
                    os: img.os.unwrap_or_default(),
                    architecture: img.architecture.unwrap_or_default(),
                    variant: img.variant.filter(|v| !v.is_empty()),
                    onbuild: config.on_build.unwrap_or_default(),
                    env: config.env.unwrap_or_default(),
                    shell: config.shell.unwrap_or_default(),
                    working_dir: config.working_dir.filter(|w| !w.is_empty()),
                    user: config.user.filter(|u| !u.is_empty()),
                }))
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Points `reference` (`repo[:tag]`) at `image_id`. Moves the tag if it
    /// named another image, as `docker build -t` does; removes nothing.
    pub async fn tag(&self, image_id: &str, reference: &str) -> Result<(), bollard::errors::Error> {
        if !is_short_image_id(image_id) {
            return Err(invalid_id("the image to tag", image_id));
        }
        let (repo, tag) = split_reference(reference);
        let opts = bollard::query_parameters::TagImageOptionsBuilder::default()
            .repo(repo)
            .tag(tag)
            .build();
        self.docker.tag_image(image_id, Some(opts)).await
    }
}

/// An image ID as the daemon gives it: `sha256:` and 64 lower-case hex
/// digits. Anything else (from a reply or a hand-edited record) never
/// reaches an API path, where `sha256:../../x` would name another endpoint.
pub fn is_image_id(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether `name` can be put in a request path as it is: only the characters
/// of an image reference (`registry:5000/team/app:tag@sha256:...`), no empty,
/// `.` or `..` path segment.
pub fn is_path_safe_reference(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/' | b'@')
        })
        && name
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
}

/// The ID the classic builder prints (`Successfully built 8dce8d8ac92e`):
/// 12 to 64 hex digits, or a full [`is_image_id`].
pub fn is_short_image_id(s: &str) -> bool {
    is_image_id(s)
        || (12..=64).contains(&s.len()) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn invalid_id(what: &str, id: &str) -> bollard::errors::Error {
    bollard::errors::Error::DockerResponseServerError {
        status_code: 0,
        message: format!(
            "{what} is not an image ID: {:?}",
            id.chars().take(80).collect::<String>()
        ),
    }
}

/// What the builder needs to know about a local image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub id: String,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// ONBUILD triggers, as the image config stores them.
    pub onbuild: Vec<String>,
    /// `Config.Env`: `NAME=value` entries.
    pub env: Vec<String>,
    /// `Config.Shell`.
    pub shell: Vec<String>,
    /// `Config.WorkingDir`.
    pub working_dir: Option<String>,
    /// `Config.User`.
    pub user: Option<String>,
}

impl ImageFacts {
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// `registry:5000/app:1.2` → (`registry:5000/app`, `1.2`); no tag → `latest`.
/// A digest reference keeps its digest in the repo part (tags cannot hold one).
pub fn split_reference(reference: &str) -> (&str, &str) {
    if reference.contains('@') {
        return (reference, "");
    }
    let last_slash = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
    match reference[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&reference[..at], &reference[at + 1..])
        }
        None => (reference, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reference_shaped_names_go_into_a_request_path() {
        for ok in [
            "busybox",
            "registry.example.com:5000/team/app:1.2-rc_3",
            "app@sha256:0123456789abcdef",
            "sha256:0123456789abcdef",
        ] {
            assert!(is_path_safe_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "../../containers/x",
            "app/../../../info",
            "a//b",
            "app?x=1",
            "app#frag",
            "app tag",
            "app%2e%2e",
            "./app",
        ] {
            assert!(!is_path_safe_reference(bad), "{bad}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.41"), Some((1, 41)));
        assert_eq!(parse_version("20.10.24+dfsg1"), Some((20, 10)));
        assert_eq!(parse_version("27"), Some((27, 0)));
        assert_eq!(parse_version("x"), None);
        let info = DaemonInfo {
            engine: "20.10.24+dfsg1".into(),
            api: (1, 41),
            os: "linux".into(),
            arch: "amd64".into(),
        };
        assert!(!info.builtin_frontend_has_heredocs());
        assert!(info.may_support_buildkit());
        assert_eq!(info.platform(), "linux/amd64");
        let newer = DaemonInfo {
            engine: "24.0.7".into(),
            ..info
        };
        assert!(newer.builtin_frontend_has_heredocs());
    }

    #[test]
    fn references_split_at_the_tag() {
        assert_eq!(split_reference("app"), ("app", "latest"));
        assert_eq!(split_reference("app:dev"), ("app", "dev"));
        assert_eq!(
            split_reference("registry:5000/team/app"),
            ("registry:5000/team/app", "latest")
        );
        assert_eq!(
            split_reference("registry:5000/team/app:1.2"),
            ("registry:5000/team/app", "1.2")
        );
    }

    #[test]
    fn a_missing_socket_names_the_endpoint_and_what_to_check() {
        let ep = crate::builder::daemon::endpoint::from_host(
            "unix:///nonexistent/docker.sock",
            crate::builder::daemon::endpoint::Source::EnvHost,
            None,
        )
        .unwrap();
        let err = client(&ep).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot reach the Docker daemon at unix:///nonexistent/docker.sock (from DOCKER_HOST): no socket at /nonexistent/docker.sock; check that the daemon is running"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod image_id_tests {
    use super::*;

    #[test]
    fn only_sha256_hex_ids_pass() {
        let good = format!("sha256:{}", "0123456789abcdef".repeat(4));
        assert!(is_image_id(&good));
        assert!(is_short_image_id(&good));
        assert!(is_short_image_id("8dce8d8ac92e"));
        for bad in [
            "sha256:../../../../etc/passwd",
            "sha256:",
            "8dce8d8ac92e",
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:{}/", "a".repeat(64)),
            &format!("{good}\n"),
        ] {
            assert!(!is_image_id(bad), "{bad}");
        }
        assert!(!is_short_image_id("../tag"));
        assert!(!is_short_image_id("8dce8d8ac9"));
    }
}
