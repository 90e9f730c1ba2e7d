//! `buildlint.toml`: its keys, read with the span of each value so that a
//! problem points at it, and the `extend` chain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{
    error_at, load_hadolint, parse_rule_level, parse_threshold, read_text, resolve_rule_name,
    Config, ConfigError, ConfigKind, Layer, Override, RuleSet, LABEL_FORMATS,
};

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A layer's keys as written.
struct RawLayer {
    select: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    failure_threshold: Option<Spanned<String>>,
    no_fail: Option<bool>,
    context: Option<Spanned<String>>,
    trusted_registries: Option<Spanned<OneOrMany>>,
    label_schema: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    strict_labels: Option<bool>,
    inspect_images: Option<bool>,
}

/// Declares a struct with the layer keys plus `$extra` fields, and its
/// conversion to [`RawLayer`]. (`deny_unknown_fields` does not work through
/// `#[serde(flatten)]`, so each table lists every key.)
macro_rules! layer_struct {
    ($name:ident { $($extra:ident : $ty:ty),* }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct $name {
            $($extra: $ty,)*
            select: Option<Vec<Spanned<String>>>,
            extend_select: Option<Vec<Spanned<String>>>,
            ignore: Option<Vec<Spanned<String>>>,
            rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
            failure_threshold: Option<Spanned<String>>,
            no_fail: Option<bool>,
            context: Option<Spanned<String>>,
            trusted_registries: Option<Spanned<OneOrMany>>,
            label_schema: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
            strict_labels: Option<bool>,
            inspect_images: Option<bool>,
        }

        impl $name {
            fn split(self) -> (RawLayer, ($($ty,)*)) {
                (
                    RawLayer {
                        select: self.select,
                        extend_select: self.extend_select,
                        ignore: self.ignore,
                        rules: self.rules,
                        failure_threshold: self.failure_threshold,
                        no_fail: self.no_fail,
                        context: self.context,
                        trusted_registries: self.trusted_registries,
                        label_schema: self.label_schema,
                        strict_labels: self.strict_labels,
                        inspect_images: self.inspect_images,
                    },
                    ($(self.$extra,)*),
                )
            }
        }
    };
}

layer_struct!(RawFile {
    extend: Option<Spanned<String>>,
    exclude: Option<Spanned<Vec<String>>>,
    overrides: Option<Vec<Spanned<RawOverride>>>,
    // Read by the builder (`builder::fleet`); lint only knows the keys.
    nodes: Option<toml::Value>,
    fleet: Option<toml::Value>
});
layer_struct!(RawOverride { files: Spanned<OneOrMany> });

const TOP_KEYS: [&str; 16] = [
    "extend",
    "exclude",
    "overrides",
    "select",
    "extend-select",
    "ignore",
    "rules",
    "failure-threshold",
    "no-fail",
    "context",
    "trusted-registries",
    "label-schema",
    "strict-labels",
    "inspect-images",
    "nodes",
    "fleet",
];

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    dir: &'a Path,
}

impl Reader<'_> {
    fn err(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        error_at(self.path, self.text, offset, message)
    }

    fn names(&self, key: &str, list: &[Spanned<String>]) -> Result<Vec<RuleSet>, ConfigError> {
        list.iter()
            .map(|name| {
                resolve_rule_name(name.get_ref()).map_err(|help| ConfigError {
                    help: Some(help),
                    ..self.err(
                        name.span().start,
                        format!("unknown rule `{}` in `{key}`", name.get_ref()),
                    )
                })
            })
            .collect()
    }

    fn layer(&self, raw: RawLayer) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        if let Some(select) = &raw.select {
            layer.select = Some(self.names("select", select)?);
        }
        if let Some(list) = &raw.extend_select {
            layer.extend_select = self.names("extend-select", list)?;
        }
        if let Some(list) = &raw.ignore {
            layer.ignore = self.names("ignore", list)?;
        }
        if let Some(rules) = &raw.rules {
            for (name, level) in rules {
                let set = resolve_rule_name(name.get_ref()).map_err(|help| ConfigError {
                    help: Some(help),
                    ..self.err(
                        name.span().start,
                        format!("unknown rule `{}` in [rules]", name.get_ref()),
                    )
                })?;
                let level = parse_rule_level(level.get_ref()).ok_or_else(|| ConfigError {
                    help: Some("use one of `error`, `warning`, `info`, `style`, `off`".into()),
                    ..self.err(
                        level.span().start,
                        format!("`{}` is not a severity", level.get_ref()),
                    )
                })?;
                layer.severities.push((set, level));
            }
        }
        if let Some(t) = &raw.failure_threshold {
            layer.failure_threshold =
                Some(parse_threshold(t.get_ref()).ok_or_else(|| ConfigError {
                    help: Some("use one of `error`, `warning`, `info`, `style`, `none`".into()),
                    ..self.err(
                        t.span().start,
                        format!("`{}` is not a failure threshold", t.get_ref()),
                    )
                })?);
        }
        layer.no_fail = raw.no_fail;
        if let Some(c) = &raw.context {
            layer.context = Some(crate::lint::baseline::clean_path(
                &self.dir.join(c.get_ref()),
            ));
        }
        if let Some(t) = raw.trusted_registries {
            layer.trusted_registries = Some(t.into_inner().into_vec());
        }
        if let Some(schema) = &raw.label_schema {
            let mut out = BTreeMap::new();
            for (label, format) in schema {
                if !LABEL_FORMATS.contains(&format.get_ref().as_str()) {
                    return Err(ConfigError {
                        help: Some(format!("use one of {}", LABEL_FORMATS.join(", "))),
                        ..self.err(
                            format.span().start,
                            format!("`{}` is not a label format", format.get_ref()),
                        )
                    });
                }
                out.insert(label.get_ref().clone(), format.get_ref().clone());
            }
            layer.label_schema = Some(out);
        }
        layer.strict_labels = raw.strict_labels;
        layer.inspect_images = raw.inspect_images;
        Ok(layer)
    }
}

/// Builds a glob set from override patterns; a pattern without `/` matches
/// the file name at any depth.
fn globs(patterns: &[String]) -> Result<globset::GlobSet, (usize, String)> {
    let mut builder = globset::GlobSetBuilder::new();
    for (i, p) in patterns.iter().enumerate() {
        let p = p.trim_start_matches("./");
        let pattern = if p.contains('/') {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{p}")
        };
        let glob = globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| (i, e.kind().to_string()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| (0, e.to_string()))
}

/// Parses a `buildlint.toml` (without following `extend`).
pub fn parse_toml(path: &Path, text: &str) -> Result<(Option<PathBuf>, Config), ConfigError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let mut message = e.message().trim().to_string();
        let mut help = None;
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or("").to_string();
            message = format!("unknown key `{key}`");
            let close = TOP_KEYS
                .iter()
                .map(|k| (strsim::jaro_winkler(&key, k), *k))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            help = Some(match close {
                Some((_, k)) => format!("a similar key exists: `{k}`"),
                None => format!("known keys: {}", TOP_KEYS.join(", ")),
            });
        }
        ConfigError {
            help,
            ..error_at(path, text, offset, message)
        }
    })?;
    let reader = Reader { path, text, dir };
    let (top, (extend, raw_exclude, raw_overrides, _, _)) = raw.split();
    let mut exclude = Vec::new();
    if let Some(list) = raw_exclude {
        let at = list.span().start;
        let patterns = list.into_inner();
        let root = std::env::current_dir().unwrap_or_default().join(dir);
        let set = crate::lint::discover::Exclude::new(
            &crate::lint::baseline::clean_path(&root),
            &patterns,
        )
        .map_err(|(i, e)| {
            reader.err(
                at,
                format!(
                    "invalid pattern `{}` in `exclude`: {e}",
                    patterns.get(i).map(String::as_str).unwrap_or("")
                ),
            )
        })?;
        exclude.push(set);
    }
    let top = reader.layer(top)?;
    let mut overrides = Vec::new();
    for o in raw_overrides.unwrap_or_default() {
        let span = o.span();
        let (layer, (files,)) = o.into_inner().split();
        let files_at = files.span().start;
        let patterns = files.into_inner().into_vec();
        let globs = globs(&patterns).map_err(|(i, e)| {
            let at = if patterns.len() > 1 {
                files_at
            } else {
                span.start.max(files_at)
            };
            reader.err(
                at,
                format!(
                    "invalid glob `{}`: {e}",
                    patterns.get(i).map(String::as_str).unwrap_or("")
                ),
            )
        })?;
        overrides.push(Override {
            dir: dir.to_path_buf(),
            patterns,
            globs,
            layer: reader.layer(layer)?,
        });
    }
    let extend = extend.map(|e| crate::lint::baseline::clean_path(&dir.join(e.get_ref())));
    Ok((
        extend,
        Config {
            path: path.to_path_buf(),
            kind: ConfigKind::Buildlint,
            layers: vec![top],
            overrides,
            unmapped: Vec::new(),
            exclude,
        },
    ))
}

/// Loads a `buildlint.toml`, following `extend` (cycles are errors).
pub fn load_toml(path: &Path) -> Result<Config, ConfigError> {
    let mut chain: Vec<PathBuf> = Vec::new();
    load_toml_chain(path, &mut chain)
}

fn load_toml_chain(path: &Path, chain: &mut Vec<PathBuf>) -> Result<Config, ConfigError> {
    if chain.iter().any(|p| p == path) {
        return Err(ConfigError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: "`extend` forms a cycle".into(),
            help: Some(format!(
                "the chain is {}",
                chain
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            )),
        });
    }
    chain.push(path.to_path_buf());
    let text = read_text(path)?;
    let (extend, mut config) = parse_toml(path, &text)?;
    if let Some(base_path) = extend {
        let base = if base_path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml")
        {
            load_hadolint(&base_path)?
        } else {
            load_toml_chain(&base_path, chain)?
        };
        let mut layers = base.layers;
        layers.append(&mut config.layers);
        let mut overrides = base.overrides;
        overrides.append(&mut config.overrides);
        let mut exclude = base.exclude;
        exclude.append(&mut config.exclude);
        config.layers = layers;
        config.overrides = overrides;
        config.exclude = exclude;
    }
    Ok(config)
}
