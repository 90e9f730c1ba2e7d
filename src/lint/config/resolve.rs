//! Which configuration applies to a file, and the settings it gives once
//! its layers, matching overrides and the command line are folded in.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{
    load_hadolint, load_toml, Config, ConfigError, ConfigKind, Layer, Rule, RuleSet, Severity,
    CONFIG_NAMES, HADOLINT_NAMES,
};
use crate::lint::engine::RuleSelection;
use crate::lint::options::RuleOptions;

/// What applies to one file after configuration and command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub selection: RuleSelection,
    /// Findings at or above this severity fail the run; `None`: never.
    pub threshold: Option<Severity>,
    pub options: RuleOptions,
    /// The build context the configuration names, if any.
    pub context: Option<PathBuf>,
    /// `inspect-images`: base images' variables come from the local daemon
    /// (where the caller offers it), before the official images table.
    pub inspect_images: bool,
    /// Whether suppression comments in the linted files apply.
    pub inline_suppressions: bool,
    /// The configuration file that applied.
    pub config: Option<PathBuf>,
    pub config_kind: Option<ConfigKind>,
}

impl Default for Settings {
    fn default() -> Self {
        let mut state = State::new();
        state.finish(None)
    }
}

struct State {
    rules: BTreeMap<&'static str, (&'static Rule, Severity)>,
    threshold: Option<Severity>,
    no_fail: bool,
    context: Option<PathBuf>,
    inspect_images: bool,
    inline_suppressions: bool,
    options: RuleOptions,
}

impl State {
    fn new() -> State {
        let mut state = State {
            rules: BTreeMap::new(),
            threshold: Some(Severity::Warning),
            no_fail: false,
            context: None,
            inspect_images: false,
            inline_suppressions: true,
            options: RuleOptions::default(),
        };
        for r in RuleSet::Default.rules() {
            state.rules.insert(r.code, (r, r.severity));
        }
        state
    }

    fn enable(&mut self, set: &RuleSet) {
        for r in set.rules() {
            self.rules.entry(r.code).or_insert((r, r.severity));
        }
    }

    fn apply(&mut self, layer: &Layer) {
        if let Some(select) = &layer.select {
            let old = std::mem::take(&mut self.rules);
            for set in select {
                for r in set.rules() {
                    let severity = old.get(r.code).map(|x| x.1).unwrap_or(r.severity);
                    self.rules.insert(r.code, (r, severity));
                }
            }
        }
        for set in &layer.extend_select {
            self.enable(set);
        }
        for set in &layer.ignore {
            for r in set.rules() {
                self.rules.remove(r.code);
            }
        }
        for (set, level) in &layer.severities {
            for r in set.rules() {
                match level {
                    Some(s) => {
                        self.rules.insert(r.code, (r, *s));
                    }
                    None => {
                        self.rules.remove(r.code);
                    }
                }
            }
        }
        if let Some(t) = layer.failure_threshold {
            self.threshold = t;
        }
        if let Some(n) = layer.no_fail {
            self.no_fail = n;
        }
        if let Some(c) = &layer.context {
            self.context = Some(c.clone());
        }
        if let Some(t) = &layer.trusted_registries {
            self.options.trusted_registries = t.clone();
        }
        if let Some(s) = &layer.label_schema {
            self.options.label_schema = s.clone();
        }
        if let Some(s) = layer.strict_labels {
            self.options.strict_labels = s;
        }
        if let Some(i) = layer.inspect_images {
            self.inspect_images = i;
        }
        if let Some(i) = layer.inline_suppressions {
            self.inline_suppressions = i;
        }
    }

    fn finish(&mut self, config: Option<&Config>) -> Settings {
        // A file that cannot be read or parsed is always reported.
        let unreadable = &crate::lint::rules::meta::UNREADABLE_FILE;
        self.rules
            .insert(unreadable.code, (unreadable, Severity::Error));
        Settings {
            selection: RuleSelection {
                rules: self.rules.values().copied().collect(),
            },
            threshold: if self.no_fail { None } else { self.threshold },
            options: self.options.clone(),
            context: self.context.clone(),
            inspect_images: self.inspect_images,
            inline_suppressions: self.inline_suppressions,
            config: config.map(|c| c.path.clone()),
            config_kind: config.map(|c| c.kind),
        }
    }
}

/// The settings for `file` (absolute) under `config`, then the command line.
pub fn settings_for(file: &Path, config: Option<&Config>, cli: &Layer) -> Settings {
    let mut state = State::new();
    if let Some(config) = config {
        for layer in &config.layers {
            state.apply(layer);
        }
        for o in &config.overrides {
            if o.matches(file) {
                state.apply(&o.layer);
            }
        }
    }
    state.apply(cli);
    state.finish(config)
}

/// Loads a configuration file of either kind, by its name.
pub fn load_any(path: &Path) -> Result<Config, ConfigError> {
    if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        load_hadolint(path)
    } else {
        load_toml(path)
    }
}

/// How configuration files are found.
#[derive(Clone, Debug)]
pub enum Discovery {
    /// Nearest file upward, then the user's and hadolint's fallbacks.
    Auto,
    /// Nearest file upward only (tests, `--no-user-config`).
    ProjectOnly,
    /// This one file for everything (`--config FILE`).
    Explicit(PathBuf),
    /// No configuration files (`--isolated`).
    Isolated,
}

/// Finds and caches configuration files, and resolves settings per file.
pub struct Resolver {
    pub discovery: Discovery,
    pub cli: Layer,
    cwd: PathBuf,
    files: Mutex<HashMap<PathBuf, Result<Arc<Config>, ConfigError>>>,
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    /// Settings by configuration file and the overrides that matched: files
    /// under one configuration share them (resolving costs more than
    /// linting a small Dockerfile).
    resolved: Mutex<HashMap<SettingsKey, Settings>>,
}

/// A configuration file (if any) and the indexes of its overrides that
/// matched a file.
type SettingsKey = (Option<PathBuf>, Vec<usize>);

fn find_in(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// hadolint's own lookup locations, after the project's directories.
fn hadolint_fallbacks(cwd: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = HADOLINT_NAMES.iter().map(|n| cwd.join(n)).collect();
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME") {
        let xdg = PathBuf::from(xdg);
        out.push(xdg.join("hadolint.yaml"));
        out.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = dirs::home_dir() {
        out.push(home.join(".config/hadolint.yaml"));
        out.push(home.join(".config/hadolint.yml"));
        out.push(home.join(".hadolint/hadolint.yaml"));
        out.push(home.join(".hadolint/hadolint.yml"));
        out.push(home.join("hadolint/config.yaml"));
        out.push(home.join("hadolint/config.yml"));
        out.push(home.join(".hadolint.yaml"));
        out.push(home.join(".hadolint.yml"));
    }
    out
}

fn user_config() -> Option<PathBuf> {
    let dir = dirs::config_dir()?.join("buildlint");
    find_in(&dir, &["buildlint.toml"])
}

/// A resolver with what this one found so far.
impl Clone for Resolver {
    fn clone(&self) -> Resolver {
        Resolver {
            discovery: self.discovery.clone(),
            cli: self.cli.clone(),
            cwd: self.cwd.clone(),
            files: Mutex::new(self.files.lock().expect("config cache").clone()),
            dirs: Mutex::new(self.dirs.lock().expect("dir cache").clone()),
            resolved: Mutex::new(self.resolved.lock().expect("settings cache").clone()),
        }
    }
}

impl Resolver {
    pub fn new(discovery: Discovery, cli: Layer, cwd: PathBuf) -> Resolver {
        Resolver {
            discovery,
            cli,
            cwd,
            files: Mutex::new(HashMap::new()),
            dirs: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
        }
    }

    fn load(&self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(hit) = self.files.lock().expect("config cache").get(path) {
            return hit.clone();
        }
        let loaded = load_any(path).map(Arc::new);
        self.files
            .lock()
            .expect("config cache")
            .insert(path.to_path_buf(), loaded.clone());
        loaded
    }

    fn nearest(&self, dir: &Path, names: &[&str]) -> Option<PathBuf> {
        dir.ancestors().find_map(|d| find_in(d, names))
    }

    /// The configuration file that applies to files in `dir` (absolute).
    pub fn config_path_for_dir(&self, dir: &Path) -> Option<PathBuf> {
        match &self.discovery {
            Discovery::Isolated => return None,
            Discovery::Explicit(p) => return Some(p.clone()),
            _ => {}
        }
        if let Some(hit) = self.dirs.lock().expect("dir cache").get(dir) {
            return hit.clone();
        }
        let found = self
            .nearest(dir, &[CONFIG_NAMES, HADOLINT_NAMES].concat())
            .or_else(|| match self.discovery {
                Discovery::Auto => user_config().or_else(|| {
                    hadolint_fallbacks(&self.cwd)
                        .into_iter()
                        .find(|p| p.is_file())
                }),
                _ => None,
            });
        self.dirs
            .lock()
            .expect("dir cache")
            .insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The configuration that applies to `file` (absolute), if any.
    pub fn config_for(&self, file: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        match self.config_path_for_dir(dir) {
            Some(p) => self.load(&p).map(Some),
            None => Ok(None),
        }
    }

    /// Whether the `exclude` of the configuration that applies at `path`
    /// (absolute; a directory's own configuration, a file's directory's)
    /// leaves it out of a walk. A configuration that cannot be read
    /// excludes nothing: linting reports it.
    pub fn excludes(&self, path: &Path, is_dir: bool, with_parents: bool) -> bool {
        let dir = if is_dir {
            path
        } else {
            path.parent().unwrap_or(Path::new("/"))
        };
        let Some(config_path) = self.config_path_for_dir(dir) else {
            return false;
        };
        let Ok(config) = self.load(&config_path) else {
            return false;
        };
        config.exclude.iter().any(|e| {
            if with_parents {
                e.excludes_path_or_parent(path, is_dir)
            } else {
                e.excludes(path, is_dir)
            }
        })
    }

    /// The settings for `file` (absolute).
    pub fn settings(&self, file: &Path) -> Result<Settings, ConfigError> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        let config_path = self.config_path_for_dir(dir);
        let config = match &config_path {
            Some(p) => Some(self.load(p)?),
            None => None,
        };
        let matched: Vec<usize> = config
            .iter()
            .flat_map(|c| {
                c.overrides
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.matches(file))
                    .map(|(i, _)| i)
            })
            .collect();
        let key = (config_path, matched);
        if let Some(hit) = self.resolved.lock().expect("settings cache").get(&key) {
            return Ok(hit.clone());
        }
        let settings = settings_for(file, config.as_deref(), &self.cli);
        self.resolved
            .lock()
            .expect("settings cache")
            .insert(key, settings.clone());
        Ok(settings)
    }
}
