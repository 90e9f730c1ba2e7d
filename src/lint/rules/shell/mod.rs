//! BL2xxx: rules for the shell scripts inside RUN (and ONBUILD RUN, and
//! heredoc bodies run by a shell), read through [`crate::lint::shell`].
//!
//! - BL2001-BL2039: hadolint's RUN rules, with its DL codes as aliases.
//! - BL2040-BL2049: ShellCheck findings that matter in Dockerfiles.
//! - BL2050-BL2059: bash features in scripts run by `/bin/sh`.
//! - BL2060-BL2069: dangers none of hadolint, BuildKit or ShellCheck report.

use crate::lint::Rule;

mod helpers;

mod ampersand_redirect_in_sh;
mod apk_add_unpinned;
mod apk_add_with_cache;
mod apt_command;
mod apt_get_install_recommends;
mod apt_get_install_unpinned;
mod apt_get_install_without_yes;
mod apt_get_upgrade;
mod apt_lists_not_removed;
mod archive_extracted_after_copy;
mod array_in_sh;
mod brace_expansion_in_sh;
mod cd_in_run;
mod cd_without_fallback;
mod consecutive_run;
mod container_irrelevant_command;
mod curl_and_wget;
mod dnf_cache_not_cleaned;
mod dnf_install_unpinned;
mod dnf_install_without_yes;
mod double_bracket_in_sh;
mod double_equals_in_sh;
mod echo_flags_in_sh;
mod function_keyword_in_sh;
mod gem_install_unpinned;
mod go_install_unpinned;
mod here_string_in_sh;
mod ln_bin_sh;
mod npm_install_unpinned;
mod pip_install_unpinned;
mod pip_install_with_cache;
mod pipe_without_pipefail;
mod remote_script_piped_to_shell;
mod secret_on_command_line;
mod source_in_sh;
mod sudo;
mod tls_verification_disabled;
mod unquoted_command_substitution;
mod unquoted_variable;
mod useradd_without_no_log_init;
mod wget_without_progress;
mod world_writable_chmod;
mod yarn_cache_not_cleaned;
mod yum_cache_not_cleaned;
mod yum_install_unpinned;
mod yum_install_without_yes;
mod zypper_cache_not_cleaned;
mod zypper_dist_upgrade;
mod zypper_install_unpinned;
mod zypper_without_yes;

pub static RULES: &[&Rule] = &[
    &container_irrelevant_command::RULE,
    &cd_in_run::RULE,
    &sudo::RULE,
    &apt_get_install_unpinned::RULE,
    &apt_lists_not_removed::RULE,
    &archive_extracted_after_copy::RULE,
    &pip_install_unpinned::RULE,
    &apt_get_install_without_yes::RULE,
    &apt_get_install_recommends::RULE,
    &npm_install_unpinned::RULE,
    &apk_add_unpinned::RULE,
    &apk_add_with_cache::RULE,
    &apt_command::RULE,
    &gem_install_unpinned::RULE,
    &yum_install_without_yes::RULE,
    &yum_cache_not_cleaned::RULE,
    &yum_install_unpinned::RULE,
    &zypper_without_yes::RULE,
    &zypper_dist_upgrade::RULE,
    &zypper_cache_not_cleaned::RULE,
    &zypper_install_unpinned::RULE,
    &dnf_install_without_yes::RULE,
    &dnf_cache_not_cleaned::RULE,
    &dnf_install_unpinned::RULE,
    &pip_install_with_cache::RULE,
    &useradd_without_no_log_init::RULE,
    &wget_without_progress::RULE,
    &consecutive_run::RULE,
    &yarn_cache_not_cleaned::RULE,
    &go_install_unpinned::RULE,
    &curl_and_wget::RULE,
    &ln_bin_sh::RULE,
    &pipe_without_pipefail::RULE,
    &unquoted_variable::RULE,
    &unquoted_command_substitution::RULE,
    &cd_without_fallback::RULE,
    &double_bracket_in_sh::RULE,
    &source_in_sh::RULE,
    &function_keyword_in_sh::RULE,
    &array_in_sh::RULE,
    &here_string_in_sh::RULE,
    &brace_expansion_in_sh::RULE,
    &echo_flags_in_sh::RULE,
    &double_equals_in_sh::RULE,
    &ampersand_redirect_in_sh::RULE,
    &remote_script_piped_to_shell::RULE,
    &tls_verification_disabled::RULE,
    &world_writable_chmod::RULE,
    &apt_get_upgrade::RULE,
    &secret_on_command_line::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::engine::RuleSelection;
    use crate::lint::rules::context::tests::lint_selected;
    use crate::lint::shell::testing::apply_fixes;
    use crate::lint::testing::lint;
    use crate::lint::Applicability;

    /// (code, underlined text) of every shell rule's findings.
    fn all_findings(source: &str) -> Vec<(&'static str, String)> {
        lint_selected(
            &RuleSelection::only(RULES),
            source,
            &MemoryContext::new(),
            true,
        )
        .iter()
        .map(|f| (f.rule.code, f.span.slice(source).to_string()))
        .collect()
    }

    #[test]
    fn done_when_pipe_to_shell_and_apt_findings_underline_their_words() {
        let source = r#"FROM debian:12
RUN curl -fsSL https://x/install.sh | sh
RUN apt-get update && \
    # the tools we need
    apt-get install -y \
    curl
"#;
        let found = all_findings(source);
        let has = |code: &str, text: &str| found.iter().any(|(c, t)| *c == code && t == text);
        assert!(has("BL2060", "sh"), "pipe to shell: {found:?}");
        assert!(has("BL2004", "curl"), "DL3008: {found:?}");
        assert!(has("BL2005", "apt-get update"), "DL3009: {found:?}");
        assert!(has("BL2009", "apt-get install"), "DL3015: {found:?}");
        // The package sits on its own continuation line: line 6, column 5.
        let df = crate::dockerfile::parse(source.to_string()).unwrap();
        let at = source.rfind("curl").unwrap() as u32;
        let pos = df.lines.line_col(source, at);
        assert_eq!((pos.line, pos.column), (6, 5));
    }

    #[test]
    fn no_finding_on_the_official_windows_images() {
        let dir = crate::lint::rules::dockerfile::corpus::corpus_dir().join("official");
        let mut checked = 0;
        for image in std::fs::read_dir(dir).unwrap().flatten() {
            for f in std::fs::read_dir(image.path()).unwrap().flatten() {
                if !f.file_name().to_string_lossy().contains("windows") {
                    continue;
                }
                let text = std::fs::read_to_string(f.path()).unwrap();
                if crate::dockerfile::parse(text.clone()).is_err() {
                    continue;
                }
                let found = all_findings(&text);
                assert!(found.is_empty(), "{}: {found:?}", f.path().display());
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} Windows Dockerfiles");
    }

    /// Fenced blocks of a section: (info string, body).
    fn blocks(doc: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = doc.lines();
        while let Some(line) = lines.next() {
            if let Some(info) = line.strip_prefix("```") {
                let mut body = String::new();
                for l in lines.by_ref() {
                    if l.starts_with("```") {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                out.push((info.trim().to_string(), body));
            }
        }
        out
    }

    fn section<'a>(doc: &'a str, from: &str, to: &[&str]) -> &'a str {
        let Some(start) = doc.find(from) else {
            return "";
        };
        let rest = &doc[start + from.len()..];
        let end = to
            .iter()
            .filter_map(|t| rest.find(t))
            .min()
            .unwrap_or(rest.len());
        &rest[..end]
    }

    #[test]
    fn rule_pages_examples_fire_and_counterexamples_do_not() {
        for rule in RULES {
            let doc = rule.doc;
            let example = section(doc, "## Example", &["Use instead:", "\n## "]);
            let instead = section(doc, "Use instead:", &["\n## "]);
            let examples = blocks(example);
            assert!(!examples.is_empty(), "{} has no example", rule.code);
            for (info, body) in examples {
                assert_eq!(info, "dockerfile", "{}", rule.code);
                assert!(
                    !lint(rule, &body).is_empty(),
                    "{} example does not fire:\n{body}",
                    rule.code
                );
            }
            let instead = blocks(instead);
            assert!(!instead.is_empty(), "{} has no counterexample", rule.code);
            for (_, body) in instead {
                let f = lint(rule, &body);
                assert!(
                    f.is_empty(),
                    "{} counterexample fires:\n{body}\n{:?}",
                    rule.code,
                    f.iter().map(|f| &f.message).collect::<Vec<_>>()
                );
            }
            // Fix sections: the fixed block is what `--fix --unsafe-fixes` writes.
            let fix = section(doc, "## Fix\n", &["\n## "]);
            let fix_blocks = blocks(fix);
            if rule.fix != crate::lint::FixAvailability::Never {
                assert_eq!(
                    fix_blocks.len(),
                    2,
                    "{} needs a ## Fix before/after",
                    rule.code
                );
            }
            if let [(_, before), (info, after)] = fix_blocks.as_slice() {
                assert_eq!(info, "dockerfile fixed", "{}", rule.code);
                let fixed = apply_fixes(before, &lint(rule, before), Applicability::Unsafe);
                assert_eq!(&fixed, after, "{} fix example", rule.code);
            }
            let unsafe_fix = doc.contains("unsafe");
            if unsafe_fix {
                assert!(
                    doc.contains("## Fix safety"),
                    "{} mentions unsafe fixes without ## Fix safety",
                    rule.code
                );
            }
        }
    }
}
