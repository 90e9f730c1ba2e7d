//! Which shell runs a RUN: from `SHELL`, a `# hadolint shell=` pragma, the
//! platform default, or a heredoc's shebang.

use crate::span::Span;

/// The family of a shell, by the basename of its program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShellKind {
    /// `/bin/sh`: dash on Debian and Ubuntu, BusyBox ash on Alpine.
    Sh,
    Dash,
    /// BusyBox ash (also `busybox sh`).
    Ash,
    Bash,
    Zsh,
    /// ksh, mksh, ksh93.
    Ksh,
    /// `pwsh`, `powershell`.
    PowerShell,
    /// Windows `cmd`.
    Cmd,
    /// Anything else (`python -c`, `/bin/false`...).
    Other,
}

impl ShellKind {
    /// The kind of a program, by basename (`/usr/bin/bash`, `bash.exe`, `BASH`).
    pub fn of_program(program: &str) -> ShellKind {
        let base = basename(program).to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        match base {
            "sh" => ShellKind::Sh,
            "dash" => ShellKind::Dash,
            "ash" => ShellKind::Ash,
            "bash" => ShellKind::Bash,
            "zsh" => ShellKind::Zsh,
            "ksh" | "mksh" | "ksh93" | "oksh" | "pdksh" => ShellKind::Ksh,
            "pwsh" | "powershell" | "pwsh-preview" => ShellKind::PowerShell,
            "cmd" => ShellKind::Cmd,
            _ => ShellKind::Other,
        }
    }

    /// A shell whose language tree-sitter-bash reads: POSIX sh and its supersets.
    pub fn is_posix_family(self) -> bool {
        matches!(
            self,
            ShellKind::Sh
                | ShellKind::Dash
                | ShellKind::Ash
                | ShellKind::Bash
                | ShellKind::Zsh
                | ShellKind::Ksh
        )
    }

    /// A shell where bash features (`[[`, arrays, `<<<`, `source`) fail:
    /// `/bin/sh` (dash or BusyBox ash) and dash itself.
    pub fn is_plain_sh(self) -> bool {
        matches!(self, ShellKind::Sh | ShellKind::Dash)
    }

    /// Shells that know `set -o pipefail` (bash, zsh, ksh, BusyBox ash).
    pub fn knows_pipefail(self) -> bool {
        matches!(
            self,
            ShellKind::Bash | ShellKind::Zsh | ShellKind::Ksh | ShellKind::Ash
        )
    }
}

/// Where the shell in force was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellOrigin {
    /// The platform default: `/bin/sh -c` on Linux, `cmd /S /C` on Windows.
    Default,
    /// A `SHELL` instruction (index into the file's instructions).
    Instruction(usize),
    /// A `# hadolint shell=...` comment.
    Pragma(Span),
    /// A heredoc's `#!` line, or the shell a heredoc is fed to.
    Heredoc,
}

/// A shell: its command line and what the rules need to know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shell {
    /// The command line before the script, e.g. `["/bin/sh", "-c"]`.
    pub argv: Vec<String>,
    pub kind: ShellKind,
    /// `-o pipefail` is on the command line.
    pub pipefail: bool,
    /// `-e` (or `-o errexit`) is on the command line.
    pub errexit: bool,
    pub origin: ShellOrigin,
}

impl Shell {
    pub fn new(argv: Vec<String>, origin: ShellOrigin) -> Shell {
        let kind = match argv.first() {
            Some(first) if ShellKind::of_program(first) == ShellKind::Other => {
                // `busybox sh -c`, `/bin/busybox ash -c`
                if basename(first).eq_ignore_ascii_case("busybox") {
                    match argv.get(1).map(|s| ShellKind::of_program(s)) {
                        Some(ShellKind::Sh | ShellKind::Ash) => ShellKind::Ash,
                        _ => ShellKind::Other,
                    }
                } else {
                    ShellKind::Other
                }
            }
            Some(first) => ShellKind::of_program(first),
            None => ShellKind::Other,
        };
        let (pipefail, errexit) = shell_options(argv.iter().skip(1).map(String::as_str));
        Shell {
            argv,
            kind,
            pipefail,
            errexit,
            origin,
        }
    }

    /// `/bin/sh -c`, the Linux default.
    pub fn default_linux() -> Shell {
        Shell::new(vec!["/bin/sh".into(), "-c".into()], ShellOrigin::Default)
    }

    /// `cmd /S /C`, the Windows default.
    pub fn default_windows() -> Shell {
        Shell::new(
            vec!["cmd".into(), "/S".into(), "/C".into()],
            ShellOrigin::Default,
        )
    }

    /// The shell named by a pragma value (`powershell`, `/bin/bash`, `bash -o pipefail`).
    pub fn from_pragma(value: &str, span: Span) -> Shell {
        let argv: Vec<String> = value.split_whitespace().map(str::to_string).collect();
        Shell::new(argv, ShellOrigin::Pragma(span))
    }

    /// The program's basename (`bash` for `/usr/bin/bash`).
    pub fn program(&self) -> &str {
        self.argv.first().map(|s| basename(s)).unwrap_or("")
    }
}

/// `(pipefail, errexit)` from shell or `set` options: `-e`, `-o pipefail`,
/// `-eo pipefail`, `-euxo pipefail`, `-o errexit`, `+e` turns off.
pub fn shell_options<'a>(args: impl IntoIterator<Item = &'a str>) -> (bool, bool) {
    let mut pipefail = false;
    let mut errexit = false;
    let mut expect_option = false;
    for arg in args {
        if expect_option {
            expect_option = false;
            match arg {
                "pipefail" => pipefail = true,
                "errexit" => errexit = true,
                _ => {}
            }
            continue;
        }
        if arg == "--" || arg == "-c" {
            break;
        }
        if let Some(letters) = arg.strip_prefix('-') {
            if letters.starts_with('-') {
                continue;
            }
            if letters.contains('e') {
                errexit = true;
            }
            if letters.ends_with('o') {
                expect_option = true;
            }
            // `-c` ends the options; `-ec` too.
            if letters.contains('c') {
                break;
            }
        } else if let Some(letters) = arg.strip_prefix('+') {
            if letters.contains('e') {
                errexit = false;
            }
            if letters.ends_with('o') {
                expect_option = false;
            }
        } else {
            break;
        }
    }
    (pipefail, errexit)
}

/// The last `/`- or `\`-separated part of a path.
pub fn basename(path: &str) -> &str {
    // Asked of every command by many rules: a byte scan, not a split.
    match path.bytes().rposition(|b| b == b'/' || b == b'\\') {
        Some(cut) => &path[cut + 1..],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_basename() {
        assert_eq!(ShellKind::of_program("/usr/bin/bash"), ShellKind::Bash);
        assert_eq!(ShellKind::of_program("bash"), ShellKind::Bash);
        assert_eq!(ShellKind::of_program("/bin/sh"), ShellKind::Sh);
        assert_eq!(ShellKind::of_program("powershell"), ShellKind::PowerShell);
        assert_eq!(
            ShellKind::of_program("C:\\Windows\\System32\\cmd.exe"),
            ShellKind::Cmd
        );
        assert_eq!(ShellKind::of_program("python3"), ShellKind::Other);
        let sh = Shell::new(
            vec!["/bin/busybox".into(), "sh".into(), "-c".into()],
            ShellOrigin::Default,
        );
        assert_eq!(sh.kind, ShellKind::Ash);
    }

    #[test]
    fn pipefail_and_errexit() {
        let s = |argv: &[&str]| {
            Shell::new(
                argv.iter().map(|s| s.to_string()).collect(),
                ShellOrigin::Default,
            )
        };
        let b = s(&["/bin/bash", "-o", "pipefail", "-c"]);
        assert!(b.pipefail && !b.errexit);
        let b = s(&["/bin/bash", "-eo", "pipefail", "-c"]);
        assert!(b.pipefail && b.errexit);
        let b = s(&["/bin/bash", "-euxo", "pipefail", "-c"]);
        assert!(b.pipefail && b.errexit);
        let b = s(&["/bin/sh", "-c"]);
        assert!(!b.pipefail && !b.errexit);
        let b = s(&["/bin/bash", "-c", "-o", "pipefail"]);
        assert!(!b.pipefail);
    }
}
