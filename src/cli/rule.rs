//! `buildlint rule`: a rule's page, or the list of all rules.

use clap::Args;

use super::{Io, EXIT_ERROR, EXIT_OK};
use crate::lint::{pages, registry};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  buildlint rule BL1007                 by code
  buildlint rule latest-base-image-tag  by name
  buildlint rule DL3007                 by alias (hadolint code, BuildKit check name)
  buildlint rule --all                  list every rule")]
pub struct RuleArgs {
    /// A rule's code, name or alias.
    #[arg(value_name = "RULE", required_unless_present = "all")]
    pub rule: Option<String>,

    /// List every rule: code, name, default severity, aliases.
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: RuleFormat,
}

fn rule_json(r: &crate::lint::Rule) -> serde_json::Value {
    serde_json::json!({
        "code": r.code,
        "name": r.name,
        "aliases": r.aliases,
        "severity": r.severity,
        "default_enabled": r.default_enabled,
        "fix": r.fix,
        "summary": r.summary,
        "url": r.url(),
        "doc": r.doc,
    })
}

/// Rules whose name, summary or aliases hold every word of `query`
/// (case-insensitive; `-` and `_` count as spaces).
fn search(query: &str) -> Vec<&'static crate::lint::Rule> {
    let words: Vec<String> = query
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    registry::all()
        .iter()
        .copied()
        .filter(|r| {
            let text = format!("{} {} {}", r.name, r.summary, r.aliases.join(" "))
                .to_lowercase()
                .replace(['-', '_'], " ");
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

pub fn run(args: RuleArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    if args.all {
        let rules = registry::all();
        if args.format == RuleFormat::Json {
            let list: Vec<serde_json::Value> = rules.iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut *io.stdout, &list)?;
            writeln!(io.stdout)?;
            return Ok(EXIT_OK);
        }
        let name_width = rules.iter().map(|r| r.name.len()).max().unwrap_or(4);
        writeln!(
            io.stdout,
            "{:<6}  {:<name_width$}  {:<8}  {:<3}  ALIASES",
            "CODE", "NAME", "SEVERITY", "ON"
        )?;
        for r in rules {
            let line = format!(
                "{:<6}  {:<name_width$}  {:<8}  {:<3}  {}",
                r.code,
                r.name,
                r.severity.as_str(),
                if r.default_enabled { "yes" } else { "no" },
                r.aliases.join(", ")
            );
            writeln!(io.stdout, "{}", line.trim_end())?;
        }
        return Ok(EXIT_OK);
    }
    let id = args.rule.unwrap_or_default();
    let rules = registry::lookup(&id);
    if rules.is_empty() {
        let found = search(&id);
        if !found.is_empty() {
            writeln!(
                io.stdout,
                "No rule is named `{id}`; {} it:",
                if found.len() == 1 {
                    "1 rule mentions".to_string()
                } else {
                    format!("{} rules mention", found.len())
                }
            )?;
            for r in found {
                writeln!(io.stdout, "  {}  {}: {}", r.code, r.name, r.summary)?;
            }
            return Ok(EXIT_OK);
        }
        writeln!(io.stderr, "buildlint: unknown rule `{id}`")?;
        match registry::suggest(&id) {
            Some(s) => writeln!(io.stderr, "  tip: a similar value exists: `{s}`")?,
            None => writeln!(io.stderr, "  tip: `buildlint rule --all` lists every rule")?,
        }
        return Ok(EXIT_ERROR);
    }
    if args.format == RuleFormat::Json {
        let list: Vec<serde_json::Value> = rules.iter().map(|r| rule_json(r)).collect();
        let value = if list.len() == 1 {
            list.into_iter().next().expect("one rule")
        } else {
            serde_json::Value::Array(list)
        };
        serde_json::to_writer_pretty(&mut *io.stdout, &value)?;
        writeln!(io.stdout)?;
        return Ok(EXIT_OK);
    }
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            writeln!(io.stdout, "\n---\n")?;
        }
        write!(io.stdout, "{}", pages::page(r))?;
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use crate::cli::run_captured;

    #[test]
    fn prints_a_page_by_code_name_or_alias() {
        for id in ["BL1007", "latest-base-image-tag", "DL3007", "dl3007"] {
            let (code, out, _) = run_captured(&["rule", id]);
            assert_eq!(code, 0, "{id}");
            assert!(
                out.starts_with("# BL1007: latest-base-image-tag\n"),
                "{out}"
            );
            assert!(out.contains("## Why is this bad?"));
            assert_eq!(
                out,
                crate::lint::pages::page(crate::lint::registry::by_code("BL1007").unwrap())
            );
        }
    }

    #[test]
    fn unknown_rule_exits_2_with_a_tip() {
        let (code, out, err) = run_captured(&["rule", "latest-base-image-tags"]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert_eq!(
            err,
            "buildlint: unknown rule `latest-base-image-tags`\n  tip: a similar value exists: `latest-base-image-tag`\n"
        );
        let (code, _, err) = run_captured(&["rule", "zzzz"]);
        assert_eq!(code, 2);
        assert!(err.contains("`buildlint rule --all` lists every rule"));
        assert_eq!(run_captured(&["rule"]).0, 2, "a rule or --all is required");
    }

    #[test]
    fn all_lists_code_name_severity_aliases() {
        let (code, out, _) = run_captured(&["rule", "--all"]);
        assert_eq!(code, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("CODE"));
        assert_eq!(lines.len(), crate::lint::registry::all().len() + 1);
        let latest = lines.iter().find(|l| l.starts_with("BL1007")).unwrap();
        let cols: Vec<&str> = latest.split_whitespace().collect();
        assert_eq!(
            cols,
            [
                "BL1007",
                "latest-base-image-tag",
                "warning",
                "yes",
                "DL3007"
            ]
        );
        let (_, out, _) = run_captured(&["rule", "--all", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v.as_array().unwrap().len(),
            crate::lint::registry::all().len()
        );
    }
}
