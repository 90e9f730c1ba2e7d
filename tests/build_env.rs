//! `DOCKER_HOST` pointing nowhere: one sentence naming the endpoint, exit 2.
//! In a test binary of its own, since it sets the process environment.

mod support;

#[test]
fn an_unreachable_docker_host_is_named_and_exits_2() {
    let ctx = support::Ctx::new(&[("Dockerfile", "FROM scratch\nCOPY a /a\n"), ("a", "a")]);
    std::env::set_var("DOCKER_HOST", "unix:///nonexistent/run/docker.sock");
    std::env::remove_var("DOCKER_CONTEXT");
    let (code, out, err) = support::buildlint_build(&["--progress", "plain", &ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("buildlint: cannot reach the Docker daemon at unix:///nonexistent/run/docker.sock (from DOCKER_HOST): no socket at /nonexistent/run/docker.sock; check that the daemon is running"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("buildlint:")).count(),
        1,
        "{err}"
    );

    // A tcp address nobody listens on.
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.1:9");
    let (code, _, err) = support::buildlint_build(&["--progress", "plain", &ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot reach the Docker daemon at tcp://127.0.0.1:9 (from DOCKER_HOST): "),
        "{err}"
    );
    assert!(err.contains("check that the daemon listens there"), "{err}");
}
