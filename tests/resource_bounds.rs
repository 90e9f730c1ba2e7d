//! Peak memory of `check` on hostile Dockerfiles, measured here by a
//! counting allocator (never time): linear in the number of distinct
//! ENV/ARG names.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use buildlint::lint::config::Settings;
use buildlint::lint::context_view::MemoryContext;
use buildlint::lint::driver::lint_bytes;
use buildlint::lint::semantic::NoImages;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: the tests of this binary share the counters.
static MEASURING: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated at the peak of `check` on `text`, above what was live
/// before.
fn peak_of_check(text: String) -> usize {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let context = MemoryContext::new();
    let (_, findings, df) = lint_bytes(
        Path::new("Dockerfile"),
        text.into_bytes(),
        &context,
        true,
        &Settings::default(),
        &BTreeMap::new(),
        None,
        None,
        &NoImages,
    );
    assert!(df.is_some(), "parsed");
    drop(findings);
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn memory_is_linear_in_distinct_env_and_arg_names() {
    let file = |names: usize| {
        let mut t = String::from("FROM scratch\n");
        for i in 0..names / 2 {
            t.push_str(&format!("ENV E{i}=v{i}\n"));
        }
        for i in 0..names / 2 {
            t.push_str(&format!("ARG a{i}=x\nRUN echo $E1 $a{i}\n"));
        }
        t
    };
    let small = file(10_000);
    let large = file(100_000);
    let (small_len, large_len) = (small.len(), large.len());
    let small_peak = peak_of_check(small);
    let large_peak = peak_of_check(large);
    // Quadratic growth would make 10x the names cost 100x the memory (the
    // copy of every name per instruction took 8 GB at 10,000 names).
    let ratio = large_peak as f64 / small_peak as f64;
    eprintln!("peak {small_peak} B for {small_len} B; {large_peak} B for {large_len} B");
    assert!(
        ratio < 20.0,
        "10x the names took {ratio:.1}x the memory ({small_peak} -> {large_peak} bytes)"
    );
    assert!(
        large_peak < 400 * large_len,
        "{large_peak} bytes at the peak for a {large_len}-byte file ({small_len} bytes: {small_peak})"
    );
}

/// A long run of continuation lines (one huge RUN): peak memory stays a
/// small multiple of the file (it was 120 times: a 50 MB file took 6 GB).
#[test]
fn memory_is_bounded_on_long_continuation_runs() {
    let mut text = String::from("FROM scratch\nRUN echo x \\\n");
    while text.len() < 8 << 20 {
        text.push_str("echo x \\\n");
    }
    text.push_str("echo end\n");
    let len = text.len();
    let peak = peak_of_check(text);
    eprintln!("peak {peak} B for a {len}-byte run of continuation lines");
    assert!(
        peak < 16 * len,
        "{peak} bytes at the peak for a {len}-byte file"
    );
}
