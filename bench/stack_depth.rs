//! How much stack `check` needs on the deepest input each front end
//! accepts, against the 2 MiB of a tokio worker (where `build` works) and of
//! the threads rayon and `std` start. For each form and for a quarter, half
//! and all of its nesting limit, the smallest stack that runs `check` to the
//! end is found by bisection, each try in a child process whose threads all
//! get that stack (`RUST_MIN_STACK` and the checking thread's own size): an
//! overflow aborts the child, not the bench. The growth per level then says
//! at what depth a 2 MiB stack would overflow, were the limit not there.
//!
//! Run: `cargo bench --bench stack_depth` (a release build).

#[path = "common/deep.rs"]
mod deep;

use std::process::{Command, Stdio};

use deep::{Form, FORMS};

const WORKER_STACK: usize = 2 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("probe") {
        probe(&args[2], args[3].parse().unwrap());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    println!(
        "| form | limit | stack at 1/4, 1/2, all of it (KiB) | per level (bytes) | overflow of 2 MiB at about |"
    );
    println!("|---|---|---|---|---|");
    for form in FORMS {
        let limit = form.limit();
        let depths = [limit / 4, limit / 2, limit];
        let needs: Vec<usize> = depths
            .iter()
            .map(|&d| smallest_stack(dir.path(), form, d))
            .collect();
        let per_level = (needs[2].saturating_sub(needs[1])) as f64 / (depths[2] - depths[1]) as f64;
        let overflow = if per_level < 1.0 {
            "no growth measured".to_string()
        } else {
            format!(
                "{:.0} levels",
                depths[2] as f64 + (WORKER_STACK - needs[2].min(WORKER_STACK)) as f64 / per_level
            )
        };
        println!(
            "| {form:?} | {limit} | {} | {per_level:.0} | {overflow} |",
            needs
                .iter()
                .map(|n| format!("{}", n / 1024))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// The smallest stack (to 4 KiB) on which `check` finishes `form` at
/// `depth`.
fn smallest_stack(dir: &std::path::Path, form: Form, depth: usize) -> usize {
    let file = dir.join(format!("{form:?}-{depth}")).join(form.file_name());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, form.text(depth)).unwrap();
    let runs = |stack: usize| {
        Command::new(std::env::current_exe().unwrap())
            .args(["probe", file.to_str().unwrap(), &stack.to_string()])
            .env("RUST_MIN_STACK", stack.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let (mut low, mut high) = (16 << 10, 64 << 20);
    assert!(runs(high), "{form:?} at {depth} fails even on 64 MiB");
    while high - low > 4 << 10 {
        let mid = (low + high) / 2;
        if runs(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

/// In the child: `check` on a thread of `stack` bytes; exit 0 when it ends.
fn probe(file: &str, stack: usize) {
    let file = file.to_string();
    let code = std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || buildlint::cli::run_captured(&["check", "--format", "compact", &file]).0)
        .unwrap()
        .join()
        .unwrap();
    std::process::exit(if code <= 2 { 0 } else { 3 });
}
