//! What several shell rules share: package-manager option tables, the checks
//! of the package-manager rule families (unpinned installs, missing `-y`,
//! caches left behind), cache-mount detection, fix insertion points, stage
//! facts.

use crate::dockerfile::{Args, Dockerfile, Instruction, Kind};
use crate::lint::shell::{views, Command, OptSpec, ParsedOpts, Script, Word};
use crate::lint::{Diagnostic, Diagnostics, DockerfileCx, Edit, Fix};

/// `apt-get` options that take a value.
pub const APT_GET: OptSpec = OptSpec {
    short_with_value: "otca",
    long_with_value: &[
        "option",
        "config-file",
        "target-release",
        "default-release",
        "host-architecture",
    ],
};

/// `apk` options that take a value.
pub const APK: OptSpec = OptSpec {
    short_with_value: "tXp",
    long_with_value: &[
        "virtual",
        "repository",
        "root",
        "arch",
        "keys-dir",
        "cache-dir",
        "repositories-file",
        "timeout",
        "cache-max-age",
    ],
};

/// `yum`, `dnf` and `microdnf` options that take a value.
pub const YUM: OptSpec = OptSpec {
    short_with_value: "cdeRx",
    long_with_value: &[
        "config",
        "setopt",
        "installroot",
        "releasever",
        "enablerepo",
        "disablerepo",
        "repo",
        "repoid",
        "exclude",
        "excludepkgs",
        "downloaddir",
        "destdir",
        "forcearch",
        "nodocs-x",
        "setopt",
        "color",
        "rpmverbosity",
        "debuglevel",
        "errorlevel",
        "disableplugin",
        "enableplugin",
        "installroot",
    ],
};

/// `zypper` options that take a value.
pub const ZYPPER: OptSpec = OptSpec {
    short_with_value: "crRDt",
    long_with_value: &[
        "config",
        "root",
        "repo",
        "from",
        "type",
        "reposd-dir",
        "cache-dir",
        "raw-cache-dir",
        "solv-cache-dir",
        "pkg-cache-dir",
        "download",
    ],
};

/// `pip install` options that take a value.
pub const PIP_INSTALL: OptSpec = OptSpec {
    short_with_value: "bcefirt",
    long_with_value: &[
        "abi",
        "build",
        "cache-dir",
        "cert",
        "client-cert",
        "config-settings",
        "constraint",
        "editable",
        "exists-action",
        "extra-index-url",
        "find-links",
        "global-option",
        "implementation",
        "index-url",
        "log",
        "no-binary",
        "only-binary",
        "platform",
        "prefix",
        "progress-bar",
        "proxy",
        "python",
        "python-version",
        "report",
        "requirement",
        "retries",
        "root",
        "src",
        "target",
        "timeout",
        "trusted-host",
        "upgrade-strategy",
        "use-feature",
        "use-deprecated",
    ],
};

/// `npm` options that take a value.
pub const NPM: OptSpec = OptSpec {
    short_with_value: "w",
    long_with_value: &[
        "prefix",
        "registry",
        "cache",
        "workspace",
        "tag",
        "userconfig",
        "globalconfig",
        "loglevel",
        "omit",
        "include",
        "install-strategy",
    ],
};

/// `gem install` options that take a value.
pub const GEM: OptSpec = OptSpec {
    short_with_value: "vinspgPt",
    long_with_value: &[
        "version",
        "install-dir",
        "bindir",
        "source",
        "http-proxy",
        "platform",
        "file",
        "trust-policy",
        "build-root",
        "target-rbconfig",
    ],
};

/// The subcommand word of `cmd` if `cmd` is `program` with one of `subcommands`,
/// with the parsed options.
pub fn subcommand<'a>(
    cmd: &'a Command,
    programs: &[&str],
    subcommands: &[&str],
    spec: &OptSpec,
) -> Option<(&'a Word, ParsedOpts<'a>)> {
    if !programs.contains(&cmd.name()) {
        return None;
    }
    let opts = cmd.opts(spec);
    let sub = opts.subcommand()?;
    if subcommands.contains(&sub.value.as_str()) {
        Some((sub, opts))
    } else {
        None
    }
}

/// `apt-get install ...`: the `install` word and the parsed options.
pub fn apt_get_install(cmd: &Command) -> Option<(&Word, ParsedOpts<'_>)> {
    subcommand(cmd, &["apt-get"], &["install"], &APT_GET)
}

/// Every command of every script (RUN, ONBUILD RUN, heredoc bodies).
pub fn commands<'a>(cx: &'a DockerfileCx<'_>) -> impl Iterator<Item = (&'a Script, &'a Command)> {
    views(cx).commands()
}

/// The instruction a script belongs to, unwrapped from ONBUILD.
pub fn run_of<'a>(cx: &'a DockerfileCx<'_>, script: &Script) -> &'a Instruction {
    cx.df.instructions[script.instruction].effective()
}

/// The `RUN --mount=type=cache|tmpfs` targets of a RUN.
pub fn cache_targets(run: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    for flag in run.flags_named("mount") {
        let Some(value) = &flag.value else { continue };
        let mut kind = "bind";
        let mut target = None;
        for part in value.raw.trim_matches(['"', '\'']).split(',') {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            match k.trim() {
                "type" => kind = v.trim(),
                "target" | "dst" | "destination" => {
                    target = Some(v.trim().trim_end_matches('/').to_string())
                }
                _ => {}
            }
        }
        if matches!(kind, "cache" | "tmpfs") {
            if let Some(t) = target {
                out.push(t);
            }
        }
    }
    out
}

/// True when a cache or tmpfs mount of the RUN covers `dir` (the mount
/// target is `dir` or one of its parents).
pub fn has_cache_mount(run: &Instruction, dirs: &[&str]) -> bool {
    cache_targets(run).iter().any(|t| {
        dirs.iter().any(|d| {
            d.starts_with(t.as_str()) && (d.len() == t.len() || d.as_bytes()[t.len()] == b'/')
        })
    })
}

/// An edit inserting ` text` right after `word`.
pub fn insert_after(script: &Script, word: &Word, text: &str) -> Edit {
    Edit::insert(script.file_offset_after(word.range.end), format!(" {text}"))
}

/// Whether the stage of instruction `index` is the last stage, or the base
/// of a later stage (its files end up in an image users run).
pub fn stage_ships(df: &Dockerfile, index: usize) -> bool {
    let Some(stage) = df.instructions.get(index).and_then(|i| i.stage) else {
        return true;
    };
    if stage + 1 >= df.stages.len() {
        return true;
    }
    let Some(name) = df.stages[stage].name.as_ref() else {
        return false;
    };
    df.stages[stage + 1..].iter().any(|s| {
        matches!(&df.instructions[s.from].args, Args::From(f) if f.image.raw.eq_ignore_ascii_case(&name.raw))
    })
}

/// The external base image a stage (transitively) starts from, as written.
pub fn base_image(df: &Dockerfile, index: usize) -> Option<&str> {
    let mut stage = df.instructions.get(index)?.stage?;
    for _ in 0..df.stages.len() + 1 {
        let from = &df.instructions[df.stages[stage].from];
        let Args::From(f) = &from.args else {
            return None;
        };
        match df.stages[..stage].iter().find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(&f.image.raw))
        }) {
            Some(parent) => stage = parent.index,
            None => return Some(&f.image.raw),
        }
    }
    None
}

/// The stage looks Alpine or BusyBox based: by its base image, or by `apk` use.
pub fn is_alpine_like(cx: &DockerfileCx<'_>, index: usize) -> bool {
    if let Some(image) = base_image(cx.df, index) {
        let image = image.to_ascii_lowercase();
        if image.contains("alpine") || image.contains("busybox") {
            return true;
        }
    }
    let stage = cx.df.instructions.get(index).and_then(|i| i.stage);
    let v = views(cx);
    cx.df
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.stage == stage && i.kind == Kind::Run)
        .any(|(i, _)| {
            v.of_instruction(i)
                .iter()
                .any(|s| s.commands.iter().any(|c| c.is("apk")))
        })
}

/// `the packages `a`, `b` and 3 more` style list for messages.
pub fn describe_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` and `{b}`"),
        [a, rest @ ..] => format!("`{a}` and {} more", rest.len()),
    }
}

/// A script whose end allows appending `&& more`: the command line does not
/// end in a comment, `&`, `|`, `;;` or a backslash.
pub fn append_point(script: &Script) -> Option<(u32, &'static str)> {
    let line = script.text().get(..script.line_end as usize)?;
    let trimmed = line.trim_end();
    if trimmed.is_empty() {
        return None;
    }
    // A trailing comment would swallow what we append.
    let last_comment_end = script.facts().last_comment_end as usize;
    if last_comment_end >= trimmed.len() {
        return None;
    }
    if trimmed.ends_with(['&', '|', '\\', '(', '{'])
        || trimmed.ends_with(";;")
        || trimmed.ends_with(" do")
        || trimmed.ends_with(" then")
    {
        return None;
    }
    let sep = if trimmed.ends_with(';') { " " } else { " && " };
    Some((script.file_offset_after(trimmed.len() as u32), sep))
}

/// `pip install`, `pip3.12 install`, `python3 -m pip install`: the `install`
/// word and the words after it. `pipx` and `pipenv` are not pip.
pub fn pip_install(cmd: &Command) -> Option<(&Word, &[Word])> {
    let name = cmd.name();
    let args = cmd.args();
    let at = if name.starts_with("pip") && !name.starts_with("pipx") && !name.starts_with("pipenv")
    {
        // Global options may come first: `pip --no-cache-dir install`.
        let mut i = 0;
        loop {
            let w = args.get(i)?;
            if w.value == "install" {
                break i;
            }
            if !w.value.starts_with('-') {
                return None;
            }
            let takes_value = matches!(
                w.value.as_str(),
                "--proxy"
                    | "--timeout"
                    | "--retries"
                    | "--log"
                    | "--cache-dir"
                    | "--python"
                    | "--cert"
                    | "--client-cert"
                    | "--exists-action"
                    | "--trusted-host"
                    | "--use-feature"
                    | "--use-deprecated"
                    | "--keyring-provider"
            );
            i += if takes_value { 2 } else { 1 };
        }
    } else if name.starts_with("python") {
        let i = args.windows(3).position(|w| {
            w[0].value == "-m"
                && matches!(w[1].value.as_str(), "pip" | "pip3")
                && w[2].value == "install"
        })?;
        i + 2
    } else {
        return None;
    };
    Some((&args[at], &args[at + 1..]))
}

/// The truthy spellings pip (and hadolint) accept for `PIP_NO_CACHE_DIR`.
pub fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim_matches(['"', '\'']),
        "1" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "yes" | "Yes" | "YES"
    )
}

/// A "cache not cleaned" rule: a RUN that installs with `programs` must
/// clean up in the same RUN (after the install, when `ordered`).
pub struct Cleanup {
    pub programs: &'static [&'static str],
    pub installs: &'static [&'static str],
    pub spec: OptSpec,
    pub cleans: fn(&Command) -> bool,
    pub ordered: bool,
    /// Cache or tmpfs mounts on these directories keep the layer clean.
    pub cache_dirs: &'static [&'static str],
    pub message: &'static str,
    pub help: &'static str,
}

impl Cleanup {
    pub fn check(&self, cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
        let v = views(cx);
        for (index, inst) in cx.df.instructions.iter().enumerate() {
            let cmds: Vec<&Command> = v
                .of_instruction(index)
                .iter()
                .flat_map(|s| s.commands.iter())
                .collect();
            let Some((at, install, sub)) = cmds.iter().enumerate().find_map(|(i, c)| {
                subcommand(c, self.programs, self.installs, &self.spec).map(|(sub, _)| (i, *c, sub))
            }) else {
                continue;
            };
            if has_cache_mount(inst.effective(), self.cache_dirs) {
                continue;
            }
            let from = if self.ordered { at + 1 } else { 0 };
            if cmds[from.min(cmds.len())..]
                .iter()
                .any(|c| (self.cleans)(c))
            {
                continue;
            }
            out.push(Diagnostic::new(install.span_through(sub), self.message).help(self.help));
        }
    }
}

/// `program clean all`, or `rm` of a path under one of `dirs` (yum and dnf).
pub fn cleans_all(cmd: &Command, program: &str, dirs: &[&str]) -> bool {
    subcommand(cmd, &[program], &["clean"], &YUM).is_some_and(|(_, o)| {
        o.operands_after_subcommand()
            .iter()
            .any(|w| w.value == "all")
    }) || removes_under(cmd, dirs)
}

/// `rm` of a path under one of `dirs`.
pub fn removes_under(cmd: &Command, dirs: &[&str]) -> bool {
    cmd.is("rm")
        && cmd.args().iter().any(|w| {
            let v = w.value.trim_end_matches('*').trim_end_matches('/');
            dirs.iter().any(|d| v.starts_with(d))
        })
}

/// Reports every `bashism` in scripts run by a shell that lacks it.
pub fn check_bashism(
    cx: &DockerfileCx<'_>,
    out: &mut Diagnostics,
    bashism: crate::lint::shell::bashism::Bashism,
    message: &str,
    help: &str,
) {
    use crate::lint::shell::bashism::applies;
    for script in views(cx).scripts() {
        let found: Vec<_> = script
            .bashisms()
            .iter()
            .filter(|(b, _)| *b == bashism)
            .collect();
        if found.is_empty() || !applies(script, bashism, is_alpine_like(cx, script.instruction)) {
            continue;
        }
        let shell = script
            .shell
            .argv
            .first()
            .map(String::as_str)
            .unwrap_or("/bin/sh");
        for (_, span) in found {
            out.push(
                Diagnostic::new(*span, format!("{message} in `{shell}`")).help(help.to_string()),
            );
        }
    }
}

/// An "install without `-y`" rule: `programs subcommands` must carry one of
/// the `yes` options; the fix inserts `-y` after the subcommand.
pub struct AssumeYes {
    pub programs: &'static [&'static str],
    pub subcommands: &'static [&'static str],
    pub spec: OptSpec,
    pub yes: &'static [&'static str],
    pub help: &'static str,
}

impl AssumeYes {
    pub fn check(&self, cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
        for script in views(cx).scripts() {
            for cmd in &script.commands {
                let Some((sub, opts)) =
                    subcommand(cmd, self.programs, self.subcommands, &self.spec)
                else {
                    continue;
                };
                if opts.has(self.yes) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        cmd.span_through(sub),
                        format!(
                            "`{} {}` without `-y` stops at a prompt",
                            cmd.name(),
                            sub.value
                        ),
                    )
                    .help(self.help)
                    .fix(Fix::safe(vec![insert_after(script, sub, "-y")])),
                );
            }
        }
    }
}

/// Reports the `operands` that `pinned` rejects, as one finding at the first
/// that names them all ("`command` does not pin the `what` of ...") with the
/// others labelled; `help` gets the first.
pub fn report_unpinned(
    out: &mut Diagnostics,
    operands: &[&Word],
    pinned: impl Fn(&str) -> bool,
    command: &str,
    what: &str,
    help: impl FnOnce(&str) -> String,
) {
    let unpinned: Vec<&Word> = operands
        .iter()
        .copied()
        .filter(|w| !pinned(&w.value))
        .collect();
    let Some(first) = unpinned.first() else {
        return;
    };
    let names: Vec<&str> = unpinned.iter().map(|w| w.value.as_str()).collect();
    let mut d = Diagnostic::new(
        first.span,
        format!(
            "`{command}` does not pin the {what} of {}",
            describe_list(&names)
        ),
    )
    .help(help(&first.value));
    for other in &unpinned[1..] {
        d = d.label(other.span, "not pinned either");
    }
    out.push(d);
}

/// An "install unpinned" rule: the packages of `programs subcommands` must
/// each satisfy `pinned`, unless one of `pinning_options` pins them all.
pub struct Unpinned {
    pub programs: &'static [&'static str],
    pub subcommands: &'static [&'static str],
    pub spec: OptSpec,
    pub pinning_options: &'static [&'static str],
    pub pinned: fn(&str) -> bool,
    /// The command as messages name it (`apk add`).
    pub command: &'static str,
    /// The help, given the first unpinned package.
    pub help: fn(&str) -> String,
}

impl Unpinned {
    pub fn check(&self, cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
        for (_, cmd) in commands(cx) {
            let Some((_, opts)) = subcommand(cmd, self.programs, self.subcommands, &self.spec)
            else {
                continue;
            };
            if opts.has(self.pinning_options) {
                continue;
            }
            report_unpinned(
                out,
                opts.operands_after_subcommand(),
                self.pinned,
                self.command,
                "version",
                self.help,
            );
        }
    }
}

/// yum and dnf: `install` packages must satisfy `pinned` (`httpd-2.4.6`),
/// `module install` modules must name a stream (`nodejs:20`).
pub fn check_rpm_unpinned(
    cx: &DockerfileCx<'_>,
    out: &mut Diagnostics,
    programs: &[&str],
    pinned: fn(&str) -> bool,
) {
    for (_, cmd) in commands(cx) {
        let command = || format!("{} install", cmd.name());
        if let Some((_, opts)) = subcommand(cmd, programs, &["install"], &YUM) {
            report_unpinned(
                out,
                opts.operands_after_subcommand(),
                pinned,
                &command(),
                "version",
                |p| format!("name the version: `{p}-<version>`"),
            );
        } else if let Some((_, opts)) = subcommand(cmd, programs, &["module"], &YUM) {
            if let Some((sub, modules)) = opts.operands_after_subcommand().split_first() {
                if sub.value == "install" {
                    report_unpinned(
                        out,
                        modules,
                        |m| m.contains(':'),
                        &command(),
                        "stream",
                        |m| format!("name the stream: `{m}:<stream>`"),
                    );
                }
            }
        }
    }
}
