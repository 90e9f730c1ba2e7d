//! `buildlint lsp` hover on a base image the local daemon has, with
//! `inspect-images = true`: what the image sets comes from the daemon. The
//! image is made here (`docker import` with config changes) and removed at
//! the end. Without a daemon this test fails when
//! `BUILDLINT_REQUIRE_DOCKER=1` and is skipped (saying so) otherwise.

mod lsp_common;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use lsp_common::{project, Client};
use serde_json::json;
use support::{docker_or_skip, unique_tag, Cleanup};

fn import_with(name: &str, changes: &[&str]) {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(3);
    h.set_mtime(0);
    b.append_data(&mut h, "hello", &b"hi\n"[..]).unwrap();
    let tar = b.into_inner().unwrap();
    let mut args = vec!["import"];
    for c in changes {
        args.extend(["--change", c]);
    }
    args.extend(["-", name]);
    let mut child = Command::new("docker")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker import");
    child.stdin.take().unwrap().write_all(&tar).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "docker import failed");
}

#[test]
fn hover_shows_what_the_daemons_image_sets() {
    if !docker_or_skip("hover_shows_what_the_daemons_image_sets") {
        return;
    }
    let mut cleanup = Cleanup::default();
    let image = cleanup.tag(&unique_tag("lsp-hover"));
    import_with(&image, &["ENV FOO_HOME=/opt/foo", "WORKDIR /srv"]);
    let text = format!("FROM {image}\nRUN echo $FOO_HOME\n");
    let dir = project(&[
        ("Dockerfile", &text),
        ("buildlint.toml", "inspect-images = true\n"),
    ]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    c.diagnostics(&u);
    let hover = |c: &mut Client, line: u32, character: u32| -> String {
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}}),
        );
        r["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let h = hover(&mut c, 0, 6);
    assert!(h.contains(&format!("Base image `{image}`")), "{h}");
    assert!(h.contains("`FOO_HOME=/opt/foo`"), "{h}");
    assert!(h.contains("Working directory: `/srv`"), "{h}");
    let h = hover(&mut c, 1, 12);
    assert!(
        h.contains(&format!("`FOO_HOME`: set by the base image `{image}`")),
        "{h}"
    );
    assert!(c.shutdown().success());
}
