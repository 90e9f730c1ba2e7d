//! RUN steps and the daemon's default network.
//!
//! Some daemons have no working `docker0`: the `bridge` network exists, its
//! interface does not, and every container on the default network fails.
//! There a build says to use `--network none` (or `host`), and builds with
//! it. That is proven on an engine made that way (`.ci/no-bridge-engine`);
//! where no bridge can be created, on the main daemon when its default
//! network is already broken, and otherwise the test fails under
//! `BUILDLINT_REQUIRE_DOCKER=1` (says it is skipped without).

mod support;

use support::{
    base_image, base_image_on, default_network, docker_or_skip, docker_required, Cleanup, Ctx,
    DefaultNetwork, EngineRefused, NoBridgeEngine, NO_NETWORK,
};

/// `buildlint build` on the daemon at `host` with records of its own; the
/// network is the caller's choice.
fn build_on(host: &str, extra: &[&str], ctx: &Ctx) -> (u8, String, String) {
    let records = tempfile::tempdir().unwrap();
    let cache = records.path().to_string_lossy().into_owned();
    let arg = ctx.arg();
    let mut v = vec![
        "build",
        "--progress",
        "plain",
        "--pull",
        "never",
        "--host",
        host,
        "--cache-dir",
        &cache,
    ];
    v.extend_from_slice(extra);
    v.push(&arg);
    buildlint::cli::run_captured(&v)
}

/// The main daemon's address for `--host`.
fn main_host() -> String {
    format!("unix://{}", support::daemon_socket())
}

#[test]
fn without_a_bridge_a_run_says_to_use_network_none_and_builds_with_it() {
    let test = "without_a_bridge_a_run_says_to_use_network_none_and_builds_with_it";
    if !docker_or_skip(test) {
        return;
    }
    // The engine stays up until the end of the test, also when it fails.
    let (engine, host) = match NoBridgeEngine::start() {
        Ok(engine) => {
            let host = engine.host.clone();
            (Some(engine), host)
        }
        Err(EngineRefused::Failed(why)) => panic!("the no-bridge engine did not start: {why}"),
        Err(EngineRefused::NoBridgeAllowed(why)) => match default_network(None) {
            DefaultNetwork::Broken(_) => (None, main_host()),
            DefaultNetwork::Works => {
                let say = format!(
                        "{test}: no bridge can be created here ({why}) and the main daemon's default network works, so there is no daemon without one"
                    );
                if docker_required() {
                    panic!("{say} (BUILDLINT_REQUIRE_DOCKER=1)");
                }
                eprintln!("{say}: SKIPPED");
                return;
            }
        },
    };
    let on_engine = engine.is_some();
    // The daemon really is one whose default network is broken.
    assert!(
        matches!(
            default_network(Some(&host)),
            DefaultNetwork::Broken(ref e) if e.contains("failed to create endpoint")
        ),
        "a container on the default network of {host} should fail"
    );
    let base = base_image_on(Some(&host));
    let mut clean = Cleanup::default();
    let marker = clean.marker(&format!("no-bridge-{}", std::process::id()));
    for builder in ["buildkit", "classic"] {
        let ctx = Ctx::new(&[(
            "Dockerfile",
            &format!("FROM {base}\nRUN echo {marker} > /ran\n"),
        )]);
        let (code, out, err) = build_on(&host, &["--builder", builder], &ctx);
        assert_eq!(
            code, 1,
            "{builder}: the RUN fails on the default network: {err}"
        );
        assert_eq!(out, "", "{builder}");
        assert!(
            err.contains("on network bridge"),
            "{builder}: what the daemon said is shown: {err}"
        );
        assert!(
            err.contains("help: the daemon's default bridge network does not work: build with `--network none` (RUN steps get no network) or `--network host`; in a stack file, `build.network`"),
            "{builder}: {err}"
        );
        assert!(err.contains("--> "), "{builder}: points at the RUN: {err}");

        let mut extra = vec!["--builder", builder];
        extra.extend_from_slice(&NO_NETWORK);
        let (code, out, err) = build_on(&host, &extra, &ctx);
        assert_eq!(code, 0, "{builder}: with --network none it builds: {err}");
        assert!(out.trim().starts_with("sha256:"), "{builder}: {out}");
        if !on_engine {
            clean.image(out.trim());
        }
    }

    // A stack: `build.network: none` in the stack file builds that service;
    // the one on the default network fails with the same hint.
    let project = format!("blnb{}", std::process::id());
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  offline:\n    build:\n      context: .\n      network: none\n  online:\n    build: .\n"
            ),
        ),
        (
            "Dockerfile",
            &format!("FROM {base}\nRUN echo {marker} > /ran\n"),
        ),
    ]);
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();
    for service in ["offline", "online"] {
        clean.tag(&format!("{project}-{service}"));
    }
    let records = tempfile::tempdir().unwrap();
    let cache = records.path().to_string_lossy().into_owned();
    let (code, out, err) = buildlint::cli::run_captured(&[
        "build",
        "--progress",
        "plain",
        "--pull",
        "never",
        "--host",
        &host,
        "--cache-dir",
        &cache,
        "-f",
        &compose,
    ]);
    assert_eq!(code, 1, "{err}");
    let row = |service: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(service))
            .unwrap_or_else(|| panic!("no row for {service}: {out}"))
            .to_string()
    };
    assert!(row("offline").contains("  built  "), "{out}\n{err}");
    assert!(!row("online").contains("  built  "), "{out}\n{err}");
    assert!(
        err.contains("help: the daemon's default bridge network does not work"),
        "{err}"
    );

    if on_engine {
        // Nothing to remove: the engine and all it holds go with it.
        clean.markers.clear();
        clean.tags.clear();
    }
    drop(clean);
    drop(engine);
}

/// On the main daemon, whichever kind it is: a RUN on the default network
/// builds where containers get one, and fails with the hint where not.
#[test]
fn a_run_on_the_default_network_does_what_the_daemon_can() {
    if !docker_or_skip("a_run_on_the_default_network_does_what_the_daemon_can") {
        return;
    }
    let network = default_network(None);
    let base = base_image();
    let mut clean = Cleanup::default();
    let marker = clean.marker(&format!("default-network-{}", std::process::id()));
    for builder in ["buildkit", "classic"] {
        let ctx = Ctx::new(&[(
            "Dockerfile",
            &format!("FROM {base}\nRUN echo {marker} > /ran\n"),
        )]);
        let (code, out, err) = build_on(&main_host(), &["--builder", builder], &ctx);
        match &network {
            DefaultNetwork::Works => {
                assert_eq!(code, 0, "{builder}: {err}");
                clean.image(out.trim());
            }
            DefaultNetwork::Broken(why) => {
                assert_eq!(
                    code, 1,
                    "{builder}: the daemon said {why}; buildlint: {err}"
                );
                assert!(err.contains("`--network none`"), "{builder}: {err}");
            }
        }
    }
}
