//! The build record: a content-addressed memory of finished builds, so an
//! unchanged build is answered without packaging or sending anything.
//!
//! The key is a SHA-256 over everything that decides the image:
//! - the Dockerfile stages the target needs, as BuildKit reads them (logical
//!   lines: comments and unused stages do not count), with the global ARGs
//!   and the parser directives;
//! - the context digest of what the build reads (content and modes, not
//!   mtimes);
//! - build args, target, platform, network, labels, builder;
//! - the IDs of the images it reads, as the daemon resolves them;
//! - the daemon's endpoint, or for a fleet one name for all its nodes (an
//!   image ID is the same on every node; the record says which node holds
//!   the image).
//!
//! A record maps the key to the image ID it produced. It is written only
//! after a successful, tagged build, atomically (a temporary file renamed
//! into place), under `$XDG_CACHE_HOME/buildlint/builds/`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dockerfile::Dockerfile;

/// Bumped when the key's recipe changes, so old records stop matching.
const KEY_VERSION: &str = "buildlint-build-record-v1";

/// What goes into a key besides the Dockerfile and the context digest.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInputs<'a> {
    pub context_digest: &'a str,
    pub build_args: &'a BTreeMap<String, String>,
    pub target: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub network: Option<&'a str>,
    pub labels: &'a BTreeMap<String, String>,
    /// Left out when not set, so keys of builds without them stay as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<i64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub ulimits: &'a [super::limits::Ulimit],
    pub builder: &'a str,
    /// (reference, image ID) of every image the build reads.
    pub images: Vec<(String, String)>,
    pub endpoint: &'a str,
}

/// The text of the stages the target needs: parser directives, global
/// instructions before the first FROM, and each needed stage's logical lines
/// with heredoc bodies. Comments and unneeded stages are left out.
pub fn dockerfile_digest(df: &Dockerfile, needed: &[bool]) -> String {
    let mut h = Sha256::new();
    for d in &df.directives {
        if d.name == "check" {
            continue;
        }
        h.update(format!("#{}={}\n", d.name, d.value).as_bytes());
    }
    h.update(format!("escape={}\n", df.escape).as_bytes());
    fn push(h: &mut Sha256, inst: &crate::dockerfile::Instruction) {
        h.update(inst.line.text.as_bytes());
        h.update(b"\n");
        for hd in &inst.heredocs {
            h.update(b"<<");
            h.update(hd.content.as_bytes());
            h.update(b"\n");
        }
    }
    for inst in df.preamble() {
        push(&mut h, inst);
    }
    for stage in &df.stages {
        if !needed.get(stage.index).copied().unwrap_or(true) {
            continue;
        }
        h.update(format!("stage {}\n", stage.index).as_bytes());
        for inst in df.stage_instructions(stage) {
            push(&mut h, inst);
        }
    }
    hex::encode(h.finalize())
}

/// The record key.
pub fn key(dockerfile_digest: &str, inputs: &KeyInputs<'_>) -> String {
    let mut h = Sha256::new();
    h.update(KEY_VERSION.as_bytes());
    h.update(b"\0");
    h.update(dockerfile_digest.as_bytes());
    h.update(b"\0");
    // serde_json of a struct with BTreeMaps is deterministic.
    h.update(serde_json::to_vec(inputs).unwrap_or_default());
    hex::encode(h.finalize())
}

/// A stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: String,
    pub image_id: String,
    /// The image's display name when it was built (for people reading the file).
    pub name: String,
    /// Seconds since the epoch.
    pub created: u64,
    /// The node of a fleet that holds the image (its endpoint); a record
    /// of a build without a fleet names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// Where records live.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// `$XDG_CACHE_HOME/buildlint/builds` (or the platform's cache directory).
    pub fn default_location() -> Option<Store> {
        dirs::cache_dir().map(|d| Store::at(d.join("buildlint")))
    }

    /// Records under `dir/builds`.
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store {
            dir: dir.into().join("builds"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The record for `key`, if one was written (an unreadable or foreign
    /// file counts as none).
    pub fn get(&self, key: &str) -> Option<Record> {
        let text = std::fs::read(self.path(key)).ok()?;
        let rec: Record = serde_json::from_slice(&text).ok()?;
        // A record edited by hand (or by anyone who can write the cache
        // directory) with an ID that is not one counts as none.
        (rec.key == key && crate::builder::daemon::is_image_id(&rec.image_id)).then_some(rec)
    }

    /// Writes a record atomically: a temporary file in the same directory,
    /// flushed, then renamed over the final name.
    pub fn put(&self, rec: &Record) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer_pretty(&mut tmp, rec)?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.path(&rec.key)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Where a fleet last built an image: beside the records, by the job's
/// identity (its name, Dockerfile and tags), never part of a record key.
/// The scheduler sends the job back there (its layer cache is there).
impl Store {
    fn placement_path(&self, identity: &str) -> PathBuf {
        let digest = hex::encode(Sha256::digest(identity.as_bytes()));
        self.dir
            .with_file_name("placements")
            .join(format!("{digest}.json"))
    }

    /// The endpoint of the node that last built `identity`.
    pub fn last_node(&self, identity: &str) -> Option<String> {
        let text = std::fs::read(self.placement_path(identity)).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
        (v["identity"] == identity)
            .then(|| v["node"].as_str().map(str::to_string))
            .flatten()
    }

    /// Remembers that `node` built `identity` (atomically, as records).
    pub fn set_last_node(&self, identity: &str, node: &str) -> std::io::Result<()> {
        let path = self.placement_path(identity);
        let dir = path.parent().expect("a directory");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(
            &mut tmp,
            &serde_json::json!({"identity": identity, "node": node}),
        )?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::stages::needed_stages;

    fn digest(text: &str, target: Option<&str>) -> String {
        let df = crate::dockerfile::parse(text.to_string()).unwrap();
        let needed = needed_stages(&df, target, &BTreeMap::new()).unwrap();
        dockerfile_digest(&df, &needed)
    }

    #[test]
    fn comments_and_unused_stages_do_not_change_the_digest() {
        let a = digest(
            "FROM a AS build\nRUN make\nFROM b AS unused\nRUN x\nFROM c\nCOPY --from=build /o /o\n",
            None,
        );
        let c = digest(
            "# a comment\nFROM a AS build\nRUN make\nFROM b AS unused\nRUN something else\nFROM c\n# more\nCOPY --from=build /o /o\n",
            None,
        );
        assert_eq!(a, c);
        // A used stage's change does count.
        let d = digest("FROM a AS build\nRUN make all\nFROM b AS unused\nRUN x\nFROM c\nCOPY --from=build /o /o\n", None);
        assert_ne!(a, d);
        // Targeting the unused stage makes it count.
        assert_ne!(
            digest(
                "FROM a AS build\nRUN make\nFROM b AS unused\nRUN x\n",
                Some("unused")
            ),
            digest(
                "FROM a AS build\nRUN make\nFROM b AS unused\nRUN y\n",
                Some("unused")
            )
        );
    }

    #[test]
    fn heredoc_bodies_count() {
        assert_ne!(
            digest("FROM a\nRUN <<EOF\necho 1\nEOF\n", None),
            digest("FROM a\nRUN <<EOF\necho 2\nEOF\n", None)
        );
    }

    #[test]
    fn key_changes_with_every_input() {
        let args = BTreeMap::new();
        let labels = BTreeMap::new();
        let base = KeyInputs {
            context_digest: "c1",
            build_args: &args,
            labels: &labels,
            builder: "buildkit",
            images: vec![("busybox".into(), "sha256:1".into())],
            endpoint: "unix:///var/run/docker.sock",
            target: None,
            platform: None,
            network: None,
            shm_size: None,
            ulimits: &[],
        };
        let k = key("d", &base);
        assert_eq!(k, key("d", &base.clone()));
        assert_ne!(k, key("d2", &base));
        let mut other = base.clone();
        other.context_digest = "c2";
        assert_ne!(k, key("d", &other));
        let mut other = base.clone();
        other.images = vec![("busybox".into(), "sha256:2".into())];
        assert_ne!(k, key("d", &other));
        let mut other = base.clone();
        other.builder = "classic";
        assert_ne!(k, key("d", &other));
        let mut other = base.clone();
        other.shm_size = Some(1 << 27);
        assert_ne!(k, key("d", &other));
        let ulimits = [crate::builder::limits::parse_ulimit("nofile=5:6").unwrap()];
        let mut other = base.clone();
        other.ulimits = &ulimits;
        assert_ne!(k, key("d", &other));
        let mut other = base.clone();
        other.target = Some("t");
        assert_ne!(k, key("d", &other));
        let some_args: BTreeMap<String, String> = [("A".to_string(), "1".to_string())].into();
        let mut other = base.clone();
        other.build_args = &some_args;
        assert_ne!(k, key("d", &other));
    }

    #[test]
    fn records_round_trip_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        assert_eq!(store.get("abc"), None);
        let rec = Record {
            key: "abc".into(),
            image_id: format!("sha256:{}", "ab".repeat(32)),
            name: "web".into(),
            created: 1,
            node: None,
        };
        store.put(&rec).unwrap();
        assert_eq!(store.get("abc"), Some(rec.clone()));
        // Only the record file remains: the temporary file was renamed.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("abc.json")]);
        // A damaged file is no record.
        std::fs::write(store.dir().join("bad.json"), "{").unwrap();
        assert_eq!(store.get("bad"), None);
    }

    #[test]
    fn the_last_node_is_kept_per_identity() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        assert_eq!(store.last_node("web\0Dockerfile"), None);
        store
            .set_last_node("web\0Dockerfile", "unix:///a.sock")
            .unwrap();
        store
            .set_last_node("api\0Dockerfile", "unix:///b.sock")
            .unwrap();
        assert_eq!(
            store.last_node("web\0Dockerfile").as_deref(),
            Some("unix:///a.sock")
        );
        store
            .set_last_node("web\0Dockerfile", "unix:///c.sock")
            .unwrap();
        assert_eq!(
            store.last_node("web\0Dockerfile").as_deref(),
            Some("unix:///c.sock")
        );
        // Placements live beside the records, not among them.
        assert!(!store.dir().exists());
    }

    /// A record whose ID is not `sha256:<64 hex>` (edited by hand, or by
    /// whoever can write the cache) is treated as absent: it never reaches
    /// an API path.
    #[test]
    fn a_record_with_an_invalid_image_id_is_absent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        for id in [
            "sha256:../../../../etc/passwd",
            "sha256:1",
            "",
            "nginx:latest",
        ] {
            let rec = Record {
                key: "k".into(),
                image_id: id.into(),
                name: "web".into(),
                created: 1,
                node: None,
            };
            store.put(&rec).unwrap();
            assert_eq!(store.get("k"), None, "{id}");
        }
    }
}
