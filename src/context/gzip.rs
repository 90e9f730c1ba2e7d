//! Parallel gzip in the manner of pigz: the input is cut into fixed blocks,
//! each block is deflated on a worker thread (with the previous 32 KiB as
//! its dictionary, so the ratio stays close to a single stream) and ends with
//! a sync flush; the blocks are written in order between one gzip header and
//! trailer. The output depends only on the input, the level and the block
//! size, never on the number of threads or on timing.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver, Sender};
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

const BLOCK: usize = 128 * 1024;
const DICT: usize = 32 * 1024;

struct Job {
    seq: u64,
    data: Vec<u8>,
    dict: Vec<u8>,
    last: bool,
}

struct Done {
    seq: u64,
    out: io::Result<Vec<u8>>,
    crc: Crc,
}

/// A gzip writer that compresses on `threads` worker threads.
pub struct ParallelGzip<W: Write> {
    inner: Option<W>,
    level: u32,
    buf: Vec<u8>,
    tail: Vec<u8>,
    next_seq: u64,
    next_write: u64,
    pending: BTreeMap<u64, Done>,
    in_flight: usize,
    max_in_flight: usize,
    jobs: Option<Sender<Job>>,
    done: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    crc: Crc,
    header_written: bool,
    finished: bool,
}

impl<W: Write> ParallelGzip<W> {
    /// `level` 0–9; `threads` ≥ 1.
    pub fn new(inner: W, level: u32, threads: usize) -> ParallelGzip<W> {
        let threads = threads.max(1);
        let max_in_flight = threads * 2 + 2;
        let (job_tx, job_rx) = bounded::<Job>(max_in_flight);
        let (done_tx, done_rx) = bounded::<Done>(max_in_flight);
        let workers = (0..threads)
            .map(|_| {
                let rx = job_rx.clone();
                let tx = done_tx.clone();
                std::thread::spawn(move || worker(rx, tx, level))
            })
            .collect();
        ParallelGzip {
            inner: Some(inner),
            level,
            buf: Vec::with_capacity(BLOCK),
            tail: Vec::new(),
            next_seq: 0,
            next_write: 0,
            pending: BTreeMap::new(),
            in_flight: 0,
            max_in_flight,
            jobs: Some(job_tx),
            done: done_rx,
            workers,
            crc: Crc::new(),
            header_written: false,
            finished: false,
        }
    }

    fn inner(&mut self) -> &mut W {
        self.inner.as_mut().expect("gzip writer used after finish")
    }

    fn write_header(&mut self) -> io::Result<()> {
        if self.header_written {
            return Ok(());
        }
        self.header_written = true;
        // No name, mtime 0, XFL: 4 = fastest, 2 = best, OS: 3 = Unix.
        let xfl = match self.level {
            0 | 1 => 4,
            9 => 2,
            _ => 0,
        };
        let header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3];
        self.inner().write_all(&header)
    }

    fn submit(&mut self, last: bool) -> io::Result<()> {
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        let dict = std::mem::take(&mut self.tail);
        // The next block's dictionary: the last 32 KiB seen.
        let keep = data.len().min(DICT);
        let mut tail = Vec::with_capacity(DICT);
        if keep < DICT {
            let from_dict = (DICT - keep).min(dict.len());
            tail.extend_from_slice(&dict[dict.len() - from_dict..]);
        }
        tail.extend_from_slice(&data[data.len() - keep..]);
        self.tail = tail;
        while self.in_flight >= self.max_in_flight {
            self.collect_one()?;
        }
        let job = Job {
            seq: self.next_seq,
            data,
            dict,
            last,
        };
        self.next_seq += 1;
        self.in_flight += 1;
        self.jobs
            .as_ref()
            .expect("jobs channel open")
            .send(job)
            .map_err(|_| io::Error::other("a compression thread stopped"))?;
        self.drain_ready()
    }

    fn collect_one(&mut self) -> io::Result<()> {
        let done = self
            .done
            .recv()
            .map_err(|_| io::Error::other("a compression thread stopped"))?;
        self.in_flight -= 1;
        self.pending.insert(done.seq, done);
        self.write_ready()
    }

    fn drain_ready(&mut self) -> io::Result<()> {
        while let Ok(done) = self.done.try_recv() {
            self.in_flight -= 1;
            self.pending.insert(done.seq, done);
        }
        self.write_ready()
    }

    fn write_ready(&mut self) -> io::Result<()> {
        self.write_header()?;
        while let Some(done) = self.pending.remove(&self.next_write) {
            let bytes = done.out?;
            self.crc.combine(&done.crc);
            self.inner().write_all(&bytes)?;
            self.next_write += 1;
        }
        Ok(())
    }

    /// Writes the last block and the trailer, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.finish_inner()?;
        Ok(self.inner.take().expect("inner present"))
    }

    fn finish_inner(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.submit(true)?;
        while self.in_flight > 0 {
            self.collect_one()?;
        }
        self.write_ready()?;
        let crc = self.crc.sum();
        let size = self.crc.amount();
        let inner = self.inner();
        inner.write_all(&crc.to_le_bytes())?;
        inner.write_all(&size.to_le_bytes())?;
        inner.flush()?;
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        Ok(())
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let total = data.len();
        while !data.is_empty() {
            let room = BLOCK - self.buf.len();
            let take = room.min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == BLOCK {
                self.submit(false)?;
            }
        }
        Ok(total)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Blocks are cut at fixed sizes for determinism; flushing only
        // pushes out what is already compressed.
        self.drain_ready()?;
        self.inner().flush()
    }
}

impl<W: Write> Drop for ParallelGzip<W> {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(jobs: Receiver<Job>, done: Sender<Done>, level: u32) {
    for job in jobs {
        // A fresh compressor per block: the output must not depend on which
        // blocks a thread compressed before.
        let mut c = Compress::new(Compression::new(level), false);
        let mut crc = Crc::new();
        crc.update(&job.data);
        let out = deflate_block(&mut c, &job.data, &job.dict, job.last);
        if done
            .send(Done {
                seq: job.seq,
                out,
                crc,
            })
            .is_err()
        {
            return;
        }
    }
}

fn deflate_block(c: &mut Compress, data: &[u8], dict: &[u8], last: bool) -> io::Result<Vec<u8>> {
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut input = data;
    loop {
        if out.capacity() - out.len() < 64 * 1024 {
            out.reserve(64 * 1024);
        }
        let before_in = c.total_in();
        let status = c
            .compress_vec(input, &mut out, flush)
            .map_err(io::Error::other)?;
        let used = (c.total_in() - before_in) as usize;
        input = &input[used..];
        match status {
            Status::StreamEnd => break,
            _ if !last && input.is_empty() && out.capacity() > out.len() => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gz(data: &[u8], threads: usize) -> Vec<u8> {
        let mut w = ParallelGzip::new(Vec::new(), 1, threads);
        // Odd write sizes to cross block boundaries.
        for chunk in data.chunks(7777) {
            w.write_all(chunk).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn round_trips_and_is_deterministic() {
        let mut data = Vec::new();
        for i in 0..200_000u32 {
            data.extend_from_slice(format!("line {i} {}\n", i % 97).as_bytes());
        }
        let one = gz(&data, 1);
        let three = gz(&data, 3);
        assert_eq!(one, three, "thread count changed the bytes");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&one[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        // Close to one single-threaded stream at the same level.
        let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(1));
        single.write_all(&data).unwrap();
        let single = single.finish().unwrap();
        assert!(
            one.len() as f64 <= single.len() as f64 * 1.05,
            "parallel {} bytes, single stream {} bytes",
            one.len(),
            single.len()
        );
        // Empty input is a valid gzip stream too.
        let empty = gz(b"", 2);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&empty[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }
}
