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
