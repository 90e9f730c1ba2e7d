//! `buildlint config`: show the settings that apply to a file, or convert a
//! `.hadolint.yaml` into the equivalent `buildlint.toml`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Io, EXIT_ERROR, EXIT_OK};
use crate::lint::baseline::clean_path;
use crate::lint::config::{hadolint_to_toml, Discovery, Layer, Resolver, HADOLINT_NAMES};

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  buildlint config                          settings for ./Dockerfile
  buildlint config --show services/api/Dockerfile
  buildlint config --from-hadolint          ./.hadolint.yaml -> ./buildlint.toml
  buildlint config --from-hadolint ci/.hadolint.yaml -o -")]
pub struct ConfigArgs {
    /// Convert a hadolint configuration (default: .hadolint.yaml or .hadolint.yml here) into buildlint.toml.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 0..=1,
        default_missing_value = ".",
        conflicts_with = "show"
    )]
    pub from_hadolint: Option<PathBuf>,

    /// Where to write the converted file (default: buildlint.toml beside the hadolint file; `-`: standard output).
    #[arg(short = 'o', long, value_name = "FILE", requires = "from_hadolint")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing output file.
    #[arg(long, requires = "from_hadolint")]
    pub force: bool,

    /// Show which configuration applies to PATH and what it selects.
    #[arg(long, value_name = "PATH")]
    pub show: Option<PathBuf>,
}

fn from_hadolint(args: &ConfigArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let given = args.from_hadolint.clone().unwrap_or_default();
    let source = if given.as_os_str().is_empty() || given.is_dir() {
        match HADOLINT_NAMES
            .iter()
            .map(|name| given.join(name))
            .find(|p| p.is_file())
        {
            Some(p) => p,
            None => {
                writeln!(
                    io.stderr,
                    "buildlint: no .hadolint.yaml or .hadolint.yml in {}\n  tip: name it: `buildlint config --from-hadolint path/.hadolint.yaml`",
                    if given.as_os_str().is_empty() { Path::new(".").display() } else { given.display() }
                )?;
                return Ok(EXIT_ERROR);
            }
        }
    } else {
        given
    };
    let text = match std::fs::read_to_string(&source) {
        Ok(t) => t,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {}: {e}", source.display())?;
            return Ok(EXIT_ERROR);
        }
    };
    let converted = match hadolint_to_toml(&source, &text) {
        Ok(c) => c,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    let output = args.output.clone().unwrap_or_else(|| {
        source
            .parent()
            .unwrap_or(Path::new(""))
            .join("buildlint.toml")
    });
    if output.as_os_str() == "-" {
        write!(io.stdout, "{converted}")?;
        return Ok(EXIT_OK);
    }
    if output.exists() && !args.force {
        writeln!(
            io.stderr,
            "buildlint: {} exists; not overwriting it\n  tip: pass --force to replace it, or `-o -` to print the conversion",
            output.display()
        )?;
        return Ok(EXIT_ERROR);
    }
    std::fs::write(&output, &converted)
        .map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?;
    writeln!(
        io.stdout,
        "Wrote {} from {}.",
        output.display(),
        source.display()
    )?;
    Ok(EXIT_OK)
}

fn show(path: &Path, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir()?;
    let absolute = clean_path(&cwd.join(path));
    let file = if absolute.is_dir() {
        absolute.join("Dockerfile")
    } else {
        absolute
    };
    let resolver = Resolver::new(Discovery::Auto, Layer::default(), cwd);
    let settings = match resolver.settings(&file) {
        Ok(s) => s,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    writeln!(io.stdout, "file: {}", file.display())?;
    match &settings.config {
        Some(c) => writeln!(io.stdout, "configuration: {}", c.display())?,
        None => writeln!(io.stdout, "configuration: none (defaults)")?,
    }
    writeln!(
        io.stdout,
        "failure-threshold: {}",
        settings
            .threshold
            .map(|t| t.as_str())
            .unwrap_or("none (never fails)")
    )?;
    match &settings.context {
        Some(c) => writeln!(io.stdout, "context: {}", c.display())?,
        None => writeln!(io.stdout, "context: the Dockerfile's directory (a guess)")?,
    }
    let o = &settings.options;
    if !o.trusted_registries.is_empty() {
        writeln!(
            io.stdout,
            "trusted-registries: {}",
            o.trusted_registries.join(", ")
        )?;
    }
    if !o.label_schema.is_empty() {
        let schema: Vec<String> = o
            .label_schema
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        writeln!(io.stdout, "label-schema: {}", schema.join(", "))?;
    }
    if o.strict_labels {
        writeln!(io.stdout, "strict-labels: true")?;
    }
    if settings.inspect_images {
        writeln!(io.stdout, "inspect-images: true")?;
    }
    writeln!(io.stdout, "rules ({}):", settings.selection.rules.len())?;
    for (rule, severity) in &settings.selection.rules {
        let changed = if *severity != rule.severity {
            format!(" (default {})", rule.severity)
        } else {
            String::new()
        };
        writeln!(
            io.stdout,
            "  {}  {:<8} {}{changed}",
            rule.code,
            severity.as_str(),
            rule.name
        )?;
    }
    Ok(EXIT_OK)
}

pub fn run(args: ConfigArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    if args.from_hadolint.is_some() {
        return from_hadolint(&args, io);
    }
    let path = args.show.clone().unwrap_or_else(|| PathBuf::from("."));
    show(&path, io)
}

#[cfg(test)]
mod tests {
    use crate::cli::run_captured;

    #[test]
    fn from_hadolint_writes_the_equivalent_toml_and_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let yaml = tmp.path().join(".hadolint.yaml");
        std::fs::write(
            &yaml,
            "ignored: [DL3008]\noverride:\n  error: [DL3007]\nfailure-threshold: error\n",
        )
        .unwrap();
        let y = yaml.to_string_lossy().into_owned();
        let (code, out, err) = run_captured(&["config", "--from-hadolint", &y]);
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("Wrote "), "{out}");
        let toml_path = tmp.path().join("buildlint.toml");
        let written = std::fs::read_to_string(&toml_path).unwrap();
        assert!(
            written.contains("failure-threshold = \"error\""),
            "{written}"
        );
        assert!(written.contains("\"DL3007\" = \"error\""), "{written}");

        // The written file gives the same behaviour as the hadolint file.
        std::fs::write(tmp.path().join("Dockerfile"), "FROM nginx:latest\n").unwrap();
        let dir = tmp.path().to_string_lossy().into_owned();
        let (code, out, _) =
            run_captured(&["check", &dir, "--format", "compact", "--no-user-config"]);
        assert_eq!(code, 1);
        assert!(out.contains("error[BL1007]"), "{out}");

        let (code, _, err) = run_captured(&["config", "--from-hadolint", &y]);
        assert_eq!(code, 2);
        assert!(err.contains("not overwriting"), "{err}");
        let (code, out, _) = run_captured(&["config", "--from-hadolint", &y, "-o", "-"]);
        assert_eq!(code, 0);
        assert_eq!(out, written);
    }

    #[test]
    fn show_names_the_configuration_and_rules() {
        let (code, out, _) = run_captured(&["config", "--show", "fixtures/seed/Dockerfile"]);
        assert_eq!(code, 0);
        assert!(out.contains("failure-threshold: warning"), "{out}");
        assert!(
            out.contains("BL1007  warning  latest-base-image-tag"),
            "{out}"
        );
    }
}
