//! `buildlint debug bake`: the resolved targets as JSON in the shape of
//! `docker buildx bake --print`.

use std::path::PathBuf;

use clap::Args;

use super::{Io, EXIT_ERROR, EXIT_OK};
use crate::bake::{self, LoadOptions};
use crate::span::LineIndex;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  buildlint debug bake                         the default group of docker-bake.hcl\n  \
buildlint debug bake -f ci.hcl release         one group of another file\n  \
buildlint debug bake --set '*.platform=linux/arm64' app\n\n\
Loading problems go to standard error. Exit status: 0 resolved, 2 the files could not be loaded or the targets not resolved."
)]
pub struct BakeArgs {
    /// Bake files, merged in order; none: docker-bake.json, docker-bake.hcl,
    /// docker-bake.override.json and docker-bake.override.hcl in the current directory.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Override a target value (`target.key=value`, `target.key+=value`).
    #[arg(long = "set", value_name = "TARGET.KEY=VALUE")]
    pub sets: Vec<String>,
    /// Targets or groups to resolve (default: `default`).
    pub targets: Vec<String>,
}

pub fn run(args: BakeArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let opts = LoadOptions {
        files: args.files,
        working_dir: None,
        environment: std::env::vars().collect(),
        overlay: Default::default(),
    };
    let loaded = bake::load(&opts);
    if let Some(e) = &loaded.error {
        writeln!(io.stderr, "buildlint: {e}")?;
        return Ok(EXIT_ERROR);
    }
    for p in &loaded.problems {
        match loaded.files.get(p.at.file) {
            Some(f) => {
                let lc = LineIndex::new(&f.text).line_col(&f.text, p.at.span.start);
                writeln!(
                    io.stderr,
                    "{}:{}:{}: {}",
                    f.path.display(),
                    lc.line,
                    lc.column,
                    p.message
                )?;
            }
            None => writeln!(io.stderr, "{}", p.message)?,
        }
    }
    match bake::resolve::resolve(&loaded.config, &args.targets, &args.sets) {
        Ok(resolved) => {
            serde_json::to_writer_pretty(&mut *io.stdout, &bake::print::to_json(&resolved))?;
            writeln!(io.stdout)?;
            Ok(EXIT_OK)
        }
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            Ok(EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::run_captured;

    /// `buildlint debug bake` prints what the library resolves (the
    /// differential check against buildx's tests runs on the library).
    #[test]
    fn prints_what_the_library_resolves() {
        use crate::bake::{load, print::to_json, resolve_with_env, LoadOptions};
        use std::collections::BTreeMap;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/bake/buildx/read-context-from-target-chain");
        let file = dir.join("docker-bake.hcl");
        let (code, out, err) =
            run_captured(&["debug", "bake", "-f", file.to_str().unwrap(), "app"]);
        assert_eq!(code, 0, "{err}");
        let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
        let loaded = load(&LoadOptions {
            files: vec![file],
            working_dir: Some(dir),
            environment: BTreeMap::new(),
            overlay: BTreeMap::new(),
        });
        let resolved =
            resolve_with_env(&loaded.config, &["app".to_string()], &[], &BTreeMap::new()).unwrap();
        assert_eq!(printed, to_json(&resolved));
        assert_eq!(printed["target"]["mid"]["output"][0], "type=cacheonly");
    }

    #[test]
    fn prints_resolved_targets_and_reports_problems() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ci.hcl");
        std::fs::write(
            &file,
            "group \"default\" {\n  targets = [\"a\"]\n}\ntarget \"a\" {\n  tags = [\"x:1\"]\n  dockerfil = \"D\"\n}\n",
        )
        .unwrap();
        let f = file.to_str().unwrap();
        let (code, out, err) = run_captured(&["debug", "bake", "-f", f, "--set", "a.args.X=1"]);
        assert_eq!(code, 0, "{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["group"]["default"]["targets"][0], "a");
        assert_eq!(json["target"]["a"]["tags"][0], "x:1");
        assert_eq!(json["target"]["a"]["args"]["X"], "1");
        assert_eq!(json["target"]["a"]["dockerfile"], "Dockerfile");
        assert!(
            err.contains("ci.hcl:6:3: unknown attribute `dockerfil`"),
            "{err}"
        );
        let (code, out, err) = run_captured(&["debug", "bake", "-f", f, "nope"]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert!(err.contains("failed to find target nope"), "{err}");
    }
}
