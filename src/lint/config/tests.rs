use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_toml(Path::new("/repo/buildlint.toml"), text).map(|(_, c)| c)
}

fn enabled(settings: &Settings, code: &str) -> Option<Severity> {
    settings
        .selection
        .rules
        .iter()
        .find(|(r, _)| r.code == code)
        .map(|(_, s)| *s)
}

#[test]
fn defaults_without_config() {
    let s = settings_for(Path::new("/repo/Dockerfile"), None, &Layer::default());
    assert_eq!(s.threshold, Some(Severity::Warning));
    assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
    assert_eq!(enabled(&s, "BL0001"), Some(Severity::Error));
}

#[test]
fn keys_select_ignore_severity_threshold_options() {
    let c = parse(
        r#"
ignore = ["DL3007"]
failure-threshold = "error"
trusted-registries = "docker.io"
strict-labels = true
[label-schema]
version = "semver"
[rules]
unreadable-file = "error"
"#,
    )
    .unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(enabled(&s, "BL1007"), None, "ignored by its alias");
    assert_eq!(s.threshold, Some(Severity::Error));
    assert_eq!(s.options.trusted_registries, ["docker.io"]);
    assert!(s.options.strict_labels);
    assert_eq!(s.options.label_schema["version"], "semver");

    let c = parse("select = [\"latest-base-image-tag\"]\n[rules]\nBL1007 = \"error\"\n").unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(enabled(&s, "BL1007"), Some(Severity::Error));
    let c = parse("[rules]\nBL1007 = \"off\"\n").unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(enabled(&s, "BL1007"), None);
    let c = parse("failure-threshold = \"none\"\n").unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(s.threshold, None);
}

#[test]
fn overrides_apply_by_glob_relative_to_the_file() {
    let c = parse(
        r#"
[[overrides]]
files = ["services/*/Dockerfile"]
context = "services"
ignore = ["BL1007"]

[[overrides]]
files = "Dockerfile.dev"
failure-threshold = "error"
"#,
    )
    .unwrap();
    let cli = Layer::default();
    let s = settings_for(Path::new("/repo/services/api/Dockerfile"), Some(&c), &cli);
    assert_eq!(enabled(&s, "BL1007"), None);
    assert_eq!(s.context.as_deref(), Some(Path::new("/repo/services")));
    let s = settings_for(
        Path::new("/repo/services/api/deep/Dockerfile"),
        Some(&c),
        &cli,
    );
    assert_eq!(
        enabled(&s, "BL1007"),
        Some(Severity::Warning),
        "* stays in one directory"
    );
    let s = settings_for(Path::new("/repo/a/b/Dockerfile.dev"), Some(&c), &cli);
    assert_eq!(
        s.threshold,
        Some(Severity::Error),
        "a bare name matches at any depth"
    );
    let s = settings_for(Path::new("/elsewhere/Dockerfile.dev"), Some(&c), &cli);
    assert_eq!(s.threshold, Some(Severity::Warning));
}

#[test]
fn cli_overrides_files() {
    let c = parse("ignore = [\"BL1007\"]\nfailure-threshold = \"error\"\n").unwrap();
    let cli = Layer {
        extend_select: vec![resolve_rule_name("DL3007").unwrap()],
        failure_threshold: Some(Some(Severity::Style)),
        ..Layer::default()
    };
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &cli);
    assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
    assert_eq!(s.threshold, Some(Severity::Style));
}

#[test]
fn inspect_images_from_files_overrides_and_flags() {
    let c = parse(
        "inspect-images = true\n[[overrides]]\nfiles = \"legacy/*\"\ninspect-images = false\n",
    )
    .unwrap();
    let cli = Layer::default();
    assert!(!Settings::default().inspect_images, "off by default");
    assert!(settings_for(Path::new("/repo/Dockerfile"), Some(&c), &cli).inspect_images);
    assert!(!settings_for(Path::new("/repo/legacy/Dockerfile"), Some(&c), &cli).inspect_images);
    let off = Layer {
        inspect_images: Some(false),
        ..Layer::default()
    };
    assert!(!settings_for(Path::new("/repo/Dockerfile"), Some(&c), &off).inspect_images);
    let on = Layer {
        inspect_images: Some(true),
        ..Layer::default()
    };
    assert!(settings_for(Path::new("/repo/legacy/Dockerfile"), Some(&c), &on).inspect_images);
    let e = parse("inspect-images = \"yes\"\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 18), "{e}");
    let e = parse("inspect-image = true\n").unwrap_err();
    assert_eq!(
        e.help.as_deref(),
        Some("a similar key exists: `inspect-images`")
    );
}

#[test]
fn unknown_keys_and_rules_point_at_the_key() {
    let e = parse("select = [\"default\"]\nselct = []\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    assert!(e.message.contains("unknown key `selct`"), "{e}");
    assert_eq!(e.help.as_deref(), Some("a similar key exists: `select`"));

    let e = parse("ignore = [\"BL1007\", \"DL300\"]\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 21), "{e}");
    assert!(e.message.contains("unknown rule `DL300`"), "{e}");

    let e = parse("[rules]\nlatest-base-image-tags = \"error\"\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    assert!(e.help.unwrap().contains("latest-base-image-tag"));

    let e = parse("[rules]\nBL1007 = \"loud\"\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 10), "{e}");

    let e = parse("[[overrides]]\nfiles = [\"x\"]\nignor = []\n").unwrap_err();
    assert!(e.message.contains("unknown key `ignor`"), "{e}");
    assert_eq!((e.line, e.column), (3, 1), "{e}");

    let e = parse("failure-threshold = \"loud\"\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 21), "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with("/repo/buildlint.toml:1:21: "), "{shown}");
}

#[test]
fn hadolint_config_maps_codes_and_defaults_to_info() {
    let path = Path::new("/repo/.hadolint.yaml");
    let c = parse_hadolint(
        path,
        "ignored:\n  - DL3008\n  - DL9999\noverride:\n  error:\n    - DL3007\ntrustedRegistries: docker.io\n",
    )
    .unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(enabled(&s, "BL1007"), Some(Severity::Error));
    assert_eq!(s.threshold, Some(Severity::Info), "hadolint's default");
    assert_eq!(s.options.trusted_registries, ["docker.io"]);
    assert!(c.unmapped.contains(&"DL9999".to_string()));
    assert_eq!(enabled(&s, "BL0002"), None);

    let c = parse_hadolint(path, "failure-threshold: error\nno-fail: false\n").unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(s.threshold, Some(Severity::Error));
    let c = parse_hadolint(path, "no-fail: true\n").unwrap();
    let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(s.threshold, None);

    let e = parse_hadolint(path, "failure-threshold: loud\n").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
    let e = parse_hadolint(path, "ignored: [DL3008\n").unwrap_err();
    assert!(
        e.message.contains("not a valid hadolint configuration"),
        "{e}"
    );
}

#[test]
fn hadolint_conversion_round_trips() {
    let path = Path::new("/repo/.hadolint.yaml");
    let yaml = "ignored: [DL3008, DL9999]\noverride:\n  error: [DL3007]\nfailure-threshold: error\nlabel-schema:\n  author: text\nstrict-labels: true\ntrustedRegistries: [docker.io, \"*.gcr.io\"]\n";
    let text = hadolint_to_toml(path, yaml).unwrap();
    let (_, converted) = parse_toml(Path::new("/repo/buildlint.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let original = parse_hadolint(path, yaml).unwrap();
    let file = Path::new("/repo/x/Dockerfile");
    let (a, b) = (
        settings_for(file, Some(&original), &Layer::default()),
        settings_for(file, Some(&converted), &Layer::default()),
    );
    assert_eq!(
        format!("{:?}", a.selection.rules),
        format!("{:?}", b.selection.rules)
    );
    assert_eq!(a.threshold, b.threshold);
    assert_eq!(a.options.label_schema, b.options.label_schema);
    assert_eq!(a.options.trusted_registries, b.options.trusted_registries);
    assert!(text.contains("DL9999"), "{text}");
    // No threshold given: hadolint's default is written out.
    let text = hadolint_to_toml(path, "ignored: [DL3008]\n").unwrap();
    assert!(text.contains("failure-threshold = \"info\""), "{text}");
}

#[test]
fn discovery_nearest_wins_and_buildlint_before_hadolint_in_one_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    std::fs::write(root.join("buildlint.toml"), "ignore = [\"BL1007\"]\n").unwrap();
    std::fs::write(
        root.join("a/b/.buildlint.toml"),
        "failure-threshold = \"error\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("a/b/c/.hadolint.yaml"),
        "failure-threshold: style\n",
    )
    .unwrap();
    let r = Resolver::new(Discovery::ProjectOnly, Layer::default(), root.to_path_buf());
    let s = r.settings(&root.join("Dockerfile")).unwrap();
    assert_eq!(enabled(&s, "BL1007"), None);
    let s = r.settings(&root.join("a/Dockerfile")).unwrap();
    assert_eq!(enabled(&s, "BL1007"), None);
    let s = r.settings(&root.join("a/b/Dockerfile")).unwrap();
    assert_eq!(
        s.config.as_deref(),
        Some(root.join("a/b/.buildlint.toml").as_path())
    );
    assert_eq!(
        enabled(&s, "BL1007"),
        Some(Severity::Warning),
        "nearest wins alone"
    );
    assert_eq!(s.threshold, Some(Severity::Error));
    // A sub-project's .hadolint.yaml is nearer than the buildlint files
    // above it.
    let s = r.settings(&root.join("a/b/c/Dockerfile")).unwrap();
    assert_eq!(
        s.config.as_deref(),
        Some(root.join("a/b/c/.hadolint.yaml").as_path())
    );
    assert_eq!(s.threshold, Some(Severity::Style));
    // In one directory, buildlint's file comes first.
    std::fs::write(
        root.join("a/b/c/buildlint.toml"),
        "failure-threshold = \"info\"\n",
    )
    .unwrap();
    let r = Resolver::new(Discovery::ProjectOnly, Layer::default(), root.to_path_buf());
    let s = r.settings(&root.join("a/b/c/Dockerfile")).unwrap();
    assert_eq!(s.threshold, Some(Severity::Info));

    // Only hadolint files: the nearest one applies.
    let tmp2 = tempfile::tempdir().unwrap();
    let root2 = tmp2.path();
    std::fs::create_dir_all(root2.join("x")).unwrap();
    std::fs::write(root2.join(".hadolint.yml"), "ignored: [DL3007]\n").unwrap();
    std::fs::write(root2.join("x/.hadolint.yaml"), "failure-threshold: error\n").unwrap();
    let r = Resolver::new(
        Discovery::ProjectOnly,
        Layer::default(),
        root2.to_path_buf(),
    );
    let s = r.settings(&root2.join("Dockerfile")).unwrap();
    assert_eq!(enabled(&s, "BL1007"), None);
    assert_eq!(s.threshold, Some(Severity::Info));
    let s = r.settings(&root2.join("x/Dockerfile")).unwrap();
    assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
    assert_eq!(s.threshold, Some(Severity::Error));
    assert_eq!(s.config_kind, Some(ConfigKind::Hadolint));
}

#[test]
fn extend_folds_in_the_base_and_detects_cycles() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("base.toml"),
        "failure-threshold = \"error\"\nignore = [\"BL1007\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("sub/buildlint.toml"),
        "extend = \"../base.toml\"\nfailure-threshold = \"info\"\n",
    )
    .unwrap();
    let c = load_toml(&root.join("sub/buildlint.toml")).unwrap();
    let s = settings_for(&root.join("sub/Dockerfile"), Some(&c), &Layer::default());
    assert_eq!(s.threshold, Some(Severity::Info));
    assert_eq!(enabled(&s, "BL1007"), None);

    std::fs::write(root.join("a.toml"), "extend = \"b.toml\"\n").unwrap();
    std::fs::write(root.join("b.toml"), "extend = \"a.toml\"\n").unwrap();
    let e = load_toml(&root.join("a.toml")).unwrap_err();
    assert!(e.message.contains("cycle"), "{e}");
}
