//! The shell view of a Dockerfile: every script a POSIX shell runs during the
//! build, parsed with tree-sitter-bash and mapped back to file bytes.
//!
//! A script is one of:
//! - the command of a shell-form `RUN` (or `ONBUILD RUN`), as BuildKit hands
//!   it to the shell: continuation lines joined, comment lines dropped, and the
//!   bodies of its heredocs appended (`cmd <<EOF` + `\n` + body + `EOF`);
//! - the body of a heredoc that is itself the command (`RUN <<EOF`), run by
//!   the stage's shell or by its `#!` line;
//! - the body of a heredoc fed to a shell (`RUN bash -e <<EOF`).
//!
//! The shell in force comes from `SHELL` (kept across `ENV` and `ARG`, and
//! inherited by a stage built `FROM` an earlier stage), from a
//! `# hadolint shell=NAME` pragma, or from the platform (`cmd` for Windows base
//! images). Scripts of PowerShell, cmd and other non-POSIX shells are not
//! parsed, so POSIX rules never run on them.
//!
//! Views are computed once per lint, on first use, and cached in
//! [`crate::lint::semantic::Semantic`]; rules get them through [`views`].
//! A script that does not fully parse keeps the commands that did
//! ([`Script::has_error`] tells which).

pub mod bashism;
mod build;
pub mod context;
pub mod facts;
mod for_rule;
pub mod opts;
pub mod shells;
#[cfg(test)]
pub(crate) mod testing;
pub mod words;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use tree_sitter::{Node, Tree};

pub use for_rule::views;
pub use opts::{Opt, OptSpec, OptValue, ParsedOpts};
pub use shells::{basename, Shell, ShellKind, ShellOrigin};
use words::Extractor;
pub use words::{Assignment, Command, PipeRef, Redirect, Word};

use crate::dockerfile::{Dockerfile, LogicalText};
use crate::span::Span;

/// A lazily computed [`ShellViews`], kept with the other per-lint facts.
/// Cloning gives an empty cache (it is recomputed on demand).
#[derive(Default)]
pub struct ShellCache(OnceLock<ShellViews>);

impl Clone for ShellCache {
    fn clone(&self) -> Self {
        ShellCache::default()
    }
}

impl std::fmt::Debug for ShellCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "ShellCache(computed)"
        } else {
            "ShellCache(empty)"
        })
    }
}

/// Where a variable in scope comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// `ARG`: its value can be anything a build passes.
    Arg,
    /// `ENV`.
    Env,
}

/// A variable declared by `ARG` or `ENV` before a RUN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub kind: VarKind,
    /// The value after quote removal, when it is a constant.
    pub value: Option<String>,
    /// The value is a constant without blanks or glob characters, so an
    /// unquoted `$NAME` expands to exactly one word.
    pub single_word: bool,
}

/// ARG and ENV names in scope at an instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars {
    /// Persistent: a copy shares all but the changed path, so a snapshot per
    /// instruction costs O(log n), not the whole map.
    map: rpds::RedBlackTreeMapSync<String, Var>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.map.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub(crate) fn insert(&mut self, name: String, var: Var) {
        self.map.insert_mut(name, var);
    }
}

/// What a script is, relative to its instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptSource {
    /// The RUN's command (with its heredoc bodies appended).
    Command,
    /// The body of heredoc number `index` of the RUN, run as a script.
    Heredoc { index: usize },
}

/// One script run by a POSIX shell.
pub struct Script {
    /// Index of the instruction in `Dockerfile::instructions` (the ONBUILD
    /// for an `ONBUILD RUN`).
    pub instruction: usize,
    /// Part of an `ONBUILD RUN`: it runs in images built from this one.
    pub onbuild: bool,
    pub source: ScriptSource,
    /// The shell that runs the script.
    pub shell: Arc<Shell>,
    /// ARG and ENV names in scope.
    pub vars: Arc<Vars>,
    /// The script text and its map to file offsets.
    pub code: LogicalText,
    parsed: Arc<Parsed>,
    /// Every simple command, in source order.
    pub commands: Vec<Command>,
    /// Part of the script did not parse; rules see the parts that did.
    pub has_error: bool,
    /// End (script offset) of the RUN's command line: heredoc bodies, if
    /// any, follow it.
    pub line_end: u32,
    facts: OnceLock<facts::Facts>,
}

/// What a script's text parses to, wherever the text sits: the tree, and
/// the commands and facts with spans equal to their script ranges. Shared by
/// every script of the run with the same text.
pub(crate) struct Parsed {
    tree: Tree,
    commands: Vec<Command>,
    has_error: bool,
    facts: OnceLock<facts::Facts>,
}

impl Parsed {
    /// The facts of `text` (this tree's text), spans in script offsets.
    fn facts(&self, text: &str) -> &facts::Facts {
        self.facts
            .get_or_init(|| facts::gather(&Extractor::unmapped(text), self.tree.root_node()))
    }
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("instruction", &self.instruction)
            .field("onbuild", &self.onbuild)
            .field("source", &self.source)
            .field("shell", &self.shell.argv)
            .field("text", &self.code.text)
            .field("has_error", &self.has_error)
            .finish()
    }
}

impl Script {
    pub fn text(&self) -> &str {
        &self.code.text
    }

    /// The syntax tree's root (`program`).
    pub fn root(&self) -> Node<'_> {
        self.parsed.tree.root_node()
    }

    /// File span of a script byte range.
    pub fn span(&self, range: Range<u32>) -> Span {
        self.code.span(range.start, range.end)
    }

    /// File span of a node.
    pub fn node_span(&self, node: Node<'_>) -> Span {
        self.code
            .span(node.start_byte() as u32, node.end_byte() as u32)
    }

    /// The text of a node.
    pub fn node_text(&self, node: Node<'_>) -> &str {
        self.code.text.get(node.byte_range()).unwrap_or("")
    }

    /// A word read off a node.
    pub fn word(&self, node: Node<'_>) -> Word {
        Extractor {
            text: &self.code.text,
            map: &self.code,
        }
        .word(node)
    }

    /// An assignment (`NAME=value`) read off a `variable_assignment` node.
    pub fn assignment(&self, node: Node<'_>) -> Assignment {
        Extractor {
            text: &self.code.text,
            map: &self.code,
        }
        .assignment(node)
    }

    /// File offset just after script offset `end` (where to insert text that
    /// follows a word).
    pub fn file_offset_after(&self, end: u32) -> u32 {
        if end == 0 {
            return self.code.to_file(0);
        }
        self.code.to_file(end - 1) + 1
    }

    /// True for a heredoc body.
    pub fn is_heredoc(&self) -> bool {
        matches!(self.source, ScriptSource::Heredoc { .. })
    }

    /// `set -e` (or `set -o errexit`) anywhere in the script, or `-e` on
    /// the shell's command line: ShellCheck's test before it asks for
    /// `cd ... || exit`.
    pub fn sets_errexit(&self) -> bool {
        self.shell.errexit
            || self.commands.iter().any(|c| {
                c.is("set") && shells::shell_options(c.args().iter().map(|w| w.value.as_str())).1
            })
    }

    /// `-o pipefail` is in force at script offset `at`: on the shell's
    /// command line, or set by `set -o pipefail` earlier in the script.
    pub fn pipefail_at(&self, at: u32) -> bool {
        self.shell.pipefail
            || self.commands.iter().any(|c| {
                c.range.end <= at
                    && c.is("set")
                    && shells::shell_options(c.args().iter().map(|w| w.value.as_str())).0
            })
    }

    /// Facts the quoting, pipe and bashism rules read (one walk, computed once).
    pub fn facts(&self) -> &facts::Facts {
        self.facts.get_or_init(|| {
            let mut facts = self.parsed.facts(&self.code.text).clone();
            facts.remap(&self.code);
            facts
        })
    }

    /// The bash-only constructs of the script.
    pub fn bashisms(&self) -> &[(bashism::Bashism, Span)] {
        &self.facts().bashisms
    }

    /// The commands of pipeline `id`, by stage.
    pub fn pipeline_commands(&self, id: usize) -> impl Iterator<Item = &Command> {
        self.commands
            .iter()
            .filter(move |c| c.pipe.is_some_and(|p| p.pipeline == id))
    }
}

/// A node's kind, the string `Node::kind` gives, read from a table made
/// once: `Node::kind` measures and checks the grammar's C string at every
/// call, and the script views ask it of every node. For trees of the bash
/// grammar, which every script view is parsed with.
pub fn kind_of<'t>(node: Node<'t>) -> &'t str {
    static BASH: OnceLock<tree_sitter::Language> = OnceLock::new();
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let language = BASH.get_or_init(|| tree_sitter_bash::LANGUAGE.into());
        (0..language.node_kind_count())
            .map(|id| language.node_kind_for_id(id as u16).unwrap_or(""))
            .collect()
    });
    match names.get(usize::from(node.kind_id())) {
        Some(name) if !name.is_empty() => name,
        // `ERROR` (id 65535) and anything else the table lacks.
        _ => node.kind(),
    }
}

/// Calls `f` on every node of the tree, in pre-order, with the node's
/// ancestors (root first). Reading ancestors off this path is linear, where
/// tree-sitter's `Node::parent` walks down from the root on every call.
pub fn walk<'t>(root: Node<'t>, f: &mut impl FnMut(Node<'t>, &[Node<'t>])) {
    let mut cursor = root.walk();
    let mut path: Vec<Node<'t>> = Vec::new();
    loop {
        let node = cursor.node();
        f(node, &path);
        if cursor.goto_first_child() {
            path.push(node);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            path.pop();
        }
    }
}

/// The scripts of a Dockerfile and the shell state at each instruction.
#[derive(Debug, Default)]
pub struct ShellViews {
    scripts: Vec<Script>,
    /// Per instruction: its scripts' range in `scripts`.
    ranges: Vec<Range<usize>>,
    /// Per instruction: the shell in force when it runs.
    shells: Vec<Arc<Shell>>,
    /// Per instruction: ARG and ENV names in scope (before it).
    vars: Vec<Arc<Vars>>,
}

impl ShellViews {
    /// Parses every script of the file.
    pub fn build(df: &Dockerfile) -> ShellViews {
        build::build(df)
    }

    /// All scripts, in file order.
    pub fn scripts(&self) -> &[Script] {
        &self.scripts
    }

    /// The scripts of instruction `index` (empty for anything but a
    /// shell-form RUN or ONBUILD RUN run by a POSIX shell).
    pub fn of_instruction(&self, index: usize) -> &[Script] {
        self.ranges
            .get(index)
            .map(|r| &self.scripts[r.clone()])
            .unwrap_or(&[])
    }

    /// The shell in force at instruction `index`.
    pub fn shell_at(&self, index: usize) -> Option<&Shell> {
        self.shells.get(index).map(|s| &**s)
    }

    /// ARG and ENV names in scope at instruction `index`.
    pub fn vars_at(&self, index: usize) -> Option<&Vars> {
        self.vars.get(index).map(|v| &**v)
    }

    /// Every command of every script, with its script.
    pub fn commands(&self) -> impl Iterator<Item = (&Script, &Command)> {
        self.scripts
            .iter()
            .flat_map(|s| s.commands.iter().map(move |c| (s, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn views_of(source: &str) -> (Dockerfile, ShellViews) {
        let df = crate::dockerfile::parse(source.to_string()).expect("parses");
        let v = ShellViews::build(&df);
        (df, v)
    }

    #[test]
    fn kind_of_is_node_kind() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .unwrap();
        let text = "set -eux; a=(1 2); [[ -n \"${a[0]}\" ]] && echo $(ls | wc -l) >&2 <<< x; \
                    case $x in *) f() { :; };; esac; for i in {1..3}; do cat <<EOF\n$i\nEOF\ndone";
        let tree = parser.parse(text, None).unwrap();
        let mut seen = 0;
        walk(tree.root_node(), &mut |node, _| {
            assert_eq!(kind_of(node), node.kind());
            seen += 1;
        });
        assert!(seen > 50, "{seen} nodes");
    }

    fn command_names(s: &Script) -> Vec<&str> {
        s.commands.iter().map(|c| c.name()).collect()
    }

    #[test]
    fn continued_run_maps_words_to_file_bytes() {
        let src = "FROM debian:12\nRUN apt-get update && \\\n  # tools\n  apt-get install -y \\\n\tcurl\n";
        let (df, v) = views_of(src);
        let s = &v.of_instruction(1)[0];
        assert_eq!(command_names(s), ["apt-get", "apt-get"]);
        let curl = s.commands[1].args().last().unwrap();
        assert_eq!(curl.span.slice(&df.source), "curl");
        assert_eq!(df.lines.line_col(&df.source, curl.span.start).line, 5);
    }

    #[test]
    fn the_same_text_elsewhere_maps_to_its_own_bytes() {
        // One script text, parsed once, at different places in two files and
        // continued differently: every span points into its own file.
        let a = "FROM debian:12\nRUN [[ -f x ]] && apt-get install -y curl\n";
        let b = "FROM debian:12\nLABEL x=y\nRUN [[ -f x ]] && apt-get \\\ninstall -y curl\n";
        for src in [a, b, a] {
            let (df, v) = views_of(src);
            let s = v.scripts().last().unwrap();
            assert_eq!(s.text(), "[[ -f x ]] && apt-get install -y curl");
            let curl = s.commands[0].args().last().unwrap();
            assert_eq!(curl.span.slice(&df.source), "curl", "{src:?}");
            assert_eq!(
                s.commands[0].name_word().unwrap().span.slice(&df.source),
                "apt-get"
            );
            let (_, span) = s.bashisms()[0];
            assert_eq!(span.slice(&df.source), "[[", "{src:?}");
            assert_eq!(span.start, df.source.find("[[").unwrap() as u32);
        }
    }

    #[test]
    fn heredocs_run_by_a_shell_are_scripts() {
        // The body is the script.
        let src = "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\nEOF\n";
        let (df, v) = views_of(src);
        let s = &v.of_instruction(1)[0];
        assert!(s.is_heredoc());
        assert_eq!(s.commands[1].span.slice(&df.source), "apt-get update");
        // Fed to bash: the line and the body are both scripts; the body in bash.
        let src = "FROM debian:12\nRUN bash -e <<-EOF\n\tcd /x\n\tmake\n\tEOF\n";
        let (df, v) = views_of(src);
        let scripts = v.of_instruction(1);
        assert_eq!(scripts.len(), 2);
        assert_eq!(command_names(&scripts[0]), ["bash"]);
        assert_eq!(scripts[1].shell.kind, ShellKind::Bash);
        assert_eq!(scripts[1].commands[1].span.slice(&df.source), "make");
        // Data for another program is not a script; a python shebang neither.
        let (_, v) = views_of("FROM debian:12\nRUN cat <<EOF > /etc/x\nrm -rf /\nEOF\n");
        assert_eq!(v.of_instruction(1).len(), 1);
        assert_eq!(command_names(&v.of_instruction(1)[0]), ["cat"]);
        let (_, v) = views_of("FROM debian:12\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
        assert!(v.of_instruction(1).is_empty());
        let (_, v) = views_of("FROM debian:12\nRUN <<EOF\n#!/bin/bash\n[[ -f x ]]\nEOF\n");
        assert_eq!(v.of_instruction(1)[0].shell.kind, ShellKind::Bash);
    }

    #[test]
    fn crlf_heredoc_maps_lines() {
        let src = "FROM debian:12\r\nRUN <<EOF\r\necho a\r\nwget x\r\nEOF\r\n";
        let (df, v) = views_of(src);
        let s = &v.of_instruction(1)[0];
        let wget = s.commands.iter().find(|c| c.is("wget")).unwrap();
        assert_eq!(wget.name_word().unwrap().span.slice(&df.source), "wget");
    }

    #[test]
    fn shell_stays_across_env_and_arg_and_is_inherited() {
        let src = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
                   RUN echo cmd\n\
                   SHELL [\"powershell\", \"-Command\"]\n\
                   ENV A=1\n\
                   ARG B\n\
                   RUN $x = 1; Write-Host $x\n\
                   FROM debian:12 AS base\n\
                   SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                   FROM base\n\
                   RUN a | b\n";
        let (_, v) = views_of(src);
        assert_eq!(v.shell_at(1).unwrap().kind, ShellKind::Cmd);
        assert!(v.of_instruction(1).is_empty());
        assert_eq!(v.shell_at(5).unwrap().kind, ShellKind::PowerShell);
        assert!(v.of_instruction(5).is_empty());
        let s = &v.of_instruction(9)[0];
        assert!(s.shell.pipefail && s.shell.kind == ShellKind::Bash);
    }

    #[test]
    fn pragma_sets_the_shell() {
        let src = "# hadolint shell=powershell\nFROM mcr.microsoft.com/powershell\nRUN Get-Item x | Out-Null\n";
        let (_, v) = views_of(src);
        assert!(v.of_instruction(1).is_empty());
        assert_eq!(v.shell_at(1).unwrap().kind, ShellKind::PowerShell);
    }

    #[test]
    fn vars_in_scope() {
        let src = "ARG G=1\nFROM debian:12\nARG V\nENV E=\"a b\" F=/opt\nRUN echo\n";
        let (_, v) = views_of(src);
        let vars = &v.of_instruction(4)[0].vars;
        assert_eq!(vars.get("V").unwrap().kind, VarKind::Arg);
        assert!(!vars.get("E").unwrap().single_word);
        assert!(vars.get("F").unwrap().single_word);
        assert!(
            !vars.contains("G"),
            "a global ARG is not in scope until declared in the stage"
        );
    }

    #[test]
    fn partial_parse_keeps_the_commands_that_parsed() {
        let src = "FROM debian:12\nRUN apt-get install -y curl && if then fi ))) ; wget x\n";
        let (_, v) = views_of(src);
        let s = &v.of_instruction(1)[0];
        assert!(s.has_error);
        assert!(
            s.commands.iter().any(|c| c.is("apt-get")),
            "{:?}",
            command_names(s)
        );
    }

    #[test]
    fn onbuild_run_is_a_script() {
        let (_, v) = views_of("FROM debian:12\nONBUILD RUN cd /x && make\n");
        let s = &v.of_instruction(1)[0];
        assert!(s.onbuild);
        assert_eq!(command_names(s), ["cd", "make"]);
    }

    #[test]
    fn wrappers_and_pipes() {
        let (_, v) = views_of("FROM debian:12\nRUN sudo -u app env A=1 nohup apt-get install x | tee log > /dev/null\n");
        let s = &v.of_instruction(1)[0];
        assert_eq!(s.commands[0].name(), "apt-get");
        assert_eq!(s.commands[0].first(), "sudo");
        assert_eq!(
            s.commands[0].pipe.map(|p| (p.stage, p.stages)),
            Some((0, 2))
        );
        assert!(s.commands[1].redirects.iter().any(|r| r.redirects_stdout()));
    }

    #[test]
    fn official_windows_images_get_no_posix_scripts() {
        let dir = [
            "../shared/corpus",
            "../../shared/corpus",
            "/work/shared/corpus",
        ]
        .iter()
        .map(|p| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(p)
                .join("official")
        })
        .find(|p| p.is_dir())
        .expect("the shared corpus is missing");
        let mut checked = 0;
        for image in std::fs::read_dir(dir).unwrap().flatten() {
            for f in std::fs::read_dir(image.path()).unwrap().flatten() {
                let name = f.file_name().to_string_lossy().to_string();
                if !name.contains("windows") {
                    continue;
                }
                let Ok(df) = crate::dockerfile::parse_bytes(std::fs::read(f.path()).unwrap())
                else {
                    continue;
                };
                let v = ShellViews::build(&df);
                assert!(v.scripts().is_empty(), "{name}: {:?}", v.scripts());
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} Windows Dockerfiles checked");
    }
}
