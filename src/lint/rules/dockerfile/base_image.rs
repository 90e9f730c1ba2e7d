//! Shared by the rules about the base image's tag.

use crate::dockerfile::image_ref::ImageRef;
use crate::dockerfile::{Args, FromArgs};
use crate::lint::semantic::BaseImage;
use crate::lint::{Diagnostic, DockerfileCx};
use crate::span::Span;

/// A stage whose base is an image, with how its FROM word was written.
pub struct ResolvedFrom<'a> {
    pub from: &'a FromArgs,
    pub image: &'a ImageRef,
    /// The image word has no variables, and its raw text is the reference.
    pub literal: bool,
    /// Names of the variables the word used.
    pub vars: Vec<String>,
}

/// Every stage whose FROM names an image (not a stage, `scratch`, or a
/// reference that cannot be resolved).
pub fn resolved_froms<'a>(cx: &'a DockerfileCx<'a>) -> Vec<ResolvedFrom<'a>> {
    let mut out = Vec::new();
    for (i, stage) in cx.semantic.stages.iter().enumerate() {
        let BaseImage::Image(image) = &stage.base else {
            continue;
        };
        let Some(df_stage) = cx.df.stages.get(i) else {
            continue;
        };
        let inst = &cx.df.instructions[df_stage.from];
        let Args::From(from) = &inst.args else {
            continue;
        };
        let (literal, vars) = match &stage.base_name {
            Ok(e) => (
                e.refs.is_empty() && e.value == from.image.raw,
                e.refs.iter().map(|r| r.name.clone()).collect(),
            ),
            Err(_) => (false, Vec::new()),
        };
        out.push(ResolvedFrom {
            from,
            image,
            literal,
            vars,
        });
    }
    out
}

impl ResolvedFrom<'_> {
    /// The span of a part of the reference (`tag_range`, `digest_range`) when
    /// written literally, else the whole image word.
    pub fn part_span(&self, range: Option<&std::ops::Range<usize>>) -> Span {
        match range {
            Some(r) if self.literal => Span::new(
                self.from.image.span.start + r.start as u32,
                self.from.image.span.start + r.end as u32,
            ),
            _ => self.from.image.span,
        }
    }

    /// Says where a reference built from variables got its value, and
    /// points at the global ARG that gave it.
    pub fn explain(&self, cx: &DockerfileCx<'_>, diag: Diagnostic) -> Diagnostic {
        if self.literal || self.vars.is_empty() {
            return diag;
        }
        let mut diag = diag;
        for name in &self.vars {
            if cx.semantic.build_args.contains_key(name) {
                continue;
            }
            if let Some(span) = global_default_span(cx, name) {
                diag = diag.label(span, format!("`{name}` gets its value here"));
            }
        }
        diag
    }
}

/// The span of the default of the last global `ARG name=default`.
pub fn global_default_span(cx: &DockerfileCx<'_>, name: &str) -> Option<Span> {
    let mut found = None;
    for inst in cx.df.preamble() {
        if let Args::Arg(decls) = &inst.args {
            for d in decls {
                if d.name.raw == name {
                    found = d.default.as_ref().map(|w| w.span);
                }
            }
        }
    }
    found
}
