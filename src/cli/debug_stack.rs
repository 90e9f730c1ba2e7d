//! `buildlint debug stack`: the resolved project as JSON, like
//! `docker compose config`, with the position of every value.

use std::path::PathBuf;

use clap::Args;

use super::{Io, EXIT_ERROR, EXIT_OK};
use crate::compose::{self, model::with_spans, LoadOptions};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  buildlint debug stack compose.yaml compose.override.yaml\n  \
buildlint debug stack --no-spans --env-file prod.env compose.yaml\n  \
buildlint debug stack --stack docker-stack.yml\n\n\
Loading problems go to standard error. Exit status: 0 loaded, 2 a file could not be loaded at all."
)]
pub struct StackArgs {
    /// Stack (compose) files, merged in order; none: COMPOSE_FILE or the
    /// default names in the current directory.
    pub files: Vec<PathBuf>,
    /// Files of variables for interpolation, instead of the project's .env.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// The project name (wins over COMPOSE_PROJECT_NAME and `name:`).
    #[arg(short = 'p', long)]
    pub project_name: Option<String>,
    /// Where relative paths point from (default: the first file's directory).
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Load as `docker stack deploy` does (automatic for docker-stack*.yml).
    #[arg(long)]
    pub stack: bool,
    /// Print plain values, without `at` positions.
    #[arg(long)]
    pub no_spans: bool,
}

pub fn run(args: StackArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let opts = LoadOptions {
        files: args.files,
        working_dir: args.project_directory,
        env_files: args.env_files,
        project_name: args.project_name,
        environment: std::env::vars().collect(),
        stack_mode: if args.stack { Some(true) } else { None },
        display_base: std::env::current_dir().ok(),
        home: dirs::home_dir(),
    };
    let loaded = compose::load(&opts);
    if let Some(e) = &loaded.error {
        writeln!(io.stderr, "buildlint: {e}")?;
        return Ok(EXIT_ERROR);
    }
    for p in &crate::lint::stack::problem_findings(&loaded) {
        let lc = p.start();
        writeln!(
            io.stderr,
            "{}:{}:{}: {}[{}] {}",
            p.file.path.display(),
            lc.line,
            lc.column,
            p.severity,
            p.rule.code,
            p.message
        )?;
        if let Some(h) = &p.help {
            writeln!(io.stderr, "  help: {h}")?;
        }
    }
    if let Some(project) = &loaded.project {
        let json = with_spans(!args.no_spans, || serde_json::to_value(project))?;
        serde_json::to_writer_pretty(&mut *io.stdout, &json)?;
        writeln!(io.stdout)?;
    }
    Ok(if loaded.fatal || loaded.project.is_none() {
        EXIT_ERROR
    } else {
        EXIT_OK
    })
}

#[cfg(test)]
mod tests {
    use crate::cli::run_captured;

    #[test]
    fn prints_the_resolved_project() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("compose.yaml");
        std::fs::write(
            &base,
            "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n",
        )
        .unwrap();
        let over = dir.path().join("compose.override.yaml");
        std::fs::write(&over, "services:\n  web:\n    ports: ['9090:90']\n").unwrap();
        let (code, out, err) = run_captured(&[
            "debug",
            "stack",
            "-p",
            "demo",
            base.to_str().unwrap(),
            over.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["name"]["value"], "demo");
        let web = &json["services"][0];
        assert_eq!(web["image"]["value"], "nginx:1.27");
        assert!(web["image"]["at"]
            .as_str()
            .unwrap()
            .ends_with("compose.yaml:3:12-3:22"));
        assert_eq!(web["ports"][1]["published"]["value"]["start"], 9090);
        assert!(web["ports"][1]["published"]["at"]
            .as_str()
            .unwrap()
            .contains("compose.override.yaml:3:14"));
        let (code, out, _) =
            run_captured(&["debug", "stack", "--no-spans", base.to_str().unwrap()]);
        assert_eq!(code, 0);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["services"][0]["image"], "nginx:1.27");
    }

    #[test]
    fn problems_go_to_stderr_and_unloadable_files_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("compose.yaml");
        std::fs::write(&good, "services:\n  web:\n    imag: nginx\n").unwrap();
        let (code, out, err) = run_captured(&["debug", "stack", good.to_str().unwrap()]);
        assert_eq!(code, 0);
        assert!(
            err.contains(
                "compose.yaml:3:5: error[BL0010] `imag` is not a known key in service `web`"
            ),
            "{err}"
        );
        assert!(err.contains("help: did you mean `image`?"), "{err}");
        assert!(out.contains("\"services\""));
        let dup = dir.path().join("dup.yaml");
        std::fs::write(&dup, "services:\n  a: {}\n  a: {}\n").unwrap();
        let (code, out, err) = run_captured(&["debug", "stack", dup.to_str().unwrap()]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert!(
            err.contains("dup.yaml:3:3: error[BL0001] the key `a` appears twice"),
            "{err}"
        );
        let (code, _, err) = run_captured(&[
            "debug",
            "stack",
            "--stack",
            dir.path().join("nope.yml").to_str().unwrap(),
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("cannot be read"), "{err}");
    }
}
