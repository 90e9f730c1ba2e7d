//! `.hadolint.yaml`: read into the equivalent buildlint settings, and
//! written out as the equivalent `buildlint.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{
    parse_threshold, read_text, registry, Config, ConfigError, ConfigKind, Layer, RuleSet,
    Severity, LABEL_FORMATS,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHadolint {
    ignored: Option<Vec<serde_saphyr::Spanned<String>>>,
    #[serde(rename = "override")]
    override_: Option<RawHadolintOverride>,
    #[serde(rename = "trustedRegistries")]
    trusted_registries: Option<HadolintStrings>,
    #[serde(rename = "failure-threshold")]
    failure_threshold: Option<serde_saphyr::Spanned<String>>,
    #[serde(rename = "label-schema")]
    label_schema: Option<BTreeMap<String, serde_saphyr::Spanned<String>>>,
    #[serde(rename = "strict-labels")]
    strict_labels: Option<bool>,
    #[serde(rename = "no-fail")]
    no_fail: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HadolintStrings {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHadolintOverride {
    error: Vec<serde_saphyr::Spanned<String>>,
    warning: Vec<serde_saphyr::Spanned<String>>,
    info: Vec<serde_saphyr::Spanned<String>>,
    style: Vec<serde_saphyr::Spanned<String>>,
}

fn saphyr_error(path: &Path, loc: &serde_saphyr::Location, message: String) -> ConfigError {
    ConfigError {
        path: path.to_path_buf(),
        line: loc.line() as usize,
        column: loc.column() as usize,
        message,
        help: None,
    }
}

/// Parses a `.hadolint.yaml` into the equivalent buildlint settings: DL (and
/// SC) codes mapped through the rules' aliases, codes buildlint does not
/// cover remembered in `unmapped`; `failure-threshold` defaults to
/// hadolint's own default, `info`; hadolint never reports pragmas that
/// suppress nothing, so neither does a migrated configuration.
pub fn parse_hadolint(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let raw: RawHadolint = if text.trim().is_empty() {
        RawHadolint::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line() as usize, l.column() as usize))
                .unwrap_or((0, 0));
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("not a valid hadolint configuration: {e}"),
                help: None,
            }
        })?
    };
    let mut unmapped = Vec::new();
    let mut map = |code: &serde_saphyr::Spanned<String>| -> Option<RuleSet> {
        let rules = registry::lookup(code.value.trim());
        if rules.is_empty() {
            if !unmapped.contains(&code.value) {
                unmapped.push(code.value.clone());
            }
            None
        } else {
            Some(RuleSet::Rules(rules))
        }
    };
    let mut layer = Layer::default();
    for code in raw.ignored.iter().flatten() {
        if let Some(set) = map(code) {
            layer.ignore.push(set);
        }
    }
    // Pragmas that suppress nothing: hadolint does not report them.
    layer.ignore.push(RuleSet::Rules(vec![
        &crate::lint::rules::meta::UNUSED_SUPPRESSION,
    ]));
    if let Some(o) = &raw.override_ {
        for (list, severity) in [
            (&o.error, Severity::Error),
            (&o.warning, Severity::Warning),
            (&o.info, Severity::Info),
            (&o.style, Severity::Style),
        ] {
            for code in list {
                if let Some(set) = map(code) {
                    layer.severities.push((set, Some(severity)));
                }
            }
        }
    }
    layer.failure_threshold = Some(match &raw.failure_threshold {
        None => Some(Severity::Info),
        Some(t) => parse_threshold(&t.value).ok_or_else(|| {
            let mut e = saphyr_error(
                path,
                &t.referenced,
                format!("`{}` is not a failure threshold", t.value),
            );
            e.help = Some("use one of error, warning, info, style, ignore, none".into());
            e
        })?,
    });
    layer.no_fail = raw.no_fail;
    layer.trusted_registries = raw.trusted_registries.map(|t| match t {
        HadolintStrings::One(s) => vec![s],
        HadolintStrings::Many(v) => v,
    });
    if let Some(schema) = raw.label_schema {
        let mut out = BTreeMap::new();
        for (label, format) in schema {
            if !LABEL_FORMATS.contains(&format.value.as_str()) {
                let mut e = saphyr_error(
                    path,
                    &format.referenced,
                    format!("`{}` is not a label format", format.value),
                );
                e.help = Some(format!("use one of {}", LABEL_FORMATS.join(", ")));
                return Err(e);
            }
            out.insert(label, format.value);
        }
        layer.label_schema = Some(out);
    }
    layer.strict_labels = raw.strict_labels;
    Ok(Config {
        path: path.to_path_buf(),
        kind: ConfigKind::Hadolint,
        layers: vec![layer],
        overrides: Vec::new(),
        unmapped,
        exclude: Vec::new(),
    })
}

pub fn load_hadolint(path: &Path) -> Result<Config, ConfigError> {
    let text = read_text(path)?;
    parse_hadolint(path, &text)
}
// ---------------------------------------------------------------------------
// Writing a buildlint.toml from a .hadolint.yaml

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_string(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The `buildlint.toml` equivalent to a `.hadolint.yaml`'s text: rules named
/// by their hadolint codes (aliases work in buildlint's configuration), so
/// the result reads like the original.
pub fn hadolint_to_toml(path: &Path, text: &str) -> Result<String, ConfigError> {
    // Validate and learn which codes map to nothing.
    let config = parse_hadolint(path, text)?;
    let raw: RawHadolint = if text.trim().is_empty() {
        RawHadolint::default()
    } else {
        serde_saphyr::from_str(text).expect("parsed once already")
    };
    let mapped = |codes: &[serde_saphyr::Spanned<String>]| -> Vec<String> {
        codes
            .iter()
            .map(|c| c.value.trim().to_string())
            .filter(|c| !registry::lookup(c).is_empty())
            .collect()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "# Converted from {} by `buildlint config --from-hadolint`.\n",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    out.push_str("# hadolint codes name the buildlint rules that cover them.\n\n");
    let threshold = raw
        .failure_threshold
        .as_ref()
        .map(|t| t.value.to_ascii_lowercase())
        .map(|t| if t == "ignore" { "none".to_string() } else { t });
    match threshold {
        Some(t) => out.push_str(&format!("failure-threshold = {}\n", toml_string(&t))),
        None => out.push_str(
            "# hadolint's default threshold, so the same findings fail CI as before.\nfailure-threshold = \"info\"\n",
        ),
    }
    if raw.no_fail == Some(true) {
        out.push_str("no-fail = true\n");
    }
    let mut ignore = mapped(raw.ignored.as_deref().unwrap_or(&[]));
    ignore.push("unused-suppression".to_string());
    out.push_str(
        "# hadolint does not report pragmas that suppress nothing; drop the last entry to have them reported.\n",
    );
    out.push_str(&format!("ignore = {}\n", toml_list(&ignore)));
    if !config.unmapped.is_empty() {
        out.push_str(&format!(
            "# Not covered by any buildlint rule, left out: {}\n",
            config.unmapped.join(", ")
        ));
    }
    if let Some(t) = &raw.trusted_registries {
        let list = match t {
            HadolintStrings::One(s) => vec![s.clone()],
            HadolintStrings::Many(v) => v.clone(),
        };
        out.push_str(&format!("trusted-registries = {}\n", toml_list(&list)));
    }
    if let Some(s) = raw.strict_labels {
        out.push_str(&format!("strict-labels = {s}\n"));
    }
    if let Some(schema) = &raw.label_schema {
        out.push_str("\n[label-schema]\n");
        for (label, format) in schema {
            out.push_str(&format!(
                "{} = {}\n",
                toml_string(label),
                toml_string(&format.value)
            ));
        }
    }
    if let Some(o) = &raw.override_ {
        let mut lines = Vec::new();
        for (list, level) in [
            (&o.error, "error"),
            (&o.warning, "warning"),
            (&o.info, "info"),
            (&o.style, "style"),
        ] {
            for code in mapped(list) {
                lines.push(format!("{} = {}\n", toml_string(&code), toml_string(level)));
            }
        }
        if !lines.is_empty() {
            out.push_str("\n[rules]\n");
            for l in lines {
                out.push_str(&l);
            }
        }
    }
    Ok(out)
}
