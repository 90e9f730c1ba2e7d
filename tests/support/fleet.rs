//! A fleet of extra Docker engines for the tests that spread builds over
//! several nodes: each an [`Engine`] with no default network
//! (`--bridge none`), started in parallel, holding the test base image
//! with the ID it has in the main daemon (copied, not re-imported, as a base
//! image pulled from a registry has one ID everywhere). Dropping the fleet
//! stops every engine, also when the test panics.

use super::{base_image, copy_image_to, docker_on, Engine, EngineNetwork};

pub struct Fleet {
    pub engines: Vec<Engine>,
    /// The base image every node holds.
    pub base: String,
}

impl Fleet {
    /// `n` engines, each holding [`base_image`].
    pub fn start(n: usize) -> Fleet {
        let base = base_image();
        let started: Vec<Result<Engine, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let base = base.clone();
                    s.spawn(move || {
                        let engine = Engine::start(EngineNetwork::BridgeNone)
                            .map_err(|e| format!("{e:?}"))?;
                        copy_image_to(&base, &engine.host);
                        Ok(engine)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("panicked".into())))
                .collect()
        });
        let mut engines = Vec::new();
        let mut failures = Vec::new();
        for r in started {
            match r {
                Ok(e) => engines.push(e),
                Err(e) => failures.push(e),
            }
        }
        // Engines that did start are dropped (stopped) by the panic.
        assert!(
            failures.is_empty(),
            "cannot start the fleet's engines: {failures:?}"
        );
        Fleet { engines, base }
    }

    /// The nodes' endpoints.
    pub fn hosts(&self) -> Vec<String> {
        self.engines.iter().map(|e| e.host.clone()).collect()
    }

    /// `--node HOST` for every engine.
    pub fn node_args(&self) -> Vec<String> {
        self.hosts()
            .into_iter()
            .flat_map(|h| ["--node".to_string(), h])
            .collect()
    }

    /// The ID `reference` has on node `i`, or None.
    pub fn image_id(&self, i: usize, reference: &str) -> Option<String> {
        let out = super::docker_command(Some(&self.engines[i].host))
            .args(["image", "inspect", "--format", "{{.Id}}", reference])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// `docker ARGS` on node `i`.
    pub fn docker(&self, i: usize, args: &[&str]) -> String {
        docker_on(Some(&self.engines[i].host), args)
    }
}
