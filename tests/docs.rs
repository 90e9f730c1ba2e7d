//! The user documentation (`README.md`, `docs/*.md`) stays true to the code.
//!
//! - `docs/rules.md` is the rule index `buildlint::lint::pages::index()`
//!   generates for `rules/README.md`, with its links pointing into `rules/`.
//! - A fenced block right after `<!-- output: ARGS -->` holds `$ buildlint
//!   ARGS` and what that command prints (standard output, then standard
//!   error), run from the repository root; `<!-- output+status: ARGS -->`
//!   adds the exit status (`$ echo $?`). `check` runs with
//!   `--no-user-config`, so the reader's own configuration files cannot
//!   change the result.
//! - A fenced block right after `<!-- file: PATH -->` holds that file of the
//!   repository, verbatim.
//! - Every `buildlint` command in a code block is accepted by the real
//!   command line (no invented flags), and every `fixtures/...` path it
//!   names exists.
//! - Every ```` ```toml ```` block is a valid `buildlint.toml`; a
//!   ```` ```yaml ```` block starting with `# .hadolint.yaml` is a valid
//!   hadolint configuration, other YAML blocks are valid YAML; a
//!   `# .pre-commit-config.yaml` block names hooks this repository defines.
//! - Relative links point to files that exist.
//!
//! Generated parts are rewritten with
//! `BUILDLINT_BLESS=1 cargo test --test docs`, as the rule pages are
//! (`src/lint/pages.rs`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("BUILDLINT_BLESS").is_some_and(|v| v == "1")
}

/// The documents this test reads: the README and every page in docs/.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Compares a generated file with the repository's copy; rewrites it when
/// blessing. Returns the problem, if any.
fn check_or_bless(path: &Path, wanted: &str) -> Option<String> {
    let current = std::fs::read_to_string(path).ok();
    if current.as_deref() == Some(wanted) {
        return None;
    }
    if bless() {
        std::fs::write(path, wanted).expect("write a blessed file");
        return None;
    }
    Some(format!(
        "{} is {}",
        rel(path),
        if current.is_some() {
            "stale"
        } else {
            "missing"
        }
    ))
}

fn report(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{}\nregenerate with: BUILDLINT_BLESS=1 cargo test --test docs",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Fenced code blocks

#[derive(Debug)]
struct Block {
    /// The info string (`sh`, `toml`, ...).
    info: String,
    /// Byte range of the content (between the fence lines).
    content: std::ops::Range<usize>,
    /// The 1-based line of the opening fence.
    line: usize,
    /// The last non-blank line before the opening fence.
    before: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    // The open fence: (backticks, info string, content start, line).
    let mut open: Option<(String, String, usize, usize)> = None;
    let mut last_line = String::new();
    let mut before_open = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let stripped = trimmed.trim_start();
        match &open {
            None => {
                if let Some(rest) = stripped.strip_prefix("```") {
                    let fence_len = 3 + rest.chars().take_while(|c| *c == '`').count();
                    let info = rest.trim_start_matches('`').trim().to_string();
                    before_open = last_line.clone();
                    open = Some(("`".repeat(fence_len), info, offset + line.len(), i + 1));
                } else if !trimmed.trim().is_empty() {
                    last_line = trimmed.to_string();
                }
            }
            Some((fence, info, start, first_line)) => {
                if stripped.starts_with(fence.as_str())
                    && stripped.trim_start_matches('`').trim().is_empty()
                {
                    out.push(Block {
                        info: info.clone(),
                        content: *start..offset,
                        line: *first_line,
                        before: before_open.clone(),
                    });
                    open = None;
                    last_line.clear();
                }
            }
        }
        offset += line.len();
    }
    out
}

// ---------------------------------------------------------------------------
// docs/rules.md

/// The rule index of `rules/README.md`, with links into `rules/`.
fn rules_index() -> String {
    buildlint::lint::pages::index().replace("](BL", "](../rules/BL")
}

#[test]
fn rules_index_is_current() {
    let problems: Vec<String> = check_or_bless(&root().join("docs/rules.md"), &rules_index())
        .into_iter()
        .collect();
    report(&problems);
}

// ---------------------------------------------------------------------------
// Generated blocks: command output and file copies

fn run(args: &[&str], with_status: bool) -> String {
    let mut argv: Vec<&str> = args.to_vec();
    if argv.first() == Some(&"check") && !argv.contains(&"--no-user-config") {
        argv.push("--no-user-config");
    }
    let (status, out, err) = buildlint::cli::run_captured(&argv);
    let mut text = format!("$ buildlint {}\n{out}", args.join(" "));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&err);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if with_status {
        text.push_str(&format!("$ echo $?\n{status}\n"));
    }
    text
}

/// What a marked block should hold, from the marker line before it.
fn generated_content(marker: &str) -> Option<Result<String, String>> {
    let inner = marker
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if let Some(args) = inner.strip_prefix("output+status:") {
        let args: Vec<&str> = args.split_whitespace().collect();
        return Some(Ok(run(&args, true)));
    }
    if let Some(args) = inner.strip_prefix("output:") {
        let args: Vec<&str> = args.split_whitespace().collect();
        return Some(Ok(run(&args, false)));
    }
    if let Some(path) = inner.strip_prefix("file:") {
        let path = path.trim();
        return Some(
            std::fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}")),
        );
    }
    None
}

#[test]
fn generated_blocks_are_current() {
    let mut problems = Vec::new();
    let mut count = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let mut rewritten = String::new();
        let mut last = 0usize;
        for b in blocks(&text) {
            let Some(wanted) = generated_content(&b.before) else {
                continue;
            };
            count += 1;
            let wanted = match wanted {
                Ok(w) => w,
                Err(e) => {
                    problems.push(format!("{}:{}: {e}", rel(&doc), b.line));
                    continue;
                }
            };
            if text[b.content.clone()] != wanted {
                if bless() {
                    rewritten.push_str(&text[last..b.content.start]);
                    rewritten.push_str(&wanted);
                    last = b.content.end;
                } else {
                    problems.push(format!(
                        "{}:{}: the block after `{}` is stale",
                        rel(&doc),
                        b.line,
                        b.before.trim()
                    ));
                }
            }
        }
        if bless() && last > 0 {
            rewritten.push_str(&text[last..]);
            std::fs::write(&doc, rewritten).unwrap();
        }
    }
    assert!(count >= 5, "only {count} generated blocks found");
    report(&problems);
}

// ---------------------------------------------------------------------------
// Commands

/// Splits a shell line into commands (at `|`, `&&`, `||`, `;`), dropping
/// redirections and comments. Good enough for documentation examples.
fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut skip_next_word = false;
    let finish = |word: &mut String,
                  in_word: &mut bool,
                  commands: &mut Vec<Vec<String>>,
                  skip: &mut bool| {
        if *in_word {
            if *skip {
                *skip = false;
            } else {
                commands.last_mut().unwrap().push(std::mem::take(word));
            }
            word.clear();
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '#' if !in_word => break,
            ' ' | '\t' => finish(&mut word, &mut in_word, &mut commands, &mut skip_next_word),
            '|' | ';' | '&' => {
                finish(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
                if matches!(chars.peek(), Some('|') | Some('&')) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            '>' | '<' => {
                // A redirection: drop a file descriptor number before it
                // and the target after it.
                if in_word && word.chars().all(|c| c.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                } else {
                    finish(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
                }
                if chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    skip_next_word = true;
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    finish(&mut word, &mut in_word, &mut commands, &mut skip_next_word);
    commands.retain(|c| !c.is_empty());
    commands
}

/// The buildlint arguments of a command, if it runs buildlint (directly or
/// through `cargo run ... --`).
fn buildlint_args(words: &[String]) -> Option<Vec<String>> {
    let mut words: &[String] = words;
    // Environment assignments before the command.
    while words.first().is_some_and(|w| {
        w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    }) {
        words = &words[1..];
    }
    match words.first().map(String::as_str) {
        Some("buildlint") => Some(words[1..].to_vec()),
        Some("cargo") if words.get(1).map(String::as_str) == Some("run") => {
            let dashes = words.iter().position(|w| w == "--")?;
            Some(words[dashes + 1..].to_vec())
        }
        _ => None,
    }
}

/// Command lines in a block: every line of shell and YAML blocks (with
/// YAML list and `run:`/`script:` prefixes removed), and `$ ` lines of
/// any block.
fn block_lines(info: &str, content: &str) -> Vec<String> {
    let shell = matches!(
        info.split_whitespace().next().unwrap_or(""),
        "sh" | "bash" | "shell" | "console" | "yaml" | "yml"
    );
    let mut out = Vec::new();
    let mut pending = String::new();
    for raw in content.lines() {
        let mut line = raw.trim();
        let prompt = line.starts_with("$ ");
        if prompt {
            line = &line[2..];
        } else if !shell && pending.is_empty() {
            continue;
        }
        for prefix in ["- ", "run: ", "script: ", "entry: "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                line = rest.trim_start();
            }
        }
        if let Some(rest) = line.strip_suffix('\\') {
            pending.push_str(rest);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        out.push(std::mem::take(&mut pending));
    }
    out
}

#[test]
fn commands_in_the_docs_are_accepted() {
    use clap::Parser;
    let mut problems = Vec::new();
    let mut count = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for b in blocks(&text) {
            for line in block_lines(&b.info, &text[b.content.clone()]) {
                for words in shell_commands(&line) {
                    let Some(args) = buildlint_args(&words) else {
                        continue;
                    };
                    count += 1;
                    let argv: Vec<String> = std::iter::once("buildlint".to_string())
                        .chain(args.iter().cloned())
                        .collect();
                    if let Err(e) = buildlint::cli::Cli::try_parse_from(&argv) {
                        use clap::error::ErrorKind;
                        if !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                            problems.push(format!(
                                "{}:{}: `{}`: {}",
                                rel(&doc),
                                b.line,
                                line.trim(),
                                e.to_string().lines().next().unwrap_or("")
                            ));
                        }
                    }
                    for a in &args {
                        let path = a.split_once('=').map(|(_, v)| v).unwrap_or(a);
                        // A `no-such-...` path is missing on purpose.
                        if path.starts_with("fixtures/")
                            && !path.contains("no-such-")
                            && !root().join(path).exists()
                        {
                            problems.push(format!(
                                "{}:{}: `{}` names {path}, which does not exist",
                                rel(&doc),
                                b.line,
                                line.trim()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(count >= 30, "only {count} buildlint commands found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shell_splitting() {
    let words = |s: &str| shell_commands(s);
    assert_eq!(
        words("buildlint check . --format sarif -o out.sarif  # comment"),
        vec![vec![
            "buildlint",
            "check",
            ".",
            "--format",
            "sarif",
            "-o",
            "out.sarif"
        ]]
    );
    assert_eq!(
        words("cat Dockerfile | buildlint check - --stdin-filename 'a b' 2>/dev/null && echo ok"),
        vec![
            vec!["cat", "Dockerfile"],
            vec!["buildlint", "check", "-", "--stdin-filename", "a b"],
            vec!["echo", "ok"],
        ]
    );
    assert_eq!(
        words("buildlint completions bash > /etc/bash_completion.d/buildlint"),
        vec![vec!["buildlint", "completions", "bash"]]
    );
    assert_eq!(
        buildlint_args(&words("NO_COLOR=1 buildlint rule BL1007")[0]),
        Some(vec!["rule".to_string(), "BL1007".to_string()])
    );
    assert_eq!(
        buildlint_args(&words("cargo run --release -- check fixtures/seed")[0]),
        Some(vec!["check".to_string(), "fixtures/seed".to_string()])
    );
}

// ---------------------------------------------------------------------------
// Configuration examples

#[test]
fn configuration_examples_load() {
    let mut problems = Vec::new();
    let (mut toml_count, mut hadolint_count) = (0, 0);
    let hook_ids: Vec<String> = {
        let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
        let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
        hooks
            .iter()
            .filter_map(|h| h["id"].as_str().map(str::to_string))
            .collect()
    };
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for b in blocks(&text) {
            let content = &text[b.content.clone()];
            let at = format!("{}:{}", rel(&doc), b.line);
            match b.info.split_whitespace().next().unwrap_or("") {
                "toml" => {
                    // A copy of another tool's TOML file (an editor's
                    // configuration) only has to be TOML.
                    let copied = b.before.trim().strip_prefix("<!-- file:").unwrap_or("");
                    if !copied.is_empty() && !copied.contains("buildlint.toml") {
                        if let Err(e) = content.parse::<toml::Table>() {
                            problems.push(format!("{at}: not valid TOML: {e}"));
                        }
                        continue;
                    }
                    toml_count += 1;
                    let path = Path::new("/repo/buildlint.toml");
                    if let Err(e) = buildlint::lint::config::parse_toml(path, content) {
                        problems.push(format!("{at}: not a valid buildlint.toml: {e}"));
                    }
                }
                "yaml" | "yml" => {
                    let first = content.lines().next().unwrap_or("").trim();
                    // A copy of a repository file is named by its marker.
                    let copied = b
                        .before
                        .trim()
                        .strip_prefix("<!-- file:")
                        .map(|m| m.trim_end_matches("-->").trim().to_string())
                        .unwrap_or_default();
                    if first == "# .hadolint.yaml"
                        || first == "# .hadolint.yml"
                        || copied.ends_with(".hadolint.yaml")
                        || copied.ends_with(".hadolint.yml")
                    {
                        hadolint_count += 1;
                        let path = Path::new("/repo/.hadolint.yaml");
                        if let Err(e) = buildlint::lint::config::parse_hadolint(path, content) {
                            problems.push(format!("{at}: not a valid .hadolint.yaml: {e}"));
                        }
                        continue;
                    }
                    let value: Result<serde_json::Value, _> = serde_saphyr::from_str(content);
                    match value {
                        Err(e) => problems.push(format!("{at}: not valid YAML: {e}")),
                        Ok(v) if first == "# .pre-commit-config.yaml" => {
                            for repo in v["repos"].as_array().into_iter().flatten() {
                                for h in repo["hooks"].as_array().into_iter().flatten() {
                                    let id = h["id"].as_str().unwrap_or("");
                                    if repo["repo"] != "local" && !hook_ids.iter().any(|i| i == id)
                                    {
                                        problems.push(format!(
                                            "{at}: hook `{id}` is not in .pre-commit-hooks.yaml"
                                        ));
                                    }
                                }
                            }
                        }
                        Ok(_) => {}
                    }
                }
                _ => {}
            }
        }
    }
    assert!(toml_count >= 3, "only {toml_count} toml blocks found");
    assert!(hadolint_count >= 1, "no .hadolint.yaml block found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Links

#[test]
fn relative_links_resolve() {
    let mut problems = Vec::new();
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        // Links inside code blocks are not links.
        let mut prose = text.clone();
        for b in blocks(&text).iter().rev() {
            prose.replace_range(b.content.clone(), "");
        }
        for cap in link.captures_iter(&prose) {
            let target = &cap[1];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or(target);
            // Rule pages are generated, and checked, by src/lint/pages.rs.
            if path.starts_with("../rules/BL") || path.starts_with("rules/BL") {
                continue;
            }
            let resolved = doc.parent().unwrap().join(path);
            if !resolved.exists() {
                problems.push(format!("{}: link to {target}: no such file", rel(&doc)));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
