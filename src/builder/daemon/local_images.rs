//! Base image configurations from the local daemon (`check --inspect-images`):
//! what an image the daemon already has sets (`Config.Env`, `Shell`,
//! `WorkingDir`, `OnBuild`), for UndefinedVar and the other rules that read
//! a stage's variables. Nothing is pulled: an image the daemon does not have
//! is left to the next resolver (the official images table).
//!
//! Nothing talks to the daemon until a file asks for a base image: then one
//! connection is made, with a short timeout, and each image is inspected
//! once however many Dockerfiles name it. When the daemon cannot be used,
//! [`LocalImages::problem`] says why, once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::endpoint::{self, EnvSnapshot};
use super::{describe_transport_error, Daemon, DaemonError, ImageFacts};
use crate::dockerfile::image_ref::ImageRef;
use crate::lint::semantic::{ImageConfig, ImageResolver};

/// A lint must not wait long for a daemon that does not answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The local daemon's images as an [`ImageResolver`].
pub struct LocalImages {
    env: EnvSnapshot,
    daemon: OnceLock<Option<(tokio::runtime::Runtime, Daemon)>>,
    /// One cell per image reference, so each is inspected once.
    images: Mutex<HashMap<String, Arc<OnceLock<Option<ImageConfig>>>>>,
    problem: OnceLock<String>,
}

impl LocalImages {
    /// Resolves the endpoint as `build` does (`DOCKER_HOST`, the docker
    /// contexts), when the first image is asked for.
    pub fn new(env: EnvSnapshot) -> LocalImages {
        LocalImages {
            env,
            daemon: OnceLock::new(),
            images: Mutex::new(HashMap::new()),
            problem: OnceLock::new(),
        }
    }

    /// Why the daemon's images were not (all) used: the first problem.
    pub fn problem(&self) -> Option<&str> {
        self.problem.get().map(String::as_str)
    }

    fn note(&self, problem: String) {
        let _ = self.problem.set(problem);
    }

    fn daemon(&self) -> Option<&(tokio::runtime::Runtime, Daemon)> {
        self.daemon
            .get_or_init(|| self.connect().map_err(|e| self.note(e)).ok())
            .as_ref()
    }

    fn connect(&self) -> Result<(tokio::runtime::Runtime, Daemon), String> {
        let endpoint = endpoint::resolve(None, None, &self.env).map_err(|e| e.to_string())?;
        let shown = endpoint.describe();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the daemon client: {e}"))?;
        match rt.block_on(async { tokio::time::timeout(TIMEOUT, Daemon::connect(endpoint)).await })
        {
            Ok(Ok(daemon)) => Ok((rt, daemon)),
            Ok(Err(DaemonError::Unreachable {
                endpoint, cause, ..
            })) => Err(format!(
                "cannot reach the Docker daemon at {endpoint}: {cause}"
            )),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "cannot reach the Docker daemon at {shown}: no answer in {}s",
                TIMEOUT.as_secs()
            )),
        }
    }

    fn inspect(&self, reference: &str) -> Option<ImageConfig> {
        let (rt, daemon) = self.daemon()?;
        let inspected = rt.block_on(async {
            tokio::time::timeout(TIMEOUT, daemon.inspect_image(reference)).await
        });
        let cause = match inspected {
            Ok(Ok(facts)) => return facts.map(image_config),
            Ok(Err(e)) => describe_transport_error(&e),
            Err(_) => format!("no answer in {}s", TIMEOUT.as_secs()),
        };
        self.note(format!(
            "cannot inspect `{reference}` at {}: {cause}",
            daemon.endpoint.describe()
        ));
        None
    }
}

impl ImageResolver for LocalImages {
    fn resolve(&self, image: &ImageRef) -> Option<ImageConfig> {
        // The normalized reference, so `python` and `python:latest` are one image.
        let mut reference = image.to_string();
        if image.is_untagged() {
            reference.push_str(":latest");
        }
        let cell = self
            .images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(reference.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| self.inspect(&reference)).clone()
    }
}

/// What the linter reads from an image's inspect.
pub fn image_config(facts: ImageFacts) -> ImageConfig {
    ImageConfig {
        env: facts
            .env
            .iter()
            .map(|entry| match entry.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (entry.clone(), None),
            })
            .collect(),
        shell: facts.shell,
        working_dir: facts.working_dir,
        os: Some(facts.os).filter(|os| !os.is_empty()),
        onbuild: facts.onbuild,
        user: facts.user,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_config_keeps_names_and_values() {
        let c = image_config(ImageFacts {
            os: "linux".into(),
            env: vec!["FOO_HOME=/opt/foo".into(), "EMPTY=".into(), "BARE".into()],
            onbuild: vec!["ENV X=1".into()],
            ..ImageFacts::default()
        });
        assert_eq!(
            c.env,
            vec![
                ("FOO_HOME".into(), Some("/opt/foo".into())),
                ("EMPTY".into(), Some(String::new())),
                ("BARE".into(), None),
            ]
        );
        assert_eq!(c.os.as_deref(), Some("linux"));
        assert_eq!(c.onbuild, ["ENV X=1"]);
    }

    #[test]
    fn an_unreachable_daemon_is_one_problem_and_no_answer() {
        let env = EnvSnapshot {
            docker_host: Some("unix:///nonexistent/buildlint.sock".into()),
            ..EnvSnapshot::default()
        };
        let images = LocalImages::new(env);
        assert!(
            images.problem().is_none(),
            "nothing is asked before a lookup"
        );
        for name in ["mycorp/base:1", "python", "mycorp/base:1"] {
            let r = ImageRef::parse(name).unwrap();
            assert_eq!(images.resolve(&r), None);
        }
        assert_eq!(
            images.problem(),
            Some("cannot reach the Docker daemon at unix:///nonexistent/buildlint.sock (from DOCKER_HOST): no socket at /nonexistent/buildlint.sock")
        );
    }
}
