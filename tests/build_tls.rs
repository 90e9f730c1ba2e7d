//! A daemon reached over TLS (`tcp://` with `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH`): BuildKit gets the context through our session over
//! TLS too, so an ignored Dockerfile and `.dockerignore` stay out of
//! `COPY . .`. The daemon here listens on a unix socket only, so the test puts
//! a TLS front (client certificates required) before it. In a test binary of
//! its own, since it sets the process environment.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use support::*;

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made
/// with the openssl command, as `dockerd --tlsverify` setups are.
fn make_certs(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for command in [
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca-key.pem -out ca.pem",
        "req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
         -extfile server.ext -out server-cert.pem",
        "req -newkey rsa:2048 -nodes -subj /CN=client -keyout key.pem -out client.csr",
        "x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
         -extfile client.ext -out cert.pem",
    ] {
        run(&command.split_whitespace().collect::<Vec<_>>());
    }
}

/// Accepts TLS connections that present a client certificate signed by the
/// CA, and relays each, bytes as they come, to the daemon's unix socket.
/// Returns the port.
fn start_tls_front(rt: &tokio::runtime::Runtime, certs: &Path, socket: String) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(certs.join("ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(certs.join("server-cert.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(certs.join("server-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let socket = socket.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut daemon) = tokio::net::UnixStream::connect(&socket).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut daemon).await;
            });
        }
    });
    port
}

#[test]
fn buildkit_over_tls_keeps_ignored_build_files_out_of_copy() {
    if !docker_or_skip("buildkit_over_tls_keeps_ignored_build_files_out_of_copy") {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    make_certs(certs.path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let port = start_tls_front(&rt, certs.path(), daemon_socket());

    let base = base_image();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("tls"));
    let ctx = Ctx::new(&[
        ("Dockerfile", &format!("FROM {base}\nCOPY . /ctx/\n")),
        (".dockerignore", "Dockerfile\n.dockerignore\nsecret.txt\n"),
        ("app.txt", "app\n"),
        ("secret.txt", "ignored\n"),
    ]);
    std::env::set_var("DOCKER_TLS_VERIFY", "1");
    std::env::set_var("DOCKER_CERT_PATH", certs.path());
    std::env::remove_var("DOCKER_CONTEXT");
    let host = format!("tcp://127.0.0.1:{port}");
    let (code, out, err) = support::buildlint_build(&[
        "--host",
        &host,
        "--builder",
        "buildkit",
        "--progress",
        "plain",
        "--pull",
        "never",
        "-t",
        &tag,
        &ctx.arg(),
    ]);
    // The docker command the checks below run must reach the daemon as usual.
    std::env::remove_var("DOCKER_TLS_VERIFY");
    std::env::remove_var("DOCKER_CERT_PATH");
    assert_eq!(code, 0, "{err}");
    clean.remember_tagged();
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(image_id(&tag).as_deref(), Some(out.trim()));
    assert_eq!(
        run_in(&tag, &["sh", "-c", "cd /ctx && find . | sort"]),
        ".\n./app.txt"
    );
}
