//! Hover: a finding's rule page summary, what buildlint knows of a base
//! image, where a variable is defined and its value, and the definition of
//! a service, network, volume, secret or config a stack file names.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::documents::{Document, Kind};
use super::navigation::{
    base_image, instruction_at, parse_stack, stack_definition, stack_reference, stage_named,
    stage_reference, variable_at, variable_definition, yaml_at,
};
use super::server::Server;
use crate::dockerfile::image_ref::ImageRef;
use crate::lint::semantic::ImageResolver;
use crate::lint::{Finding, Rule};
use crate::span::Span;

/// The rule page's summary and its "What it does" paragraph.
pub fn rule_summary(rule: &Rule) -> String {
    let what = rule
        .doc
        .split("## ")
        .find_map(|s| s.strip_prefix("What it does"))
        .map(|s| s.trim().split("\n\n").next().unwrap_or_default().trim())
        .unwrap_or_default();
    let mut out = format!("**{}** `{}`: {}\n", rule.code, rule.name, rule.summary);
    if !what.is_empty() {
        out.push('\n');
        out.push_str(what);
        out.push('\n');
    }
    out.push_str(&format!("\n[Rule page]({})", rule.url()));
    out
}

fn markdown(value: String, doc: &Document, span: Span) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(doc.range(span)),
    }
}

pub fn hover(server: &Server, doc: &Document, findings: &[Finding], offset: u32) -> Option<Hover> {
    let mut parts: Vec<String> = Vec::new();
    let mut range: Option<Span> = None;
    let mut seen: Vec<&str> = Vec::new();
    for f in findings
        .iter()
        .filter(|f| f.span.start <= offset && offset <= f.span.end)
    {
        if !seen.contains(&f.rule.code) {
            seen.push(f.rule.code);
            parts.push(rule_summary(f.rule));
            range = Some(range.map_or(f.span, |r: Span| r.cover(f.span)));
        }
    }
    let symbol = match doc.kind {
        Kind::Dockerfile => dockerfile_hover(server, doc, offset),
        Kind::Stack => stack_hover(doc, offset),
        _ => None,
    };
    if let Some((text, span)) = symbol {
        parts.insert(0, text);
        range = Some(span);
    }
    let span = range?;
    Some(markdown(parts.join("\n\n---\n\n"), doc, span))
}

fn dockerfile_hover(server: &Server, doc: &Document, offset: u32) -> Option<(String, Span)> {
    let df = crate::dockerfile::parse(doc.text.clone()).ok()?;
    let inst = instruction_at(&df, offset)?;
    if let Some((name, span)) = stage_reference(inst, offset) {
        if let Some(stage) = stage_named(&df, &name) {
            let line = doc.lines.line_of(stage.span.start) + 1;
            let text = format!(
                "Stage `{name}`, defined on line {line}:\n```dockerfile\n{}\n```",
                stage.span.slice(&doc.text)
            );
            return Some((text, span));
        }
        if matches!(inst.effective().args, crate::dockerfile::Args::From(_)) {
            return Some((image_hover(server, doc, &name), span));
        }
    }
    let (name, span) = variable_at(&doc.text, offset)?;
    let text = match variable_definition(&df, inst, &name) {
        Some(d) => {
            let line = doc.lines.line_of(d.name_span.start) + 1;
            let value = match (&d.value, d.inherited) {
                (Some(v), false) => format!(", value `{v}`"),
                (Some(v), true) => format!(", value `{v}` (the global ARG's default)"),
                (None, _) => ", no default: set with `--build-arg`".to_string(),
            };
            format!("`{name}`: {} on line {line}{value}", d.keyword)
        }
        None => match base_image(&df, inst) {
            Some(image) if image_sets(server, doc, image, &name) => {
                format!("`{name}`: set by the base image `{image}`")
            }
            _ => format!("`{name}`: not defined before this instruction"),
        },
    };
    Some((text, span))
}

fn image_config(
    server: &Server,
    doc: &Document,
    image: &str,
) -> Option<crate::lint::semantic::ImageConfig> {
    let settings = server.linter.settings(&doc.path).ok()?;
    let reference = ImageRef::parse(image).ok()?;
    server.linter.images(&settings).resolve(&reference)
}

fn image_sets(server: &Server, doc: &Document, image: &str, name: &str) -> bool {
    image_config(server, doc, image).is_some_and(|c| c.env.iter().any(|(n, _)| n == name))
}

fn image_hover(server: &Server, doc: &Document, image: &str) -> String {
    let reference = ImageRef::parse(image);
    let mut out = format!("Base image `{image}`");
    if let Ok(r) = &reference {
        if let Some(official) = r.official_name() {
            out.push_str(&format!(" (official image `{official}`)"));
        }
    }
    match image_config(server, doc, image) {
        Some(config) => {
            out.push_str("\n\n");
            if !config.env.is_empty() {
                let env: Vec<String> = config
                    .env
                    .iter()
                    .map(|(n, v)| match v {
                        Some(v) => format!("`{n}={v}`"),
                        None => format!("`{n}`"),
                    })
                    .collect();
                out.push_str(&format!("Sets: {}\n", env.join(", ")));
            }
            if let Some(dir) = &config.working_dir {
                out.push_str(&format!("\nWorking directory: `{dir}`\n"));
            }
            if !config.shell.is_empty() {
                out.push_str(&format!("\nShell: `{}`\n", config.shell.join(" ")));
            }
            if let Some(os) = &config.os {
                out.push_str(&format!("\nOS: {os}\n"));
            }
        }
        None => out.push_str(
            "\n\nbuildlint knows nothing more of it (set `inspect-images` to read the local daemon's image).",
        ),
    }
    out
}

fn stack_hover(doc: &Document, offset: u32) -> Option<(String, Span)> {
    let root = parse_stack(doc)?;
    let hit = yaml_at(&root, offset)?;
    let (section, name) = stack_reference(&hit)?;
    let what = section.trim_end_matches('s');
    let Some(entry) = stack_definition(&root, section, &name) else {
        return Some((
            format!("{what} `{name}` is not defined in this file"),
            hit.span,
        ));
    };
    let start = doc
        .lines
        .line_start(doc.lines.line_of(entry.key.span.start));
    let end = super::navigation::extent(&entry.value)
        .end
        .max(entry.key.span.end);
    let line = doc.lines.line_of(start) + 1;
    let text = format!(
        "{what} `{name}`, defined on line {line}:\n```yaml\n{}\n```",
        Span::new(start, end).slice(&doc.text).trim_end()
    );
    Some((text, hit.span))
}
