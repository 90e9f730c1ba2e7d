//! `buildlint build` against a real registry (Debian's `docker-registry`,
//! started by the tests on 127.0.0.1): push, credentials, registry cache.

#[path = "support/registry.rs"]
mod registry;
mod support;

use registry::{DockerConfig, Registry};
use support::{base_image, docker, docker_or_skip, Cleanup};

#[test]
fn the_registry_harness_serves_pushes_with_and_without_auth() {
    if !docker_or_skip("the_registry_harness_serves_pushes_with_and_without_auth") {
        return;
    }
    let mut clean = Cleanup::default();
    let open = Registry::start();
    let tag = clean.tag(&format!(
        "{}/harness/open:{}",
        open.host(),
        std::process::id()
    ));
    docker(&["tag", &base_image(), &tag]);
    docker(&["push", &tag]);
    assert_eq!(
        open.tags("harness/open"),
        vec![std::process::id().to_string()]
    );

    let locked = Registry::start_with_auth();
    let tag = clean.tag(&format!(
        "{}/harness/locked:{}",
        locked.host(),
        std::process::id()
    ));
    docker(&["tag", &base_image(), &tag]);
    let denied = DockerConfig::empty().docker(&["push", &tag]);
    assert!(
        !denied.status.success(),
        "a push without credentials must fail"
    );
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("no basic auth credentials") || err.contains("unauthorized"),
        "{err}"
    );
    for config in [
        locked.config_with_auths(),
        locked.config_with_helper("buildlint-test"),
    ] {
        let ok = config.docker(&["push", &tag]);
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
    assert_eq!(
        locked.tags("harness/locked"),
        vec![std::process::id().to_string()]
    );
}
