//! Ctrl-C during a build: the build stops, nothing is tagged, exit 130.
//! In a test binary of its own, since it sends SIGINT to the process.

mod support;

use std::sync::atomic::Ordering;

#[test]
fn ctrl_c_cancels_the_build_and_tags_nothing() {
    if !support::docker_or_skip("ctrl_c_cancels_the_build_and_tags_nothing") {
        return;
    }
    let base = support::base_image();
    let mut clean = support::Cleanup::default();
    let t1 = clean.tag(&support::unique_tag("sigint"));
    let t2 = clean.tag(&support::unique_tag("sigint"));
    let ctx = support::Ctx::new(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN echo started && sleep 30\n"),
    )]);
    // The proxy only tells when the daemon has started answering.
    let proxy = support::Proxy::start();
    let host = proxy.host();
    let arg = ctx.arg();
    let (a, b) = (t1.clone(), t2.clone());
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = cache_dir.path().to_string_lossy().into_owned();
    let records = cache_dir.path().join("builds");
    let start = std::time::Instant::now();
    let handle = std::thread::spawn(move || {
        support::buildlint_build(&[
            "--progress",
            "plain",
            "--pull",
            "never",
            "--host",
            &host,
            "--cache-dir",
            &cache,
            "-t",
            &a,
            "-t",
            &b,
            &arg,
        ])
    });
    while proxy.from_daemon.load(Ordering::SeqCst) < 2000 && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1000));
    unsafe {
        libc::kill(libc::getpid(), libc::SIGINT);
    }
    let (code, out, err) = handle.join().unwrap();
    assert!(
        start.elapsed().as_secs() < 25,
        "stopped at once, not after the 30 s step"
    );
    assert_eq!(code, 130, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("| cancelled after "), "{err}");
    // The build had its context session open (BuildKit), through the proxy.
    assert!(proxy.sessions.load(Ordering::SeqCst) > 0, "{err}");
    assert!(support::image_id(&t1).is_none(), "no first tag");
    assert!(support::image_id(&t2).is_none(), "no second tag");
    assert!(
        !records.exists() || std::fs::read_dir(&records).unwrap().next().is_none(),
        "no build record"
    );
}
