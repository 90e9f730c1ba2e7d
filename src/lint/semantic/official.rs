//! The environment variables the Docker Official Images set, for
//! UndefinedVar: `FROM python` defines `PYTHON_VERSION`.
//!
//! The table in `official_env.rs` is generated from the ENV instructions of
//! the official images' Dockerfiles in the shared corpus
//! (`cargo run --example gen-official-env -- ../shared/corpus`), and a test
//! checks that it is up to date. Each image gets the names its Dockerfiles
//! set in their final stage (every tag and variant together), plus the names
//! of its base image when that base is in the table too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use super::{BaseImage, ImageConfig, ImageResolver, NoImages, Semantic};
use crate::dockerfile::image_ref::ImageRef;
use crate::dockerfile::Args;

#[rustfmt::skip]
mod official_env;

pub use official_env::OFFICIAL_ENV;

/// Base images built `FROM scratch` by adding a root filesystem: their
/// config holds nothing but the default `PATH`.
pub const ROOTFS_IMAGES: &[&str] = &["alpine", "busybox", "debian", "scratch", "ubuntu"];

/// Which official image each corpus folder builds.
const FOLDER_IMAGE: &[(&str, &str)] = &[
    ("docker-nginx", "nginx"),
    ("docker-node", "node"),
    ("docker-rust", "rust"),
];

/// The official images table as an [`ImageResolver`]. Values are not
/// recorded (they differ between tags), only names.
#[derive(Clone, Copy, Debug, Default)]
pub struct OfficialImages;

/// The variable names an official image sets, if the table has it.
pub fn official_env(name: &str) -> Option<&'static [&'static str]> {
    OFFICIAL_ENV
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| OFFICIAL_ENV[i].1)
}

impl ImageResolver for OfficialImages {
    fn resolve(&self, image: &ImageRef) -> Option<ImageConfig> {
        let names = official_env(image.official_name()?)?;
        Some(ImageConfig {
            env: names.iter().map(|n| (n.to_string(), None)).collect(),
            os: None,
            ..ImageConfig::default()
        })
    }
}

/// What one image's Dockerfiles set, before adding its bases.
#[derive(Default)]
struct Collected {
    names: BTreeSet<String>,
    bases: BTreeSet<String>,
    files: usize,
}

/// Generates `official_env.rs` from `<corpus>/official`.
pub fn generate(corpus: &Path) -> std::io::Result<String> {
    let root = corpus.join("official");
    let mut folders: Vec<_> = std::fs::read_dir(&root)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();

    let mut images: BTreeMap<String, Collected> = BTreeMap::new();
    let mut unparsed = Vec::new();
    for folder in &folders {
        let image = FOLDER_IMAGE
            .iter()
            .find(|(f, _)| f == folder)
            .map(|(_, i)| *i)
            .unwrap_or(folder)
            .to_string();
        let mut files: Vec<_> = std::fs::read_dir(root.join(folder))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            // `Dockerfile.builder` files build tools, not the image.
            .filter(|p| !p.to_string_lossy().ends_with(".builder"))
            .collect();
        files.sort();
        let entry = images.entry(image).or_default();
        for file in files {
            let text = std::fs::read_to_string(&file)?;
            let Ok(df) = crate::dockerfile::parse(text) else {
                unparsed.push(file.display().to_string());
                continue;
            };
            let Some(last) = df.stages.last() else {
                continue;
            };
            entry.files += 1;
            let sem = Semantic::with_resolver(&df, BTreeMap::new(), None, &NoImages);
            // The final stage and the stages it is built on.
            let mut stage = last.index;
            loop {
                for inst in df.stage_instructions(&df.stages[stage]) {
                    if let Args::Env(pairs) = &inst.args {
                        for kv in pairs {
                            if let Ok(key) =
                                crate::dockerfile::expand::unquote(&kv.key.raw, df.escape)
                            {
                                entry.names.insert(key);
                            }
                        }
                    }
                }
                match &sem.stages[stage].base {
                    BaseImage::Stage(b) => stage = *b,
                    BaseImage::Image(r) => {
                        entry.bases.insert(
                            r.official_name()
                                .map(str::to_string)
                                .unwrap_or_else(|| r.name()),
                        );
                        break;
                    }
                    BaseImage::Scratch => {
                        entry.bases.insert("scratch".into());
                        break;
                    }
                    _ => break,
                }
            }
        }
    }

    // Resolve bases to a fixed point.
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for root in ROOTFS_IMAGES {
        table.insert(root.to_string(), BTreeSet::from(["PATH".to_string()]));
    }
    for (image, c) in &images {
        let mut names = c.names.clone();
        names.insert("PATH".into());
        table.entry(image.clone()).or_default().extend(names);
    }
    loop {
        let mut changed = false;
        for (image, c) in &images {
            for base in &c.bases {
                if base == image {
                    continue;
                }
                if let Some(base_names) = table.get(base).cloned() {
                    let names = table.get_mut(image).expect("inserted above");
                    let before = names.len();
                    names.extend(base_names);
                    changed |= names.len() != before;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let unknown_bases: BTreeSet<&String> = images
        .values()
        .flat_map(|c| c.bases.iter())
        .filter(|b| !table.contains_key(*b))
        .collect();

    let mut out = String::new();
    out.push_str(
        "//! @generated by `cargo run --example gen-official-env -- ../shared/corpus`: do not edit.\n//!\n",
    );
    out.push_str("//! Variable names set by the Docker Official Images, from the ENV\n");
    out.push_str("//! instructions of their Dockerfiles (final stage, every variant), plus\n");
    out.push_str("//! their base images' names. Root file system images set only PATH.\n");
    for (image, c) in &images {
        let _ = writeln!(out, "//! - {image}: {} Dockerfiles", c.files);
    }
    if !unknown_bases.is_empty() {
        out.push_str("//!\n//! Bases outside the table (taken to add no names):\n");
        for b in &unknown_bases {
            let _ = writeln!(out, "//! - {b}");
        }
    }
    if !unparsed.is_empty() {
        out.push_str("//!\n//! Files that did not parse:\n");
        for f in &unparsed {
            let _ = writeln!(out, "//! - {f}");
        }
    }
    out.push_str("\n/// `(image, names)`, sorted by image and by name.\n");
    out.push_str("#[rustfmt::skip]\npub static OFFICIAL_ENV: &[(&str, &[&str])] = &[\n");
    for (image, names) in &table {
        let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        let _ = writeln!(out, "    ({image:?}, &[{}]),", names.join(", "));
    }
    out.push_str("];\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        for pair in OFFICIAL_ENV.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} / {}", pair[0].0, pair[1].0);
        }
        for (image, names) in OFFICIAL_ENV {
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{image}");
            assert!(names.contains(&"PATH"), "{image}");
        }
    }

    #[test]
    fn table_matches_the_corpus() {
        let corpus = crate::lint::rules::dockerfile::corpus::corpus_dir();
        let generated = generate(&corpus).expect("corpus readable");
        let committed = include_str!("official/official_env.rs");
        assert!(
            generated == committed,
            "src/lint/semantic/official/official_env.rs is stale: run \
             `cargo run --example gen-official-env -- ../shared/corpus > src/lint/semantic/official/official_env.rs`"
        );
    }

    #[test]
    fn known_images() {
        assert!(official_env("python").unwrap().contains(&"PYTHON_VERSION"));
        assert!(official_env("node").unwrap().contains(&"NODE_VERSION"));
        assert!(official_env("tomcat").unwrap().contains(&"CATALINA_HOME"));
        // Through the base image.
        assert!(official_env("tomcat").unwrap().contains(&"JAVA_HOME"));
        assert_eq!(official_env("alpine").unwrap(), &["PATH"]);
        assert!(official_env("not-an-image").is_none());
        let r = ImageRef::parse("docker.io/library/python:3.12-slim").unwrap();
        assert!(OfficialImages.resolve(&r).is_some());
        let r = ImageRef::parse("someone/python").unwrap();
        assert!(OfficialImages.resolve(&r).is_none());
    }
}
