//! A fleet: builds spread over several Docker Engines (nodes).
//!
//! A node is one Docker endpoint: a docker context name or a `unix://`,
//! `tcp://` address (TLS as for `--host`). The nodes come from the command
//! line (`--node`, repeatable), else `BUILDLINT_NODES` (comma separated),
//! else the `[[nodes]]` tables of `buildlint.toml`; the first source that
//! names any wins whole. No node anywhere: the one daemon of `--host`,
//! `DOCKER_HOST` or the docker context, as without a fleet.
//!
//! Images move between nodes through a registry (`[fleet] registry`) or
//! from daemon to daemon ([`moves`]); the scheduler that places each job is
//! `schedule::fleet`.

pub mod moves;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::daemon::endpoint::{self, EnvSnapshot};
use super::daemon::Daemon;

/// How a node was named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeSpec {
    /// Shown in progress and tables: `name`, else the endpoint.
    pub name: String,
    /// A docker context name or a daemon address.
    pub endpoint: String,
    /// Builds at once on this node (`None`: `-j`).
    pub jobs: Option<usize>,
    /// Where it was named: `--node`, `BUILDLINT_NODES`, or `FILE:LINE`.
    pub from: String,
}

/// `[fleet]`: how images move between nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FleetSettings {
    /// A repository prefix in a registry every node can pull from
    /// (`registry.example.com/ci`): built images are pushed there with
    /// inline cache metadata, and nodes take their layer cache from it.
    pub registry: Option<String>,
    /// How images move when a registry is set; `None`: [`moves::Transfer::DEFAULT`].
    pub moves: Option<moves::Transfer>,
}

/// A node configuration problem: where, what.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{at}: {message}")]
pub struct NodeConfigError {
    pub at: String,
    pub message: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    endpoint: toml::Spanned<String>,
    name: Option<toml::Spanned<String>>,
    jobs: Option<toml::Spanned<i64>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleet {
    registry: Option<toml::Spanned<String>>,
    moves: Option<toml::Spanned<String>>,
}

/// The file's other keys are lint's.
#[derive(serde::Deserialize)]
struct RawFile {
    #[serde(default)]
    nodes: Vec<toml::Spanned<RawNode>>,
    fleet: Option<RawFleet>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The `[[nodes]]` and `[fleet]` of a `buildlint.toml`'s text.
pub fn parse_file(
    path: &Path,
    text: &str,
) -> Result<(Vec<NodeSpec>, FleetSettings), NodeConfigError> {
    let at = |offset: usize| {
        let (l, c) = line_col(text, offset);
        format!("{}:{l}:{c}", path.display())
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let help = if message.contains("endpoint") || message.contains("jobs") {
            "; a node has `endpoint`, and optionally `name` and `jobs`"
        } else if message.contains("registry") || message.contains("moves") {
            "; [fleet] has `registry` and `moves`"
        } else {
            ""
        };
        NodeConfigError {
            at: at(e.span().map_or(0, |s| s.start)),
            message: format!("{message}{help}"),
        }
    })?;
    let mut nodes = Vec::new();
    for n in raw.nodes {
        let start = n.span().start;
        let node = n.into_inner();
        let endpoint = node.endpoint.get_ref().trim().to_string();
        if endpoint.is_empty() {
            return Err(NodeConfigError {
                at: at(start),
                message: "a node's `endpoint` is empty; give a docker context name or an address such as unix:///var/run/docker.sock".into(),
            });
        }
        let jobs = match node.jobs {
            None => None,
            Some(j) if *j.get_ref() >= 1 => Some(*j.get_ref() as usize),
            Some(j) => {
                return Err(NodeConfigError {
                    at: at(start),
                    message: format!(
                        "`jobs = {}`: a node runs at least one build at a time",
                        j.get_ref()
                    ),
                })
            }
        };
        let name = node
            .name
            .map(|n| n.into_inner())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| endpoint.clone());
        let (line, _) = line_col(text, start);
        nodes.push(NodeSpec {
            name,
            endpoint,
            jobs,
            from: format!("{}:{line}", path.display()),
        });
    }
    let mut fleet = FleetSettings::default();
    if let Some(raw) = raw.fleet {
        fleet.registry = raw
            .registry
            .map(|r| r.into_inner().trim().trim_end_matches('/').to_string())
            .filter(|r| !r.is_empty());
        if let Some(m) = raw.moves {
            fleet.moves =
                Some(
                    moves::Transfer::parse(m.get_ref()).ok_or_else(|| NodeConfigError {
                        at: at(m.span().start),
                        message: format!(
                            "`moves = \"{}\"`: images move by `registry` or `direct`",
                            m.get_ref()
                        ),
                    })?,
                );
        }
    }
    check_unique(&nodes)?;
    Ok((nodes, fleet))
}

fn check_unique(nodes: &[NodeSpec]) -> Result<(), NodeConfigError> {
    for (i, a) in nodes.iter().enumerate() {
        if let Some(b) = nodes[..i].iter().find(|b| b.name == a.name) {
            return Err(NodeConfigError {
                at: a.from.clone(),
                message: format!(
                    "two nodes are named `{}` (also {}); give each its own `name`",
                    a.name, b.from
                ),
            });
        }
    }
    Ok(())
}

/// The nodes to use: `--node` values, else `BUILDLINT_NODES`, else the
/// file's `[[nodes]]`. Empty: no fleet.
pub fn choose(
    flags: &[String],
    env: Option<&str>,
    file: Vec<NodeSpec>,
) -> Result<Vec<NodeSpec>, NodeConfigError> {
    let listed = |values: Vec<&str>, from: &str| -> Vec<NodeSpec> {
        values
            .into_iter()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| NodeSpec {
                name: v.to_string(),
                endpoint: v.to_string(),
                jobs: None,
                from: from.to_string(),
            })
            .collect()
    };
    let nodes = if !flags.is_empty() {
        listed(flags.iter().map(String::as_str).collect(), "--node")
    } else if let Some(env) = env.filter(|e| !e.trim().is_empty()) {
        listed(env.split(',').collect(), "BUILDLINT_NODES")
    } else {
        file
    };
    check_unique(&nodes)?;
    Ok(nodes)
}

/// The nearest `buildlint.toml` at or above `dir`, read for its nodes and
/// fleet settings (none when there is no file).
pub fn from_config_near(
    dir: &Path,
) -> Result<(Vec<NodeSpec>, FleetSettings, Option<std::path::PathBuf>), NodeConfigError> {
    let mut at = Some(dir);
    while let Some(d) = at {
        for name in ["buildlint.toml", ".buildlint.toml"] {
            let p = d.join(name);
            if p.is_file() {
                let text = std::fs::read_to_string(&p).map_err(|e| NodeConfigError {
                    at: p.display().to_string(),
                    message: format!("cannot read it: {e}"),
                })?;
                // A file that is not TOML at all is lint's to report (a build
                // with --no-lint goes on without it, as it always has).
                if text.parse::<toml::Table>().is_err() {
                    return Ok((Vec::new(), FleetSettings::default(), None));
                }
                let (nodes, fleet) = parse_file(&p, &text)?;
                return Ok((nodes, fleet, Some(p)));
            }
        }
        at = d.parent();
    }
    Ok((Vec::new(), FleetSettings::default(), None))
}

/// A reachable node.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub daemon: Arc<Daemon>,
    /// Builds at once here.
    pub jobs: usize,
}

/// A node left out, and why.
#[derive(Clone, Debug)]
pub struct Unreachable {
    pub spec: NodeSpec,
    pub why: String,
}

/// How long a node may take to answer at start before it is left out.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects every node at once; the reachable ones in the order given, and
/// the ones left out with why.
pub async fn connect(
    specs: &[NodeSpec],
    default_jobs: usize,
    env: &EnvSnapshot,
) -> (Vec<Node>, Vec<Unreachable>) {
    let futs = specs.iter().map(|spec| async move {
        let ep = endpoint::for_node(&spec.endpoint, &spec.from, env).map_err(|e| e.to_string())?;
        match tokio::time::timeout(CONNECT_TIMEOUT, Daemon::connect(ep)).await {
            Ok(Ok(d)) => Ok(d),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
        }
    });
    let results = futures_util::future::join_all(futs).await;
    let mut nodes = Vec::new();
    let mut left_out = Vec::new();
    for (spec, r) in specs.iter().zip(results) {
        match r {
            Ok(mut d) => {
                d.record_endpoint = FLEET_RECORD_ENDPOINT.to_string();
                nodes.push(Node {
                    name: spec.name.clone(),
                    daemon: Arc::new(d),
                    jobs: spec.jobs.unwrap_or(default_jobs).max(1),
                })
            }
            Err(why) => left_out.push(Unreachable {
                spec: spec.clone(),
                why,
            }),
        }
    }
    (nodes, left_out)
}

/// What build records of a fleet name as their endpoint: one for every
/// node, so a record holds wherever its image is (image IDs are content
/// addresses, the same on every node).
pub const FLEET_RECORD_ENDPOINT: &str = "fleet";

/// Whether the node answers now (a short ping).
pub async fn answers(daemon: &Daemon) -> Result<(), String> {
    match tokio::time::timeout(Duration::from_secs(5), daemon.docker.ping()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(super::daemon::describe_transport_error(&e)),
        Err(_) => Err("no answer within 5s".to_string()),
    }
}

/// One node as `buildlint nodes` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub endpoint: String,
    pub reachable: bool,
    /// Why not, when unreachable.
    pub error: Option<String>,
    pub engine: Option<String>,
    pub api: Option<String>,
    /// `buildkit`, `classic`.
    pub builders: Vec<String>,
    pub jobs: Option<usize>,
    /// Containers running now: the classic builder's steps among them
    /// (the Engine API shows no count of BuildKit builds).
    pub containers_running: Option<u64>,
    /// The images of the current project this node holds.
    pub images: Vec<String>,
}

/// Asks each node about itself and which of `images` it holds.
pub async fn status(specs: &[NodeSpec], images: &[String], env: &EnvSnapshot) -> Vec<NodeStatus> {
    let futs = specs.iter().map(|spec| async move {
        let mut st = NodeStatus {
            name: spec.name.clone(),
            endpoint: spec.endpoint.clone(),
            reachable: false,
            error: None,
            engine: None,
            api: None,
            builders: Vec::new(),
            jobs: spec.jobs,
            containers_running: None,
            images: Vec::new(),
        };
        let one = std::slice::from_ref(spec);
        let (mut nodes, left) = connect(one, 1, env).await;
        let Some(node) = nodes.pop() else {
            st.error = left.first().map(|u| u.why.clone());
            return st;
        };
        let d = &node.daemon;
        st.reachable = true;
        st.engine = Some(d.info.engine.clone());
        st.api = Some(format!("{}.{}", d.info.api.0, d.info.api.1));
        if cfg!(feature = "buildkit") && d.info.may_support_buildkit() {
            st.builders.push("buildkit".into());
        }
        st.builders.push("classic".into());
        let running = bollard::query_parameters::ListContainersOptionsBuilder::default()
            .filters(&std::collections::HashMap::from([(
                "status".to_string(),
                vec!["running".to_string()],
            )]))
            .build();
        st.containers_running = d
            .docker
            .list_containers(Some(running))
            .await
            .ok()
            .map(|c| c.len() as u64);
        for img in images {
            if let Ok(Some(_)) = d.inspect_image(img).await {
                st.images.push(img.clone());
            }
        }
        st
    });
    futures_util::future::join_all(futs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_read_from_the_file_with_their_lines() {
        let text = "select = []\n\n[[nodes]]\nendpoint = \"unix:///a.sock\"\nname = \"a\"\njobs = 2\n\n[[nodes]]\nendpoint = \"ci-box\"\n\n[fleet]\nregistry = \"127.0.0.1:5000/ci/\"\nmoves = \"direct\"\n";
        let (nodes, fleet) = parse_file(Path::new("buildlint.toml"), text).unwrap();
        assert_eq!(
            nodes,
            vec![
                NodeSpec {
                    name: "a".into(),
                    endpoint: "unix:///a.sock".into(),
                    jobs: Some(2),
                    from: "buildlint.toml:3".into(),
                },
                NodeSpec {
                    name: "ci-box".into(),
                    endpoint: "ci-box".into(),
                    jobs: None,
                    from: "buildlint.toml:8".into(),
                },
            ]
        );
        assert_eq!(fleet.registry.as_deref(), Some("127.0.0.1:5000/ci"));
        assert_eq!(fleet.moves, Some(moves::Transfer::Direct));
    }

    #[test]
    fn bad_nodes_name_the_place() {
        let e = parse_file(
            Path::new("b.toml"),
            "[[nodes]]\nendpoint = \"x\"\njobs = 0\n",
        )
        .unwrap_err();
        assert_eq!(e.at, "b.toml:1:1");
        assert!(e.message.contains("at least one"), "{e}");
        let e = parse_file(Path::new("b.toml"), "[[nodes]]\nendpont = \"x\"\n").unwrap_err();
        assert!(e.message.contains("endpont"), "{e}");
        let e = parse_file(
            Path::new("b.toml"),
            "[[nodes]]\nendpoint = \"x\"\n[[nodes]]\nendpoint = \"x\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("two nodes are named `x`"), "{e}");
        let e = parse_file(Path::new("b.toml"), "[fleet]\nmoves = \"ftp\"\n").unwrap_err();
        assert_eq!(e.at, "b.toml:2:9");
    }

    #[test]
    fn the_command_line_wins_over_the_environment_over_the_file() {
        let file = vec![NodeSpec {
            name: "f".into(),
            endpoint: "f".into(),
            jobs: Some(3),
            from: "buildlint.toml:1".into(),
        }];
        let flags = vec!["unix:///x.sock".to_string()];
        let c = choose(&flags, Some("a,b"), file.clone()).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].from, "--node");
        let c = choose(&[], Some(" a , b ,"), file.clone()).unwrap();
        assert_eq!(
            c.iter().map(|n| n.endpoint.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(c[0].from, "BUILDLINT_NODES");
        assert_eq!(choose(&[], Some(""), file.clone()).unwrap(), file);
        assert!(choose(&[], None, Vec::new()).unwrap().is_empty());
    }
}
