//! Peak memory of `check` (parse and every default rule) against file size,
//! for the shapes hostile input takes: many distinct ENV/ARG names, one long
//! run of continuation lines, and many short instructions. Prints the peak
//! heap (a counting allocator in this process) per input byte, and its ratio
//! to the anchor: the same bytes held as one `String`. A shape whose ratio
//! grows with the size is not linear.
//!
//! Run: `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use buildlint::lint::config::Settings;
use buildlint::lint::context_view::MemoryContext;
use buildlint::lint::driver::lint_bytes;
use buildlint::lint::semantic::NoImages;

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

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

fn peak(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

fn check(text: &str) {
    let (_, findings, _) = lint_bytes(
        Path::new("Dockerfile"),
        text.as_bytes().to_vec(),
        &MemoryContext::new(),
        true,
        &Settings::default(),
        &BTreeMap::new(),
        None,
        None,
        &NoImages,
    );
    drop(findings);
}

fn names(size: usize) -> String {
    let mut t = String::from("FROM scratch\n");
    let mut i = 0;
    while t.len() < size {
        t.push_str(&format!("ENV E{i}=v{i}\nARG a{i}=x\n"));
        i += 1;
    }
    t + "RUN echo $E1\n"
}

fn continuation(size: usize) -> String {
    let mut t = String::from("FROM scratch\nRUN echo x \\\n");
    while t.len() < size {
        t.push_str("echo x \\\n");
    }
    t + "echo end\n"
}

fn instructions(size: usize) -> String {
    let mut t = String::from("FROM scratch\n");
    let mut i = 0;
    while t.len() < size {
        t.push_str(&format!("RUN apt-get install -y pkg{i}\nCOPY f{i} /f{i}\n"));
        i += 1;
    }
    t
}

/// A generator of a Dockerfile of about the given size.
type Shape = fn(usize) -> String;

fn main() {
    println!(
        "{:<14} {:>9} {:>12} {:>10} {:>8}",
        "shape", "size", "peak", "B/B", "vs anchor"
    );
    let shapes: [(&str, Shape); 3] = [
        ("names", names),
        ("continuation", continuation),
        ("instructions", instructions),
    ];
    for (name, make) in shapes {
        for mb in [1usize, 2, 4, 8] {
            let text = make(mb << 20);
            let anchor = peak(|| drop(std::hint::black_box(text.clone())));
            let p = peak(|| check(&text));
            println!(
                "{name:<14} {:>7}MB {:>10}KB {:>10.1} {:>8.1}x",
                mb,
                p >> 10,
                p as f64 / text.len() as f64,
                p as f64 / anchor as f64
            );
        }
    }
}
