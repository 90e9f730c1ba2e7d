//! The command line: parse arguments, resolve configuration, call the stages.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub mod build;
mod build_bake;
pub mod check;
pub mod config;
pub mod context;
pub mod debug;
mod debug_bake;
mod debug_stack;
pub mod fix;
pub mod lsp;
pub mod nodes;
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
    long_about = "Checks Dockerfiles, compose/stack files and bake files with one rule engine that sees \
the build context, and builds images and stacks through the Docker daemon, packaging only what each build reads.",
    after_help = "Examples:\n  buildlint check                      lint every Dockerfile, stack and bake file below .\n  \
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
    /// Lint Dockerfiles, stack files and bake files.
    Check(Box<check::CheckArgs>),
    /// Lint, package the context and build an image or a stack's services.
    Build(Box<build::BuildArgs>),
    /// Explain a rule, or list them all.
    Rule(rule::RuleArgs),
    /// Inspect what a build would send: list, tar or digest the context.
    Context(context::ContextArgs),
    /// Show or convert configuration.
    Config(config::ConfigArgs),
    /// Look inside the front ends: parse dumps and resolved stacks.
    Debug(debug::DebugArgs),
    /// Serve the Language Server Protocol over stdio (for editors).
    Lsp(lsp::LspArgs),
    /// List the nodes of a build fleet: engine, builders, load, images held.
    Nodes(nodes::NodesArgs),
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

/// Where a command reads and writes: the process's streams, or buffers in tests.
pub struct Io<'a> {
    pub stdin: &'a mut dyn std::io::Read,
    pub stdout: &'a mut dyn std::io::Write,
    pub stderr: &'a mut dyn std::io::Write,
    /// Whether stdout / stderr are terminals (colour, live progress).
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
}

pub fn main() -> ExitCode {
    use std::io::IsTerminal;
    drop_empty_settings_from_env();
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut io = Io {
        stdout_is_terminal: stdout.is_terminal(),
        stderr_is_terminal: stderr.is_terminal(),
        stdin: &mut stdin.lock(),
        stdout: &mut std::io::BufWriter::new(stdout.lock()),
        stderr: &mut stderr.lock(),
    };
    let code = run(std::env::args_os(), &mut io);
    let _ = io.stdout.flush();
    ExitCode::from(code)
}

/// An empty `BUILDLINT_*` variable counts as unset (a CI system passes an
/// input left blank as an empty string), as `NO_COLOR` does. Called first
/// thing in `main`, while the process has one thread.
fn drop_empty_settings_from_env() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(k, v)| k.to_string_lossy().starts_with("BUILDLINT_") && v.is_empty())
        .map(|(k, _)| k)
        .collect();
    for k in empty {
        std::env::remove_var(k);
    }
}

/// Runs buildlint with `args` (the first is the program name) and returns the
/// exit status. Tests call this in-process with buffers.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let rendered = if e.use_stderr() && io.stderr_is_terminal {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            if e.use_stderr() {
                let _ = write!(io.stderr, "{rendered}");
            } else {
                let _ = write!(io.stdout, "{rendered}");
            }
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(*args, io),
        Command::Build(args) if args.bake => build_bake::run(&args, io),
        Command::Build(args) => build::run(*args, io),
        Command::Rule(args) => rule::run(args, io),
        Command::Context(args) => context::run(args, io),
        Command::Config(args) => config::run(args, io),
        Command::Debug(args) => debug::run(args, io),
        Command::Lsp(args) => lsp::run(args, io),
        Command::Nodes(args) => nodes::run(args, io),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "buildlint", io.stdout);
            Ok(EXIT_OK)
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            man.render(io.stdout)
                .map(|_| EXIT_OK)
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(io.stderr, "buildlint: {}", describe_error(&e));
            EXIT_ERROR
        }
    }
}

/// The error and its causes joined with `: `, leaving out a cause that the
/// message before it already ends with (most of ours name their cause:
/// `cannot read x: Permission denied (os error 13)`).
pub fn describe_error(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs buildlint in-process on empty stdin and returns (status, stdout, stderr).
pub fn run_captured(args: &[&str]) -> (u8, String, String) {
    run_captured_with_stdin(args, b"")
}

/// As [`run_captured`], with `stdin` as standard input.
pub fn run_captured_with_stdin(args: &[&str], stdin: &[u8]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = stdin;
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut out,
        stderr: &mut err,
        stdout_is_terminal: false,
        stderr_is_terminal: false,
    };
    let argv: Vec<&str> = std::iter::once("buildlint")
        .chain(args.iter().copied())
        .collect();
    let code = run(argv, &mut io);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

#[cfg(test)]
mod check_bake_tests;
#[cfg(test)]
mod check_stack_tests;
#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}

#[cfg(test)]
mod options_tests;

#[cfg(test)]
mod describe_error_tests {
    use super::describe_error;

    #[test]
    fn an_os_error_is_named_once() {
        let io = std::io::Error::from_raw_os_error(13);
        let e = crate::context::dockerignore::LoadError::Io {
            path: ".dockerignore".into(),
            source: io,
        };
        let e = anyhow::Error::from(e).context("cannot plan the context");
        assert_eq!(
            describe_error(&e),
            "cannot plan the context: cannot read .dockerignore: Permission denied (os error 13)"
        );
    }
}
