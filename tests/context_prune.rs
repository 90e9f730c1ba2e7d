//! Pruning from the Dockerfile IR: what the build reads.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use buildlint::context::{
    ContextPlan, FileKind, KnownOnbuild, OnbuildUnknown, PlanOptions, StageSelection,
};

const FILES: &[&str] = &[
    "app/main.py",
    "app/util.py",
    "app/tests/test_x.py",
    "web/index.html",
    "web/app.js",
    "go.mod",
    "go.sum",
    "cmd/server/main.go",
    "cmd/tool/main.go",
    "requirements.txt",
    "requirements-dev.txt",
    "scripts/build.sh",
    "docs/README.md",
    "linux-amd64/bin",
    "linux-arm64/bin",
];

fn context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, f).unwrap();
    }
    dir
}

fn sent_with(dockerfile: &str, opts: PlanOptions<'_>) -> (Vec<String>, Option<String>) {
    let dir = context();
    fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let df = buildlint::dockerfile::parse(dockerfile.to_string()).expect("parses");
    let plan = ContextPlan::new(dir.path(), Path::new("Dockerfile"), Some(&df), &opts).unwrap();
    let files = plan
        .files()
        .iter()
        .filter(|e| matches!(e.meta.kind, FileKind::File | FileKind::Symlink))
        .filter(|e| e.path != "Dockerfile")
        .map(|e| e.path.clone())
        .collect();
    let why = plan.needs().and_then(|n| n.everything.clone());
    (files, why)
}

fn sent(dockerfile: &str) -> Vec<String> {
    let (files, why) = sent_with(dockerfile, PlanOptions::default());
    assert!(why.is_none(), "not pruned: {why:?}");
    files
}

fn everything(dockerfile: &str) -> String {
    let (files, why) = sent_with(dockerfile, PlanOptions::default());
    assert_eq!(files.len(), FILES.len(), "the whole context is sent");
    why.expect("a reason")
}

#[test]
fn copy_sources_and_wildcards() {
    assert_eq!(
        sent("FROM scratch\nCOPY requirements*.txt /app/\nCOPY app/*.py /app/\n"),
        vec![
            "app/main.py",
            "app/util.py",
            "requirements-dev.txt",
            "requirements.txt"
        ]
    );
    assert_eq!(
        sent("FROM scratch\nCOPY [\"web\", \"/srv\"]\nADD go.* /src/\n"),
        vec!["go.mod", "go.sum", "web/app.js", "web/index.html"]
    );
    assert_eq!(
        sent("FROM scratch\nCOPY cmd/*/main.go /src/\n"),
        vec!["cmd/server/main.go", "cmd/tool/main.go"]
    );
    // Leading `/` and `..` stay in the context.
    assert_eq!(sent("FROM scratch\nCOPY /../go.mod ./\n"), vec!["go.mod"]);
    // Remote ADD sources and heredocs read nothing from the context.
    assert_eq!(
        sent("FROM scratch\nADD https://example.com/x.tgz /x\nCOPY go.mod /\n"),
        vec!["go.mod"]
    );
}

#[test]
fn stages_the_target_needs() {
    let df = "FROM scratch AS deps\nCOPY go.mod go.sum /src/\n\
              FROM scratch AS docs\nCOPY docs /docs\n\
              FROM deps AS build\nCOPY cmd/server /src/cmd/server\n\
              FROM scratch\nCOPY --from=build /src /src\nCOPY scripts/build.sh /\n";
    assert_eq!(
        sent(df),
        vec!["cmd/server/main.go", "go.mod", "go.sum", "scripts/build.sh"]
    );
    let (files, _) = sent_with(
        df,
        PlanOptions {
            target: Some("docs".into()),
            ..PlanOptions::default()
        },
    );
    assert_eq!(files, vec!["docs/README.md"]);
    // The classic builder runs every stage up to the target.
    let (files, _) = sent_with(
        df,
        PlanOptions {
            target: Some("build".into()),
            stages: StageSelection::UpToTarget,
            ..PlanOptions::default()
        },
    );
    assert_eq!(
        files,
        vec!["cmd/server/main.go", "docs/README.md", "go.mod", "go.sum"]
    );
    // COPY --from by index.
    assert_eq!(
        sent("FROM scratch\nCOPY go.mod /\nFROM scratch\nCOPY go.sum /\nFROM scratch\nCOPY --from=0 /go.mod /\n"),
        vec!["go.mod"]
    );
}

#[test]
fn build_args_and_env_apply() {
    let df =
        "ARG ARCH=amd64\nFROM scratch\nARG ARCH\nENV DIR=linux-${ARCH}\nCOPY ${DIR}/bin /bin\n";
    assert_eq!(sent(df), vec!["linux-amd64/bin"]);
    let mut args = BTreeMap::new();
    args.insert("ARCH".to_string(), "arm64".to_string());
    let (files, _) = sent_with(
        df,
        PlanOptions {
            build_args: args,
            ..PlanOptions::default()
        },
    );
    assert_eq!(files, vec!["linux-arm64/bin"]);
    assert_eq!(
        sent("FROM scratch\nARG SRC\nCOPY ${SRC:-web}/app.js /\n"),
        vec!["web/app.js"]
    );
    // The automatic platform arguments.
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "amd64"
    };
    assert_eq!(
        sent("FROM scratch\nARG TARGETARCH\nCOPY linux-$TARGETARCH/bin /bin\n"),
        vec![format!("linux-{arch}/bin")]
    );
}

#[test]
fn bind_mounts_read_the_context() {
    assert_eq!(
        sent("FROM scratch\nRUN --mount=type=bind,source=scripts,target=/s /s/build.sh\n"),
        vec!["scripts/build.sh"]
    );
    assert_eq!(
        sent("FROM scratch AS b\nCOPY go.mod /\nFROM scratch\nRUN --mount=from=b,target=/b true\nRUN --mount=type=cache,target=/c true\n"),
        vec!["go.mod"]
    );
    let why = everything("FROM scratch\nRUN --mount=target=/src make\n");
    assert!(why.contains("whole context"), "{why}");
}

#[test]
fn when_unsure_everything_is_sent() {
    let why = everything("FROM scratch\nCOPY . /app\n");
    assert!(
        why.contains("line 2") && why.contains("whole context"),
        "{why}"
    );
    // A variable an external base image might define.
    let (files, why) = sent_with(
        "FROM python:3\nCOPY $APP_HOME/x /x\n",
        PlanOptions {
            onbuild_unknown: OnbuildUnknown::Report,
            ..PlanOptions::default()
        },
    );
    assert_eq!(files.len(), FILES.len());
    let why = why.unwrap();
    assert!(why.contains("APP_HOME"), "{why}");
    // A word BuildKit would reject.
    everything("FROM scratch\nARG A\nCOPY ${A:?needs a value} /\n");
    // Pattern substitution is worked out like BuildKit does it.
    assert_eq!(
        sent("FROM scratch\nARG A=cmd/tool\nCOPY ${A/tool/server}/main.go /\n"),
        vec!["cmd/server/main.go"]
    );
}

#[test]
fn onbuild_triggers() {
    // Of a stage in the same file: they run in the child.
    assert_eq!(
        sent("FROM scratch AS base\nONBUILD COPY web /web\nFROM base\nCOPY go.mod /\n"),
        vec!["go.mod", "web/app.js", "web/index.html"]
    );
    // Of an external image, when inspected.
    let mut known = HashMap::new();
    known.insert("python:3".to_string(), vec![]);
    known.insert("app:onbuild".to_string(), vec!["COPY . /app".to_string()]);
    let lookup = KnownOnbuild(known);
    let (files, why) = sent_with(
        "FROM python:3\nCOPY go.mod /\n",
        PlanOptions {
            onbuild: &lookup,
            ..PlanOptions::default()
        },
    );
    assert!(why.is_none());
    assert_eq!(files, vec!["go.mod"]);
    let (files, why) = sent_with(
        "FROM app:onbuild\nCOPY go.mod /\n",
        PlanOptions {
            onbuild: &lookup,
            ..PlanOptions::default()
        },
    );
    assert_eq!(files.len(), FILES.len());
    assert!(why.unwrap().contains("ONBUILD"));
    // Not inspected: a build sends everything; `context ls` reports it.
    let (files, why) = sent_with("FROM other:1\nCOPY go.mod /\n", PlanOptions::default());
    assert_eq!(files.len(), FILES.len());
    assert!(why.unwrap().contains("could not be checked"));
    let dir = context();
    let text = "FROM other:1\nCOPY go.mod /\n";
    fs::write(dir.path().join("Dockerfile"), text).unwrap();
    let df = buildlint::dockerfile::parse(text.to_string()).unwrap();
    let plan = ContextPlan::new(
        dir.path(),
        Path::new("Dockerfile"),
        Some(&df),
        &PlanOptions {
            onbuild_unknown: OnbuildUnknown::Report,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert!(plan.is_pruned());
    assert_eq!(plan.needs().unwrap().onbuild_unchecked[0].0, "other:1");
}

#[test]
fn ls_says_when_onbuild_could_not_be_checked() {
    let dir = context();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM node:20\nCOPY web /web\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let df = format!("{d}/Dockerfile");
    let (code, out, err) =
        buildlint::cli::run_captured(&["context", "ls", "--format", "paths", "-f", &df, d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("could not check the ONBUILD triggers of base image `node:20`"),
        "{err}"
    );
    assert_eq!(out, "Dockerfile\nweb/app.js\nweb/index.html\n");
}
