//! Packaging a build context for the daemon with [`ContextPlan`]: only what
//! the build reads (unless `--no-prune`), `.dockerignore` applied exactly, the
//! Dockerfile and ignore file always sent, the tar streamed on demand.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::exec::{BuilderKind, ContextSync, TarSource};
use crate::context::{
    ContextError, ContextPlan, KnownOnbuild, PlanOptions, StageSelection, TarOptions,
};
use crate::dockerfile::Dockerfile;

/// A context ready to send.
pub struct Packed {
    pub plan: Arc<ContextPlan>,
    pub tar: TarSource,
    /// The Dockerfile's path inside the tar.
    pub dockerfile_name: String,
    /// The tar's size (headers and padding included), for the upload bar.
    pub tar_bytes: u64,
    /// The same files for a BuildKit session (`None`: only a tar can carry
    /// them, e.g. names that are not UTF-8).
    pub sync: Option<ContextSync>,
}

/// How to package.
pub struct PackageOptions<'a> {
    pub build_args: &'a BTreeMap<String, String>,
    pub target: Option<&'a str>,
    /// Which stages run depends on the builder.
    pub builder: BuilderKind,
    /// Base images' ONBUILD triggers, by the reference the Dockerfile uses.
    pub onbuild: HashMap<String, Vec<String>>,
    /// Send only what the build reads.
    pub prune: bool,
    /// Gzip level for remote daemons.
    pub gzip: Option<u32>,
}

/// The tar's size: a header per entry, file contents padded to 512-byte
/// blocks, long names' extra entries, the end marker.
fn tar_size(plan: &ContextPlan) -> u64 {
    let mut total = 1024u64;
    for e in plan.files() {
        total += 512;
        if e.raw.len() > 99 {
            total += 1024 + (e.raw.len() as u64).div_ceil(512) * 512;
        }
        if e.meta.kind == crate::context::FileKind::File {
            total += e.meta.size.div_ceil(512) * 512;
        }
    }
    total
}

/// Plans and packages the context of one build.
pub fn package(
    context_dir: &Path,
    dockerfile: &Path,
    df: &Dockerfile,
    opts: &PackageOptions<'_>,
) -> Result<Packed, ContextError> {
    let onbuild = KnownOnbuild(opts.onbuild.clone());
    let plan_opts = PlanOptions {
        build_args: opts.build_args.clone(),
        target: opts.target.map(str::to_string),
        prune: opts.prune,
        stages: match opts.builder {
            BuilderKind::BuildKit => StageSelection::Reachable,
            BuilderKind::Classic => StageSelection::UpToTarget,
        },
        onbuild: &onbuild,
        ..PlanOptions::default()
    };
    let plan = Arc::new(ContextPlan::new(
        context_dir,
        dockerfile,
        Some(df),
        &plan_opts,
    )?);
    let tar_bytes = tar_size(&plan);
    let dockerfile_name = plan.dockerfile_name().to_string();
    let mtime_clamp = TarOptions::source_date_epoch();
    let sync = context_sync(&plan, context_dir, dockerfile, mtime_clamp);
    let tar_opts = TarOptions {
        mtime_clamp,
        gzip: opts.gzip,
        threads: 0,
        // The digest is computed separately (the build record) when needed.
        skip_digest: true,
    };
    let p = plan.clone();
    let tar: TarSource = Arc::new(move |out: &mut dyn std::io::Write| {
        p.write_tar(out, &tar_opts)
            .map(|_| ())
            .map_err(|e| match e {
                crate::context::PackError::Write(io) => io,
                other => std::io::Error::other(other.to_string()),
            })
    });
    Ok(Packed {
        plan,
        tar,
        dockerfile_name,
        tar_bytes,
        sync,
    })
}

#[cfg(feature = "buildkit")]
fn context_sync(
    plan: &Arc<ContextPlan>,
    context_dir: &Path,
    dockerfile: &Path,
    mtime_clamp: Option<i64>,
) -> Option<ContextSync> {
    let df = if dockerfile.is_absolute() {
        dockerfile.to_path_buf()
    } else {
        context_dir.join(dockerfile)
    };
    // A Dockerfile that cannot be read again leaves the tar to report it.
    super::session::filesync::SyncSource::new(plan.clone(), context_dir, &df, mtime_clamp)
        .ok()
        .flatten()
        .map(Arc::new)
}

#[cfg(not(feature = "buildkit"))]
fn context_sync(
    _plan: &Arc<ContextPlan>,
    _context_dir: &Path,
    _dockerfile: &Path,
    _mtime_clamp: Option<i64>,
) -> Option<ContextSync> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Packed) -> (Vec<String>, usize) {
        let mut buf = Vec::new();
        (p.tar)(&mut buf).unwrap();
        let mut ar = tar::Archive::new(&buf[..]);
        let names = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        (names, buf.len())
    }

    fn opts(prune: bool) -> PackageOptions<'static> {
        static NO_ARGS: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
        PackageOptions {
            build_args: NO_ARGS.get_or_init(BTreeMap::new),
            target: None,
            builder: BuilderKind::BuildKit,
            onbuild: HashMap::new(),
            prune,
            gzip: None,
        }
    }

    #[test]
    fn pruned_and_full_contexts() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let text = "FROM scratch\nCOPY src/ /src/\n";
        std::fs::write(d.join("Dockerfile"), text).unwrap();
        std::fs::write(d.join(".dockerignore"), "src/*.tmp\n").unwrap();
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(d.join("src/a.c"), "int a;").unwrap();
        std::fs::write(d.join("src/b.tmp"), "x").unwrap();
        std::fs::write(d.join("unused.bin"), vec![0u8; 5000]).unwrap();
        let df = crate::dockerfile::parse(text.to_string()).unwrap();
        let p = package(d, &d.join("Dockerfile"), &df, &opts(true)).unwrap();
        assert_eq!(p.dockerfile_name, "Dockerfile");
        let (names_pruned, len) = names(&p);
        assert_eq!(
            names_pruned,
            [".dockerignore", "Dockerfile", "src/", "src/a.c"]
        );
        assert!(
            len as u64 >= p.tar_bytes && len as u64 - p.tar_bytes < 10240,
            "{len} vs {}",
            p.tar_bytes
        );
        let full = package(d, &d.join("Dockerfile"), &df, &opts(false)).unwrap();
        let (names_full, _) = names(&full);
        assert_eq!(
            names_full,
            [
                ".dockerignore",
                "Dockerfile",
                "src/",
                "src/a.c",
                "unused.bin"
            ]
        );
        assert!(full.tar_bytes > p.tar_bytes + 5000);
    }
}
