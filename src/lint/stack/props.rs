//! Property tests: any text, and any edit of real compose files, loads and
//! lints without panicking, with every span inside its file.

use proptest::prelude::*;

use super::lint_loaded;
use crate::compose::{load, LoadOptions};
use crate::lint::engine::RuleSelection;
use crate::lint::options::RuleOptions;

const SEEDS: &[&str] = &[
    "name: app\nservices:\n  web:\n    image: \"nginx:${TAG:-1.27}\"\n    build:\n      context: ./web\n      args: [A=1]\n    ports: ['127.0.0.1:8080:80/udp', {target: 443, published: 8443}]\n    volumes: ['./a:/a:ro', 'data:/d']\n    depends_on: {db: {condition: service_healthy}}\n    env_file: [.env]\n  db:\n    image: postgres:16\n    networks: [back]\nnetworks:\n  back: {}\nvolumes:\n  data: {}\n",
    "x-base: &base\n  restart: always\nservices:\n  a:\n    <<: *base\n    image: a:1\n    ports: !reset []\n  b:\n    extends: a\n    command: !override [x]\n",
    "version: '3.8'\nservices:\n  w:\n    image: a:1\n    deploy: {replicas: 3, restart_policy: {condition: any}}\n    secrets: [s]\nsecrets:\n  s: {external: true}\ninclude:\n  - other.yaml\n",
];

fn lint_text(text: &str, stack: bool) {
    let dir = tempfile::tempdir().unwrap();
    let name = if stack {
        "docker-stack.yml"
    } else {
        "compose.yaml"
    };
    std::fs::write(dir.path().join(name), text).unwrap();
    let loaded = load(&LoadOptions {
        files: vec![dir.path().join(name)],
        display_base: Some(dir.path().to_path_buf()),
        ..LoadOptions::default()
    });
    let findings = lint_loaded(
        &loaded,
        &RuleOptions::default(),
        &RuleSelection::only(crate::lint::registry::all()),
    );
    for f in &findings {
        assert!(
            f.span.start <= f.span.end && f.span.end as usize <= f.file.text.len(),
            "{} {:?}",
            f.rule.code,
            f.span
        );
        if let Some(fix) = &f.fix {
            for e in &fix.edits {
                assert!(e.start <= e.end && e.end as usize <= f.file.text.len());
            }
        }
    }
    if let Some(p) = &loaded.project {
        let _ = serde_json::to_string(p).unwrap();
    }
}

fn boundary(s: &str, at: usize) -> usize {
    let mut at = at % (s.len() + 1);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn edited_compose_files_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), "[ -~\n\té]{0,10}"), 0..5),
        stack in any::<bool>(),
    ) {
        let mut text = SEEDS[seed].to_string();
        for (at, del, insert) in edits {
            let start = boundary(&text, at);
            let end = boundary(&text, start + del % 8).max(start);
            text.replace_range(start..end, &insert);
        }
        lint_text(&text, stack);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n\t$é]{0,160}") {
        lint_text(&text, false);
    }
}
