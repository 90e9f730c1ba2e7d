//! `buildlint debug`: look inside the front ends.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{Io, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  buildlint debug parse Dockerfile                   the IR as JSON, with byte spans\n  \
buildlint debug parse --dump buildkit Dockerfile   BuildKit's AST dump, one line per instruction\n  \
cat Dockerfile | buildlint debug parse -           read standard input"
)]
pub struct DebugArgs {
    #[command(subcommand)]
    pub command: DebugCommand,
}

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Parse a Dockerfile and print its IR (JSON) or BuildKit's AST dump.
    #[command(after_help = "Examples:\n  buildlint debug parse Dockerfile\n  \
buildlint debug parse --dump buildkit build/Dockerfile\n  buildlint debug parse - < Dockerfile\n\n\
Exit status: 0 parsed, 2 unreadable or not a valid Dockerfile (the error names file:line:col).")]
    Parse(ParseArgs),
    /// Resolve stack files and print the merged project as JSON, with positions.
    #[command(after_help = "Example:\n  buildlint debug stack compose.yaml compose.override.yaml")]
    Stack(StackArgs),
}

#[derive(Args, Debug)]
pub struct ParseArgs {
    /// The Dockerfile to parse; `-` reads standard input.
    pub file: PathBuf,
    /// What to print.
    #[arg(long, value_enum, default_value_t = DumpFormat::Json)]
    pub dump: DumpFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// The IR with byte spans, as JSON.
    Json,
    /// BuildKit's AST dump (`Node.Dump()`), one line per instruction.
    Buildkit,
}

pub use super::debug_stack::StackArgs;

pub fn run(args: DebugArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    match args.command {
        DebugCommand::Parse(a) => parse(a, io),
        DebugCommand::Stack(a) => super::debug_stack::run(a, io),
    }
}

fn parse(args: ParseArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let (name, bytes) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        if let Err(e) = io.stdin.read_to_end(&mut buf) {
            writeln!(io.stderr, "buildlint: cannot read standard input: {e}")?;
            return Ok(EXIT_ERROR);
        }
        ("<stdin>".to_string(), buf)
    } else {
        match crate::input::read_input(&args.file) {
            Ok(b) => (args.file.display().to_string(), b),
            Err(e) => {
                writeln!(
                    io.stderr,
                    "buildlint: cannot read {}: {e}",
                    args.file.display()
                )?;
                return Ok(EXIT_ERROR);
            }
        }
    };
    let lossy = String::from_utf8_lossy(&bytes).into_owned();
    match crate::dockerfile::parse_bytes(bytes) {
        Ok(df) => {
            match args.dump {
                DumpFormat::Buildkit => io
                    .stdout
                    .write_all(crate::dockerfile::dump::buildkit(&df).as_bytes())?,
                DumpFormat::Json => {
                    serde_json::to_writer_pretty(&mut *io.stdout, &df)?;
                    writeln!(io.stdout)?;
                }
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            let text = e.render(&name, &lossy, io.stderr_is_terminal);
            io.stderr.write_all(text.as_bytes())?;
            Ok(EXIT_ERROR)
        }
    }
}
