//! Helpers shared by the stack rules.

use crate::compose::model::{Resource, Sp};
use crate::lint::Diagnostic;

// The stack rules' way to report a value: an inherent method of the front
// end's `Sp`, defined here so that `compose/` knows nothing of diagnostics.
impl<T> Sp<T> {
    /// A diagnostic underlining this value, in its own file.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.span, message).in_file(self.file.clone())
    }
}

/// Whether a top-level resource named `name` is defined.
pub fn defined(resources: &[Resource], name: &str) -> bool {
    resources.iter().any(|r| r.name.value == name)
}

/// The names a service may use for top-level resources, for "did you mean".
pub fn suggestion(resources: &[Resource], name: &str) -> Option<String> {
    crate::compose::schema::did_you_mean(name, resources.iter().map(|r| r.name.value.as_str()))
        .map(|s| format!("did you mean `{s}`?"))
}

/// An image reference split: the tag (without `:`) and its byte range in
/// the reference, and whether it is pinned by digest.
pub struct ImageRef<'a> {
    pub tag: Option<(&'a str, std::ops::Range<usize>)>,
    pub digest: bool,
}

pub fn image_ref(image: &str) -> ImageRef<'_> {
    let digest = image.contains('@');
    let without_digest = image.split('@').next().unwrap_or(image);
    let name_start = without_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let tag = without_digest[name_start..].find(':').map(|c| {
        let start = name_start + c + 1;
        (&without_digest[start..], start..without_digest.len())
    });
    ImageRef { tag, digest }
}

/// The first place a value was written, for "first used here" labels.
pub fn label_first<T>(
    d: crate::lint::Diagnostic,
    first: &Sp<T>,
    message: &str,
) -> crate::lint::Diagnostic {
    let mut d = d;
    d.labels.push(crate::lint::finding::Label {
        span: first.span,
        message: message.to_string(),
        file: Some(first.file.clone()),
    });
    d
}

/// The span of the bytes `range` of a string value, when the source spells
/// the value literally (plain, or quoted without escapes); else the whole
/// span.
pub fn sub_span(sp: &Sp<String>, range: std::ops::Range<usize>) -> crate::span::Span {
    let raw = sp.span.slice(&sp.file.text);
    let quoted = matches!(raw.as_bytes().first(), Some(b'"' | b'\''));
    let inner = if quoted { &raw[1..] } else { raw };
    if inner.starts_with(sp.value.as_str())
        && range.end <= sp.value.len()
        && (!quoted || inner.len() == sp.value.len() + 1)
    {
        let base = sp.span.start + u32::from(quoted);
        crate::span::Span::new(base + range.start as u32, base + range.end as u32)
    } else {
        sp.span
    }
}

/// A service a service depends on, and where: `depends_on` entries,
/// `links`, `network_mode: service:x`, `volumes_from: x` and
/// `build.additional_contexts: service:x`.
pub struct ServiceRef {
    pub target: String,
    pub at: Sp<String>,
    pub span: crate::span::Span,
    pub via: &'static str,
    /// `depends_on` with `required: false`: compose tolerates it missing.
    pub optional: bool,
}

pub fn service_refs(s: &crate::compose::model::Service) -> Vec<ServiceRef> {
    let mut out = Vec::new();
    for d in &s.depends_on {
        out.push(ServiceRef {
            target: d.service.value.clone(),
            span: d.service.span,
            at: d.service.clone(),
            via: "depends_on",
            optional: !d.required,
        });
    }
    for l in &s.links {
        let name = l.value.split(':').next().unwrap_or_default().to_string();
        out.push(ServiceRef {
            span: sub_span(l, 0..name.len()),
            target: name,
            at: l.clone(),
            via: "links",
            optional: false,
        });
    }
    if let Some(nm) = &s.network_mode {
        if let Some(name) = nm.value.strip_prefix("service:") {
            out.push(ServiceRef {
                target: name.to_string(),
                span: sub_span(nm, 8..nm.value.len()),
                at: nm.clone(),
                via: "network_mode",
                optional: false,
            });
        }
    }
    if let Some(list) = s.node.get("volumes_from").and_then(|n| n.as_seq()) {
        for n in list {
            let Some(v) = n.scalar_string() else { continue };
            if v.starts_with("container:") {
                continue;
            }
            let name = v.split(':').next().unwrap_or_default().to_string();
            let sp = Sp::new(v.clone(), n.span, n.file.clone());
            out.push(ServiceRef {
                span: sub_span(&sp, 0..name.len()),
                target: name,
                at: sp,
                via: "volumes_from",
                optional: false,
            });
        }
    }
    if let Some(b) = &s.build {
        for (_, v) in &b.additional_contexts {
            let Some(v) = v else { continue };
            if let Some(name) = v.value.strip_prefix("service:") {
                out.push(ServiceRef {
                    target: name.to_string(),
                    span: sub_span(v, 8..v.value.len()),
                    at: v.clone(),
                    via: "build.additional_contexts",
                    optional: false,
                });
            }
        }
    }
    out
}

/// The paths of a service's `tmpfs:` (`/run` or `/run:size=64k`).
pub fn tmpfs_targets(s: &crate::compose::model::Service) -> Vec<Sp<String>> {
    let nodes: Vec<&crate::compose::yaml::Node> = match s.node.get("tmpfs") {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![n],
        },
        None => Vec::new(),
    };
    nodes
        .into_iter()
        .filter_map(|n| {
            let v = n.scalar_string()?;
            let path = v.split(':').next().unwrap_or_default().to_string();
            let sp = Sp::new(v.clone(), n.span, n.file.clone());
            let span = sub_span(&sp, 0..path.len());
            Some(Sp::new(path, span, n.file.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs() {
        let r = image_ref("nginx:1.27");
        assert_eq!(r.tag.unwrap().0, "1.27");
        let r = image_ref("localhost:5000/app");
        assert!(r.tag.is_none());
        let r = image_ref("localhost:5000/app:dev@sha256:abc");
        assert_eq!(r.tag.as_ref().unwrap().0, "dev");
        assert_eq!(r.tag.unwrap().1, 19..22);
        assert!(r.digest);
    }
}
