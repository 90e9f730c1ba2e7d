//! The command line: parse arguments, resolve configuration, call the stages.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub mod build;
pub mod check;
pub mod config;
pub mod context;
pub mod debug;
pub mod rule;

/// Exit status: nothing at or above the failure threshold / built.
pub const EXIT_OK: u8 = 0;
/// Findings at or above the failure threshold / a build failed.
pub const EXIT_FINDINGS: u8 = 1;
/// The command could not complete (usage, unreadable file, daemon unreachable).
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "buildlint",
    version,
    about = "Checks and builds container images, with the build context in view.",
    long_about = "Checks Dockerfiles and compose/stack files with one rule engine that sees the build \
context, and builds images and stacks through the Docker daemon, packaging only what each build reads.",
    after_help = "Examples:\n  buildlint check                      lint every Dockerfile and stack file below .\n  \
buildlint check fixtures/seed         lint one directory\n  buildlint rule BL1007                 explain a rule\n  \
buildlint build -t app:dev .          lint, then build ./Dockerfile",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint Dockerfiles and stack files.
    Check(check::CheckArgs),
    /// Lint, package the context and build an image or a stack's services.
    Build(build::BuildArgs),
    /// Explain a rule, or list them all.
    Rule(rule::RuleArgs),
    /// Inspect what a build would send: list, tar or digest the context.
    Context(context::ContextArgs),
    /// Show or convert configuration.
    Config(config::ConfigArgs),
    /// Look inside the front ends: parse dumps and resolved stacks.
    Debug(debug::DebugArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  buildlint completions bash > /etc/bash_completion.d/buildlint"
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  buildlint man > buildlint.1 && man ./buildlint.1")]
    Man,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Rule(args) => rule::run(args),
        Command::Context(args) => context::run(args),
        Command::Config(args) => config::run(args),
        Command::Debug(args) => debug::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "buildlint",
                &mut std::io::stdout(),
            );
            Ok(EXIT_OK)
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            man.render(&mut std::io::stdout())
                .map(|_| EXIT_OK)
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("buildlint: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A subcommand that a later change brings: says so plainly, exit 2.
pub(crate) fn not_yet(what: &str) -> anyhow::Result<u8> {
    eprintln!("buildlint: `{what}` is not available in this version yet");
    Ok(EXIT_ERROR)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
