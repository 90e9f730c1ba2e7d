//! Walks the instructions: tracks the shell and the variables in force, and
//! parses each script.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tree_sitter::{Parser, Tree};

use super::shells::{Shell, ShellKind, ShellOrigin};
use super::words::Extractor;
use super::{Parsed, Script, ScriptSource, ShellViews, Var, VarKind, Vars};
use crate::dockerfile::{Args, CommandForm, Dockerfile, Heredoc, Instruction, Kind, LogicalText};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `text` as bash. `None` only if the grammar cannot be loaded.
pub(crate) fn parse_bash(text: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// Scripts parsed so far in this process, by text. The same RUN text recurs
/// across a repository's Dockerfiles (variants of one image, shared
/// install steps), and parsing is the costly part of the shell view.
static PARSED: OnceLock<Mutex<HashMap<String, Arc<Parsed>>>> = OnceLock::new();

/// Texts longer than this are parsed every time: one-off generated scripts
/// should not pin memory for the rest of the run.
const CACHE_TEXT_MAX: usize = 64 * 1024;

/// Scripts longer than this are not parsed: the syntax tree costs about 40
/// times the text, and a RUN of a megabyte is generated, not written (its
/// instruction is still parsed and linted; only the shell rules skip it).
pub(crate) const SCRIPT_MAX: usize = 1 << 20;

fn parsed(text: &str) -> Option<Arc<Parsed>> {
    if text.len() > SCRIPT_MAX {
        return None;
    }
    let cache = PARSED.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(text).cloned()) {
        return Some(hit);
    }
    let tree = parse_bash(text)?;
    let commands = Extractor::unmapped(text).commands(tree.root_node());
    let has_error = tree.root_node().has_error();
    let parsed = Arc::new(Parsed {
        tree,
        commands,
        has_error,
        facts: OnceLock::new(),
    });
    if text.len() <= CACHE_TEXT_MAX {
        if let Ok(mut c) = cache.lock() {
            c.insert(text.to_string(), parsed.clone());
        }
    }
    Some(parsed)
}

#[derive(Clone)]
struct State {
    shell: Arc<Shell>,
    vars: Arc<Vars>,
}

pub(super) fn build(df: &Dockerfile) -> ShellViews {
    let mut views = ShellViews::default();
    let pragmas = pragma_shells(df);
    let mut next_pragma = 0;
    let mut pragma: Option<Arc<Shell>> = None;
    let linux = Arc::new(Shell::default_linux());
    let mut state = State {
        shell: linux.clone(),
        vars: Arc::new(Vars::default()),
    };
    // The state at the end of each stage, for stages built FROM it.
    let mut stage_end: Vec<Option<State>> = vec![None; df.stages.len()];

    for (index, inst) in df.instructions.iter().enumerate() {
        while let Some((at, shell)) = pragmas.get(next_pragma) {
            if *at > inst.span.start {
                break;
            }
            pragma = Some(shell.clone());
            if !matches!(state.shell.origin, ShellOrigin::Instruction(_)) {
                state.shell = shell.clone();
            }
            next_pragma += 1;
        }
        let start = views.scripts.len();
        match (&inst.kind, &inst.args) {
            (Kind::From, Args::From(from)) => {
                let parent = inst.stage.and_then(|current| {
                    df.stages[..current.min(df.stages.len())]
                        .iter()
                        .find(|s| {
                            s.name
                                .as_ref()
                                .is_some_and(|n| n.raw.eq_ignore_ascii_case(&from.image.raw))
                        })
                        .and_then(|s| stage_end.get(s.index).cloned().flatten())
                });
                state = match parent {
                    Some(parent) => parent,
                    None => {
                        let windows = is_windows_base(&from.image.raw)
                            || inst
                                .flag("platform")
                                .and_then(|f| f.value.as_ref())
                                .is_some_and(|v| v.raw.to_ascii_lowercase().starts_with("windows"));
                        let shell = match &pragma {
                            Some(p) => p.clone(),
                            None if windows => Arc::new(Shell::default_windows()),
                            None => linux.clone(),
                        };
                        State {
                            shell,
                            vars: Arc::new(Vars::default()),
                        }
                    }
                };
            }
            (Kind::Shell, Args::Shell(args)) => {
                let argv = args.iter().map(|a| a.value.clone()).collect();
                state.shell = Arc::new(Shell::new(argv, ShellOrigin::Instruction(index)));
            }
            (Kind::Arg, Args::Arg(decls)) => {
                let vars = Arc::make_mut(&mut state.vars);
                for decl in decls {
                    let value = decl.default.as_ref().map(|d| unquote(&d.raw));
                    vars.insert(
                        decl.name.raw.clone(),
                        Var {
                            kind: VarKind::Arg,
                            value,
                            single_word: false,
                        },
                    );
                }
            }
            (Kind::Env, Args::Env(pairs)) => {
                let vars = Arc::make_mut(&mut state.vars);
                for pair in pairs {
                    let value = unquote(&pair.value.raw);
                    let single_word = !pair.value.raw.contains('$')
                        && !value.is_empty()
                        && !value
                            .contains(|c: char| c.is_whitespace() || matches!(c, '*' | '?' | '['));
                    vars.insert(
                        pair.key.raw.clone(),
                        Var {
                            kind: VarKind::Env,
                            value: Some(value),
                            single_word,
                        },
                    );
                }
            }
            (Kind::Run, _) => run_scripts(df, index, inst, false, &state, &mut views.scripts),
            (Kind::Onbuild, Args::Onbuild(inner)) if inner.kind == Kind::Run => {
                run_scripts(df, index, inner, true, &state, &mut views.scripts)
            }
            _ => {}
        }
        views.ranges.push(start..views.scripts.len());
        views.shells.push(state.shell.clone());
        views.vars.push(state.vars.clone());
        if let Some(stage) = inst.stage {
            if let Some(slot) = stage_end.get_mut(stage) {
                *slot = Some(state.clone());
            }
        }
    }
    views
}

/// `# hadolint shell=NAME` (also `# buildlint shell=NAME`) comments, by offset.
fn pragma_shells(df: &Dockerfile) -> Vec<(u32, Arc<Shell>)> {
    let mut out: Vec<(u32, Arc<Shell>)> = df
        .comments
        .iter()
        .filter_map(|c| {
            let text = c.text.trim();
            let rest = text
                .strip_prefix("hadolint")
                .or_else(|| text.strip_prefix("buildlint"))?
                .trim_start();
            let value = rest.strip_prefix("shell=")?.trim();
            if value.is_empty() {
                return None;
            }
            Some((c.span.start, Arc::new(Shell::from_pragma(value, c.span))))
        })
        .collect();
    out.sort_by_key(|(at, _)| *at);
    out
}

/// Base images whose default shell is `cmd`.
fn is_windows_base(image: &str) -> bool {
    let image = image.to_ascii_lowercase();
    [
        "mcr.microsoft.com/windows",
        "windows/servercore",
        "windows/nanoserver",
        "windowsservercore",
        "nanoserver",
        "mcr.microsoft.com/powershell:nanoserver",
    ]
    .iter()
    .any(|p| image.contains(p))
}

/// Removes one level of quotes from an instruction word (`"a b"` → `a b`).
fn unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// Scripts of one RUN (or the RUN of an ONBUILD).
fn run_scripts(
    df: &Dockerfile,
    index: usize,
    run: &Instruction,
    onbuild: bool,
    state: &State,
    out: &mut Vec<Script>,
) {
    let Args::Run(CommandForm::Shell(line)) = &run.args else {
        return;
    };
    if !state.shell.kind.is_posix_family() {
        return;
    }
    let base = ScriptBase {
        index,
        onbuild,
        vars: state.vars.clone(),
    };
    if run.heredocs.is_empty() {
        let line_end = line.text.len() as u32;
        if let Some(s) = base.script(
            line.clone(),
            ScriptSource::Command,
            state.shell.clone(),
            line_end,
        ) {
            out.push(s);
        }
        return;
    }
    // `RUN <<EOF`: the body is the script.
    if run.heredocs.len() == 1 && is_lone_marker(line.text.trim(), &run.heredocs[0].name) {
        let hd = &run.heredocs[0];
        let code = heredoc_code(&df.source, hd);
        let shell = match shebang(&code.text) {
            Some(argv) => {
                let shell = Shell::new(argv, ShellOrigin::Heredoc);
                if !shell.kind.is_posix_family() {
                    return;
                }
                Arc::new(shell)
            }
            None => state.shell.clone(),
        };
        let len = code.text.len() as u32;
        if let Some(s) = base.script(code, ScriptSource::Heredoc { index: 0 }, shell, len) {
            out.push(s);
        }
        return;
    }
    // `RUN cmd <<EOF ...`: the shell gets the line and the bodies.
    let mut code = line.clone();
    let line_end = code.text.len() as u32;
    let after_line = if line_end == 0 {
        run.span.end
    } else {
        code.to_file(line_end - 1) + 1
    };
    push_mapped(&mut code, "\n", after_line);
    for hd in &run.heredocs {
        let body = heredoc_code(&df.source, hd);
        append(&mut code, &body);
        push_mapped(&mut code, &hd.name, hd.terminator_span.start);
        push_mapped(&mut code, "\n", hd.terminator_span.end);
    }
    let Some(outer) = base.script(code, ScriptSource::Command, state.shell.clone(), line_end)
    else {
        return;
    };
    // Bodies fed to a shell (`bash -e <<EOF`) are scripts of their own.
    let mut fed: Vec<(usize, Shell)> = Vec::new();
    for cmd in &outer.commands {
        let kind = ShellKind::of_program(cmd.name());
        if !kind.is_posix_family()
            || cmd.args().iter().any(|w| {
                w.value == "-c"
                    || (w.value.starts_with('-')
                        && !w.value.starts_with("--")
                        && w.value.contains('c'))
            })
        {
            continue;
        }
        for redirect in &cmd.redirects {
            if !redirect.op.starts_with("<<") || redirect.op == "<<<" {
                continue;
            }
            let marker = outer
                .code
                .text
                .get(redirect.range.start as usize..redirect.range.end as usize)
                .unwrap_or("");
            if let Some(i) = run
                .heredocs
                .iter()
                .position(|h| marker_names(marker, &h.name))
            {
                let mut argv = vec![cmd.name().to_string()];
                argv.extend(cmd.args().iter().map(|w| w.value.clone()));
                fed.push((i, Shell::new(argv, ShellOrigin::Heredoc)));
            }
        }
    }
    out.push(outer);
    for (i, shell) in fed {
        let hd = &run.heredocs[i];
        let code = heredoc_code(&df.source, hd);
        let len = code.text.len() as u32;
        if let Some(s) = base.script(
            code,
            ScriptSource::Heredoc { index: i },
            Arc::new(shell),
            len,
        ) {
            out.push(s);
        }
    }
}

struct ScriptBase {
    index: usize,
    onbuild: bool,
    vars: Arc<Vars>,
}

impl ScriptBase {
    fn script(
        &self,
        code: LogicalText,
        source: ScriptSource,
        shell: Arc<Shell>,
        line_end: u32,
    ) -> Option<Script> {
        let parsed = parsed(&code.text)?;
        let mut commands = parsed.commands.clone();
        commands.iter_mut().for_each(|c| c.remap(&code));
        let has_error = parsed.has_error;
        Some(Script {
            instruction: self.index,
            onbuild: self.onbuild,
            source,
            shell,
            vars: self.vars.clone(),
            parsed,
            commands,
            has_error,
            line_end,
            code,
            facts: Default::default(),
        })
    }
}

/// `<<EOF`, `<<-EOF`, `<< "EOF"`, `<<'EOF'` naming `name`, and nothing else.
fn is_lone_marker(text: &str, name: &str) -> bool {
    let Some(rest) = text.strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let unquoted = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(rest);
    unquoted == name
}

/// True when the redirect text `<<-"EOF"` names heredoc `name`.
fn marker_names(marker: &str, name: &str) -> bool {
    let first_line = marker.lines().next().unwrap_or("");
    let Some(at) = first_line.find("<<") else {
        return false;
    };
    let rest = first_line[at + 2..].trim_start_matches('-').trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | '>' | '<' | ')'))
        .filter(|c| !matches!(c, '"' | '\''))
        .collect();
    word == name
}

/// The argv of a `#!` line.
fn shebang(text: &str) -> Option<Vec<String>> {
    let line = text.lines().next()?.strip_prefix("#!")?;
    let mut argv: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    // `#!/usr/bin/env bash`
    if argv
        .first()
        .is_some_and(|p| super::shells::basename(p) == "env")
    {
        argv.remove(0);
        while argv.first().is_some_and(|a| a.starts_with('-')) {
            argv.remove(0);
        }
    }
    if argv.is_empty() {
        None
    } else {
        Some(argv)
    }
}

/// A heredoc body as the shell reads it (tabs stripped for `<<-`, line
/// endings as `\n`), mapped line by line to the file.
fn heredoc_code(source: &str, hd: &Heredoc) -> LogicalText {
    let mut code = LogicalText::default();
    let body = hd.body_span.slice(source);
    if body.is_empty() {
        if !hd.content.is_empty() {
            push_mapped(&mut code, &hd.content, hd.body_span.start);
        }
        return code;
    }
    let mut at = hd.body_span.start;
    for line in body.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let tabs = if hd.strip_tabs {
            content.len() - content.trim_start_matches('\t').len()
        } else {
            0
        };
        push_mapped(&mut code, &content[tabs..], at + tabs as u32);
        push_mapped(&mut code, "\n", at + content.len() as u32);
        at += line.len() as u32;
    }
    code
}

/// Appends `text`, contiguous in the file from `file_start`.
fn push_mapped(code: &mut LogicalText, text: &str, file_start: u32) {
    if text.is_empty() {
        return;
    }
    let logical = code.text.len() as u32;
    let contiguous = code
        .segments
        .last()
        .is_some_and(|&(l, f)| f + (logical - l) == file_start);
    if !contiguous {
        code.segments.push((logical, file_start));
    }
    code.text.push_str(text);
}

/// Appends another mapped text.
fn append(code: &mut LogicalText, other: &LogicalText) {
    let base = code.text.len() as u32;
    for &(l, f) in &other.segments {
        code.segments.push((base + l, f));
    }
    if other.segments.first().is_none_or(|s| s.0 != 0) && !other.text.is_empty() {
        // Text before the first segment maps to itself; never the case for
        // texts built here, but keep the map total.
        code.segments
            .insert(code.segments.len() - other.segments.len(), (base, 0));
    }
    code.text.push_str(&other.text);
}
