//! Loader tests on real files in temporary directories, with the resolved
//! project compared to what `docker compose config` gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::load::{load, normalize_project_name, LoadOptions, Loaded, ProblemKind};
use super::model::with_spans;

pub(crate) fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        if path.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
        } else {
            std::fs::write(&p, text).unwrap();
        }
    }
}

fn opts(dir: &Path, files: &[&str]) -> LoadOptions {
    LoadOptions {
        files: files.iter().map(|f| dir.join(f)).collect(),
        display_base: Some(dir.to_path_buf()),
        ..LoadOptions::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The code of the rule `lint::stack` reports a kind of problem under, so
/// that expectations read as users see them.
fn code(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::UnreadableFile => "BL0001",
        ProblemKind::Schema => "BL0010",
        ProblemKind::Interpolation => "BL0011",
        ProblemKind::Reference => "BL0012",
        ProblemKind::UnsetVariable => "BL0013",
        ProblemKind::StackVersion => "BL4052",
    }
}

/// The problems as `path:line:col CODE message`.
fn problems(l: &Loaded) -> Vec<String> {
    l.problems
        .iter()
        .map(|f| {
            let lc = f.start();
            format!(
                "{}:{}:{} {} {}",
                f.file.path.display(),
                lc.line,
                lc.column,
                code(f.kind),
                f.message
            )
        })
        .collect()
}

/// The resolved services as JSON without positions.
fn services_json(l: &Loaded) -> serde_json::Value {
    let p = l.project.as_ref().expect("a project");
    with_spans(false, || serde_json::to_value(&p.services).unwrap())
}

fn service<'a>(l: &'a Loaded, name: &str) -> &'a super::model::Service {
    l.project
        .as_ref()
        .unwrap()
        .service(name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

#[test]
fn override_files_merge_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n    environment:\n      MODE: prod\n      DEBUG: '0'\n    command: [nginx, -g, daemon off;]\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  web:\n    ports: ['9229:9229']\n    environment:\n      DEBUG: '1'\n    command: [nginx-debug]\n  db:\n    image: postgres:16\n",
            ),
        ],
    );
    let l = load(&opts(
        dir.path(),
        &["compose.yaml", "compose.override.yaml"],
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let web = service(&l, "web");
    let ports: Vec<String> = web
        .ports
        .iter()
        .map(|p| format!("{}:{}", p.published.as_ref().unwrap().value, p.target.value))
        .collect();
    assert_eq!(ports, ["8080:80", "9229:9229"]);
    let env: Vec<String> = web
        .environment
        .iter()
        .map(|e| format!("{}={}", e.name.value, e.value.as_ref().unwrap().value))
        .collect();
    // Merged by key, the override replacing the value in place.
    assert_eq!(env, ["DEBUG=1", "MODE=prod"]);
    let cmd = with_spans(false, || serde_json::to_value(&web.command).unwrap());
    assert_eq!(cmd, serde_json::json!(["nginx-debug"]));
    // Each value points into the file it came from.
    assert_eq!(
        web.ports[1].entry.file.path,
        Path::new("compose.override.yaml")
    );
    assert_eq!(web.ports[0].entry.file.path, Path::new("compose.yaml"));
    assert_eq!(
        service(&l, "db").image.as_ref().unwrap().value,
        "postgres:16"
    );
    let p = l.project.as_ref().unwrap();
    assert_eq!(p.files.len(), 2);
}

#[test]
fn interpolation_with_dotenv_and_precedence() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: \"nginx:${TAG}\"\n    environment:\n      A: $FROM_DOTENV\n      B: ${FROM_OS}\n      C: ${MISSING:-fallback}\n      D: ${EMPTY-keep-empty}\n      E: ${EMPTY:-was-empty}\n      F: ${TAG:+tagged}\n      G: ${MISSING+never}\n      H: ${MISSING:-${TAG}-nested}\n      I: cost $$5\n      J: ${TAG?}\n",
            ),
            (".env", "TAG=1.27\nFROM_DOTENV=dotenv\nFROM_OS=dotenv-loses\nEMPTY=\n"),
            ("other.env", "TAG=2.0\n"),
        ],
    );
    let mut o = opts(dir.path(), &["compose.yaml"]);
    o.environment = env(&[("FROM_OS", "os-wins")]);
    let l = load(&o);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let web = service(&l, "web");
    assert_eq!(web.image.as_ref().unwrap().value, "nginx:1.27");
    let env_of = |web: &super::model::Service| -> BTreeMap<String, String> {
        web.environment
            .iter()
            .map(|e| {
                (
                    e.name.value.clone(),
                    e.value.as_ref().unwrap().value.clone(),
                )
            })
            .collect()
    };
    let got = env_of(web);
    let want = env(&[
        ("A", "dotenv"),
        ("B", "os-wins"),
        ("C", "fallback"),
        ("D", ""),
        ("E", "was-empty"),
        ("F", "tagged"),
        ("G", ""),
        ("H", "1.27-nested"),
        ("I", "cost $5"),
        ("J", "1.27"),
    ]);
    assert_eq!(got, want);
    // --env-file replaces .env.
    let mut o = opts(dir.path(), &["compose.yaml"]);
    o.env_files = vec![dir.path().join("other.env")];
    let l = load(&o);
    let web = service(&l, "web");
    assert_eq!(web.image.as_ref().unwrap().value, "nginx:2.0");
    let unset: Vec<String> = problems(&l)
        .into_iter()
        .filter(|p| p.contains("BL0013"))
        .collect();
    assert_eq!(
        unset,
        [
            "compose.yaml:5:10 BL0013 the variable `FROM_DOTENV` is not set, so an empty string is used",
            "compose.yaml:6:10 BL0013 the variable `FROM_OS` is not set, so an empty string is used",
        ]
    );
}

#[test]
fn a_missing_required_variable_is_a_finding_at_its_span() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: \"registry/app:${TAG:?set TAG first}\"\n    command: echo $1 ${}\n",
        )],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    assert_eq!(
        problems(&l),
        [
            "compose.yaml:3:26 BL0011 required variable `TAG` is not set: set TAG first",
            "compose.yaml:4:22 BL0011 invalid interpolation format in `${}`",
        ]
    );
    let f = &l.problems[0];
    assert_eq!(f.span.slice(&f.file.text), "${TAG:?set TAG first}");
    assert!(!l.fatal);
    assert!(l.project.is_some());
}

#[test]
fn include_imports_a_sub_project_with_its_own_env_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n    depends_on: [api]\n",
            ),
            (
                "sub/compose.yaml",
                "services:\n  api:\n    build: ./api\n    image: \"api:${API_TAG}\"\n    env_file: api.env\nvolumes:\n  data: {}\n",
            ),
            ("sub/.env", "API_TAG=3.1\n"),
            ("sub/api.env", "X=1\n"),
            ("sub/api/Dockerfile", "FROM scratch\n"),
        ],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let api = service(&l, "api");
    assert_eq!(api.image.as_ref().unwrap().value, "api:3.1");
    let build = api.build.as_ref().unwrap();
    assert_eq!(
        build.context_path.as_deref(),
        Some(dir.path().join("sub/api").as_path())
    );
    assert_eq!(api.env_files[0].resolved, dir.path().join("sub/api.env"));
    assert_eq!(api.name.file.path, Path::new("sub/compose.yaml"));
    let p = l.project.as_ref().unwrap();
    assert_eq!(p.volumes[0].name.value, "data");
    assert!(p.root.get("include").is_none());
}

#[test]
fn include_cycles_and_conflicts_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include:\n  - a.yaml\nservices:\n  web:\n    image: nginx:1.27\n",
            ),
            (
                "a.yaml",
                "include:\n  - b.yaml\nservices:\n  web:\n    image: httpd:2\n",
            ),
            ("b.yaml", "include:\n  - a.yaml\n"),
        ],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    assert_eq!(
        problems(&l),
        [
            "b.yaml:2:5 BL0012 `include` forms a cycle: a.yaml -> b.yaml -> a.yaml",
            "compose.yaml:4:3 BL0012 `web` is defined here and in the included file a.yaml:4:3 (services)",
        ]
    );
}

#[test]
fn extends_in_the_same_file_and_from_another_file() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  base:\n    image: alpine:3.20\n    environment: {A: '1'}\n  web:\n    extends: base\n    environment: {B: '2'}\n  api:\n    extends:\n      file: common/services.yaml\n      service: app\n    command: [serve]\n",
            ),
            (
                "common/services.yaml",
                "services:\n  app:\n    build: ./app\n    env_file: app.env\n    command: [run]\n    restart: always\n",
            ),
            ("common/app.env", "X=1\n"),
        ],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let web = service(&l, "web");
    assert_eq!(web.image.as_ref().unwrap().value, "alpine:3.20");
    let names: Vec<&str> = web
        .environment
        .iter()
        .map(|e| e.name.value.as_str())
        .collect();
    assert_eq!(names, ["A", "B"]);
    let api = service(&l, "api");
    assert_eq!(
        api.build.as_ref().unwrap().context_path.as_deref(),
        Some(dir.path().join("common/app").as_path())
    );
    assert_eq!(api.env_files[0].resolved, dir.path().join("common/app.env"));
    assert_eq!(api.restart.as_ref().unwrap().value, "always");
    assert_eq!(
        api.restart.as_ref().unwrap().file.path,
        Path::new("common/services.yaml")
    );
    let cmd = with_spans(false, || serde_json::to_value(&api.command).unwrap());
    assert_eq!(cmd, serde_json::json!(["serve"]));
    assert!(api.node.get("extends").is_none());
}

#[test]
fn extends_cycles_and_unknown_services() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  a:\n    extends: b\n    image: x:1\n  b:\n    extends: a\n  c:\n    extends:\n      service: bse\n  bas:\n    image: y:1\n",
        )],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    let p = problems(&l);
    assert!(
        p.contains(&"compose.yaml:6:14 BL0012 `extends` forms a cycle: a -> b -> a".to_string()),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|x| x.starts_with("compose.yaml:9:16 BL0012 `extends` names the service `bse`")),
        "{p:?}"
    );
}

#[test]
fn project_names() {
    assert_eq!(
        normalize_project_name("UNNORMALIZED PATH"),
        "unnormalizedpath"
    );
    assert_eq!(normalize_project_name("_My.App-1"), "myapp-1");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "My App/compose.yaml",
                "services:\n  web: {image: 'nginx:1.27'}\n",
            ),
            (
                "named/compose.yaml",
                "name: shop\nservices:\n  web: {image: 'nginx:1.27'}\n",
            ),
            (
                "bad/compose.yaml",
                "name: My Shop\nservices:\n  web: {image: 'nginx:1.27'}\n",
            ),
            (
                "envname/compose.yaml",
                "name: shop\nservices:\n  web: {image: 'nginx:1.27'}\n",
            ),
            ("envname/.env", "COMPOSE_PROJECT_NAME=from-dotenv\n"),
        ],
    );
    let name = |o: &LoadOptions| load(o).project.unwrap().name.value;
    assert_eq!(name(&opts(dir.path(), &["My App/compose.yaml"])), "myapp");
    assert_eq!(name(&opts(dir.path(), &["named/compose.yaml"])), "shop");
    let mut o = opts(dir.path(), &["named/compose.yaml"]);
    o.project_name = Some("cli".into());
    assert_eq!(name(&o), "cli");
    let mut o = opts(dir.path(), &["named/compose.yaml"]);
    o.environment = env(&[("COMPOSE_PROJECT_NAME", "fromenv")]);
    assert_eq!(name(&o), "fromenv");
    assert_eq!(
        name(&opts(dir.path(), &["envname/compose.yaml"])),
        "from-dotenv"
    );
    let l = load(&opts(dir.path(), &["bad/compose.yaml"]));
    assert_eq!(
        problems(&l),
        ["bad/compose.yaml:1:7 BL0010 `My Shop` is not a valid project name"]
    );
}

#[test]
fn compose_file_variable_and_default_names() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "docker-compose.yml",
                "services:\n  web: {image: 'nginx:1.27'}\n",
            ),
            (
                "docker-compose.override.yml",
                "services:\n  web: {ports: ['80:80']}\n",
            ),
            ("a.yml", "services:\n  a: {image: 'a:1'}\n"),
            ("b.yml", "services:\n  b: {image: 'b:1'}\n"),
        ],
    );
    let mut o = LoadOptions {
        working_dir: Some(dir.path().to_path_buf()),
        display_base: Some(dir.path().to_path_buf()),
        ..LoadOptions::default()
    };
    let l = load(&o);
    let p = l.project.unwrap();
    assert_eq!(p.services[0].ports.len(), 1);
    assert_eq!(p.files.len(), 2);
    o.environment = env(&[("COMPOSE_FILE", "a.yml:b.yml")]);
    let p = load(&o).project.unwrap();
    let names: Vec<&str> = p.services.iter().map(|s| s.name.value.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn stack_files_need_a_version_and_follow_the_v3_schema() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("noversion/docker-stack.yml", "services:\n  web:\n    image: nginx:1.27\n"),
            (
                "v38/docker-stack.yml",
                "version: \"3.8\"\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - published: \"8080\"\n        target: 80\n    develop: {}\n",
            ),
            ("old/docker-stack.yml", "version: \"2.4\"\nservices:\n  web:\n    image: nginx:1.27\n"),
        ],
    );
    let l = load(&opts(dir.path(), &["noversion/docker-stack.yml"]));
    assert_eq!(
        problems(&l),
        ["noversion/docker-stack.yml:1:1 BL4052 the stack file has no `version:`; `docker stack deploy` requires one"]
    );
    assert!(l.project.as_ref().unwrap().stack_mode);
    let l = load(&opts(dir.path(), &["v38/docker-stack.yml"]));
    assert_eq!(
        problems(&l),
        ["v38/docker-stack.yml:8:5 BL0010 `develop` is not a known key in service `web`"]
    );
    let l = load(&opts(dir.path(), &["old/docker-stack.yml"]));
    assert_eq!(
        problems(&l),
        ["old/docker-stack.yml:1:10 BL4052 the file version `2.4` is older than 3; `docker stack deploy` needs a 3.x version"]
    );
    // The same file is a compose file when not in stack mode.
    let mut o = opts(dir.path(), &["v38/docker-stack.yml"]);
    o.stack_mode = Some(false);
    assert!(problems(&load(&o)).is_empty());
}

#[test]
fn unloadable_files_are_fatal_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for w in ["a", "b", "c", "d", "e", "f", "g", "h", "i"].windows(2) {
        let items = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], items));
    }
    bomb.push_str("services:\n  web:\n    image: nginx\n    x-bomb: *i\n");
    write_tree(
        dir.path(),
        &[
            ("bomb/compose.yaml", &bomb),
            (
                "dup/compose.yaml",
                "services:\n  web:\n    image: a\n    image: b\n",
            ),
            ("bad/compose.yaml", "services:\n  web: [unclosed\n"),
        ],
    );
    let l = load(&opts(dir.path(), &["bomb/compose.yaml"]));
    assert!(l.fatal);
    assert!(l.project.is_none());
    let p = problems(&l);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].contains("BL0001 aliases expand this file past a safe size"),
        "{p:?}"
    );
    let l = load(&opts(dir.path(), &["dup/compose.yaml"]));
    assert!(l.fatal);
    assert_eq!(
        problems(&l),
        ["dup/compose.yaml:4:5 BL0001 the key `image` appears twice in the same mapping"]
    );
    let l = load(&opts(dir.path(), &["bad/compose.yaml"]));
    assert!(l.fatal);
    assert!(problems(&l)[0].contains("BL0001 invalid YAML"));
    let l = load(&opts(dir.path(), &["missing/compose.yaml"]));
    assert!(l.fatal);
    assert_eq!(
        problems(&l),
        ["missing/compose.yaml:1:1 BL0001 the file cannot be read: no such file"]
    );
}

#[test]
fn schema_errors_in_an_override_point_into_the_override() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("compose.yaml", "services:\n  web:\n    image: nginx:1.27\n"),
            (
                "compose.override.yaml",
                "services:\n  web:\n    prots: ['80:80']\n",
            ),
        ],
    );
    let l = load(&opts(
        dir.path(),
        &["compose.yaml", "compose.override.yaml"],
    ));
    assert_eq!(
        problems(&l),
        ["compose.override.yaml:3:5 BL0010 `prots` is not a known key in service `web`"]
    );
    assert_eq!(l.problems[0].help.as_deref(), Some("did you mean `ports`?"));
}

#[test]
fn resolved_output_as_json() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  web:\n    build: .\n    ports: ['127.0.0.1:8080:80']\n",
        )],
    );
    let l = load(&opts(dir.path(), &["compose.yaml"]));
    let json = services_json(&l);
    assert_eq!(json[0]["name"], "web");
    assert_eq!(json[0]["build"]["context"], ".");
    assert_eq!(
        json[0]["ports"][0]["published"],
        serde_json::json!({"start": 8080, "end": 8080})
    );
    assert_eq!(json[0]["ports"][0]["host_ip"], "127.0.0.1");
    let with = with_spans(true, || {
        serde_json::to_value(&l.project.as_ref().unwrap().services).unwrap()
    });
    assert_eq!(
        with[0]["ports"][0]["host_ip"]["at"],
        "compose.yaml:4:14-4:23"
    );
    let _ = PathBuf::new();
}
