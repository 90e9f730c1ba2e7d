//! Streaming a build context to the daemon without holding it in memory: a
//! tar writer runs on a blocking thread and hands 64 KiB chunks through a
//! bounded channel to the request body (`bollard::body_try_stream`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream;
use tokio::sync::mpsc;

/// Writes a whole context tar into the writer it is given.
pub type TarProducer = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send + 'static>;

const CHUNK: usize = 64 * 1024;
const IN_FLIGHT: usize = 8;

/// Counts the context bytes handed to the daemon: the tar body, or the file
/// data sent through a BuildKit session.
#[derive(Clone, Debug, Default)]
pub struct SentCounter(Arc<AtomicU64>);

impl SentCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
    sent: SentCounter,
}

impl ChannelWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let n = chunk.len() as u64;
        self.tx.blocking_send(Ok(Bytes::from(chunk))).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the daemon stopped reading the context",
            )
        })?;
        self.sent.add(n);
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buf()
    }
}

/// Starts `producer` on a blocking thread and returns the stream of what it
/// writes, for `bollard::body_try_stream`. A producer error fails the request
/// (the daemon sees a broken body); a request that stops early stops the
/// producer.
pub fn stream_body(
    producer: TarProducer,
    sent: SentCounter,
) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
            sent,
        };
        let result = producer(&mut w).and_then(|_| w.flush());
        if let Err(e) = result {
            if e.kind() != io::ErrorKind::BrokenPipe {
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// A context tar of a whole directory, sorted, with uid/gid 0 and no user
/// names: what the build sends when no context plan prunes it.
/// `skip` decides context-relative paths (with `/` separators) to leave out.
pub fn write_dir_tar(
    root: &Path,
    skip: &dyn Fn(&str) -> bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut builder = tar::Builder::new(out);
    builder.mode(tar::HeaderMode::Complete);
    builder.follow_symlinks(false);
    walk(&mut builder, root, "", skip)?;
    builder.finish()
}

fn walk<W: Write>(
    builder: &mut tar::Builder<W>,
    dir: &Path,
    rel: &str,
    skip: &dyn Fn(&str) -> bool,
) -> io::Result<()> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok().map(|n| (n, e.path())))
        .collect();
    entries.sort();
    for (name, full) in entries {
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if skip(&path) {
            continue;
        }
        let meta = full.symlink_metadata()?;
        append_entry(builder, &full, &path, &meta)?;
        if meta.is_dir() {
            walk(builder, &full, &path, skip)?;
        }
    }
    Ok(())
}

/// Appends one file, directory or symlink with a normalised header.
pub fn append_entry<W: Write>(
    builder: &mut tar::Builder<W>,
    full: &Path,
    rel: &str,
    meta: &std::fs::Metadata,
) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    header.set_uid(0);
    header.set_gid(0);
    let _ = header.set_username("");
    let _ = header.set_groupname("");
    header.set_mtime(meta.mtime().max(0) as u64);
    let ft = meta.file_type();
    if ft.is_dir() {
        header.set_size(0);
        builder.append_data(&mut header, format!("{rel}/"), io::empty())
    } else if ft.is_symlink() {
        let target = std::fs::read_link(full)?;
        header.set_size(0);
        builder.append_link(&mut header, rel, target)
    } else if ft.is_file() {
        let f = std::fs::File::open(full)?;
        builder.append_data(&mut header, rel, f)
    } else {
        // Sockets, fifos and devices are not sent (docker skips them too).
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_tar_is_sorted_and_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/x.txt"), "x").unwrap();
        std::fs::write(dir.path().join("a.txt"), "hello").unwrap();
        std::fs::write(dir.path().join("skip.me"), "no").unwrap();
        std::os::unix::fs::symlink("a.txt", dir.path().join("link")).unwrap();
        let mut buf = Vec::new();
        write_dir_tar(dir.path(), &|p| p == "skip.me", &mut buf).unwrap();
        let mut ar = tar::Archive::new(&buf[..]);
        let mut names = Vec::new();
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().uid().unwrap(), 0);
            assert_eq!(e.header().username().unwrap(), Some(""));
            names.push(e.path().unwrap().to_string_lossy().into_owned());
        }
        assert_eq!(names, ["a.txt", "b/", "b/c/", "b/c/x.txt", "link"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streamed_body_carries_every_byte() {
        use futures_util::StreamExt;
        let sent = SentCounter::default();
        let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let expected = payload.clone();
        let body = stream_body(
            Box::new(move |w: &mut dyn Write| w.write_all(&payload)),
            sent.clone(),
        );
        let chunks: Vec<Bytes> = body.map(|c| c.unwrap()).collect().await;
        assert!(chunks.len() > 1, "streamed in chunks");
        let got: Vec<u8> = chunks.concat();
        assert_eq!(got.len(), expected.len());
        assert!(got[..] == expected[..]);
        assert_eq!(sent.get(), expected.len() as u64);
    }
}
