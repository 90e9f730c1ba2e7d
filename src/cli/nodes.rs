//! `buildlint nodes`: the fleet's nodes as `build` would use them, each
//! asked about itself.

use std::path::PathBuf;

use clap::Args;

use crate::builder::daemon::endpoint::EnvSnapshot;

/// How `nodes` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum NodesFormat {
    /// One block of lines per node.
    Human,
    /// A JSON array, one object per node.
    Json,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
buildlint nodes                                  the nodes of buildlint.toml or BUILDLINT_NODES\n  \
buildlint nodes --node unix:///run/a.sock --node ci-box\n  \
buildlint nodes -f compose.yaml --format json   with the stack's images each node holds\n\n\
Exit status: 0 every node answers, 1 some do not, 2 no node is named or none answers.")]
pub struct NodesArgs {
    /// A node: a docker context name or a daemon address; repeatable (else
    /// BUILDLINT_NODES, else `[[nodes]]` in buildlint.toml).
    #[arg(long = "node", value_name = "ENDPOINT")]
    pub nodes: Vec<String>,

    /// The stack file whose images to look for (default: compose.yaml and
    /// the other names compose looks for, in the current directory).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: NodesFormat,
}

/// The images a stack's services build, by the names compose gives them.
fn project_images(files: &[PathBuf]) -> Vec<String> {
    use crate::compose::{load, LoadOptions};
    let cwd = std::env::current_dir().unwrap_or_default();
    let files: Vec<PathBuf> = if files.is_empty() {
        [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
        ]
        .iter()
        .map(|n| cwd.join(n))
        .find(|p| p.is_file())
        .into_iter()
        .collect()
    } else {
        files.iter().map(|f| cwd.join(f)).collect()
    };
    if files.is_empty() {
        return Vec::new();
    }
    let loaded = load(&LoadOptions {
        files,
        environment: std::env::vars().collect(),
        display_base: Some(cwd),
        home: dirs::home_dir(),
        ..LoadOptions::default()
    });
    let Some(project) = loaded.project.as_ref() else {
        return Vec::new();
    };
    project
        .services
        .iter()
        .filter(|s| s.build.is_some())
        .map(|s| crate::builder::schedule::stack::image_name(project, s))
        .collect()
}

pub fn run(args: NodesArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir()?;
    let config_dir = args
        .files
        .first()
        .and_then(|f| cwd.join(f).parent().map(PathBuf::from))
        .unwrap_or_else(|| cwd.clone());
    let (specs, _) = match super::build::fleet_nodes(&args.nodes, &config_dir) {
        Ok(n) => n,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok(super::EXIT_ERROR);
        }
    };
    if specs.is_empty() {
        writeln!(
            io.stderr,
            "buildlint: no node is named; give --node ENDPOINT, BUILDLINT_NODES or `[[nodes]]` in buildlint.toml (see docs/fleet.md)"
        )?;
        return Ok(super::EXIT_ERROR);
    }
    let images = project_images(&args.files);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let statuses = rt.block_on(crate::builder::fleet::status(
        &specs,
        &images,
        &EnvSnapshot::from_process(),
    ));
    rt.shutdown_background();
    match args.format {
        NodesFormat::Json => {
            writeln!(io.stdout, "{}", serde_json::to_string_pretty(&statuses)?)?;
        }
        NodesFormat::Human => {
            for (i, st) in statuses.iter().enumerate() {
                if i > 0 {
                    writeln!(io.stdout)?;
                }
                writeln!(io.stdout, "{}", st.name)?;
                writeln!(io.stdout, "  endpoint: {}", st.endpoint)?;
                if !st.reachable {
                    writeln!(
                        io.stdout,
                        "  reachable: no, {}",
                        st.error.as_deref().unwrap_or("no answer")
                    )?;
                    continue;
                }
                writeln!(io.stdout, "  reachable: yes")?;
                writeln!(
                    io.stdout,
                    "  engine: {} (API {})",
                    st.engine.as_deref().unwrap_or("-"),
                    st.api.as_deref().unwrap_or("-")
                )?;
                writeln!(io.stdout, "  builders: {}", st.builders.join(", "))?;
                if let Some(j) = st.jobs {
                    writeln!(io.stdout, "  jobs: {j}")?;
                }
                let count = |c: Option<u64>| c.map_or("-".to_string(), |c| c.to_string());
                writeln!(
                    io.stdout,
                    "  containers running: {}",
                    count(st.containers_running)
                )?;
                writeln!(
                    io.stdout,
                    "  project images: {}",
                    if images.is_empty() {
                        "- (no stack file)".to_string()
                    } else if st.images.is_empty() {
                        format!("none of {}", images.len())
                    } else {
                        format!(
                            "{} of {}: {}",
                            st.images.len(),
                            images.len(),
                            st.images.join(", ")
                        )
                    }
                )?;
            }
        }
    }
    let reachable = statuses.iter().filter(|s| s.reachable).count();
    Ok(if reachable == 0 {
        super::EXIT_ERROR
    } else if reachable < statuses.len() {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    })
}
