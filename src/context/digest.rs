//! The context digest: a sha256 over what the build can read from the
//! context, in path order: each entry's type, path, permission bits, and a
//! regular file's size and content hash, a symlink's target, a hard link's
//! first path. Modification times, owners and the Dockerfile and ignore
//! files sent only for the daemon's sake are left out, so `touch` changes
//! nothing and the build cache keys the Dockerfile through its IR.

use sha2::{Digest as _, Sha256};

use super::walk::Entry;

/// The digest format version, part of the hashed bytes.
const VERSION: &[u8] = b"buildlint-context-v1\n";

pub(crate) struct DigestBuilder {
    hasher: Sha256,
}

impl DigestBuilder {
    pub(crate) fn new() -> DigestBuilder {
        let mut hasher = Sha256::new();
        hasher.update(VERSION);
        DigestBuilder { hasher }
    }

    fn record(&mut self, kind: u8, entry: &Entry, tail: &[u8]) {
        let h = &mut self.hasher;
        h.update([kind, 0]);
        h.update((entry.raw.len() as u64).to_le_bytes());
        h.update(&entry.raw);
        h.update(entry.meta.mode.to_le_bytes());
        h.update((tail.len() as u64).to_le_bytes());
        h.update(tail);
    }

    pub(crate) fn dir(&mut self, entry: &Entry) {
        self.record(b'd', entry, &[]);
    }

    pub(crate) fn symlink(&mut self, entry: &Entry) {
        let target = entry.link_target.clone().unwrap_or_default();
        self.record(b'l', entry, &target);
    }

    pub(crate) fn hardlink(&mut self, entry: &Entry, first: &Entry) {
        self.record(b'h', entry, &first.raw);
    }

    pub(crate) fn file(&mut self, entry: &Entry, size: u64, content: &[u8; 32]) {
        let mut tail = Vec::with_capacity(40);
        tail.extend_from_slice(&size.to_le_bytes());
        tail.extend_from_slice(content);
        self.record(b'f', entry, &tail);
    }

    pub(crate) fn finish(self) -> String {
        format!("sha256:{}", hex::encode(self.hasher.finalize()))
    }
}
