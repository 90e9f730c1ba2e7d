//! The deepest input each front end accepts goes through the whole of
//! `check` (parse, evaluate, every default rule, and dropping it all) on a
//! worker thread of a tokio runtime, where `build` does its work: a 2 MiB
//! stack. A recursion that overflows there aborts this test's process.
//! `cargo bench --bench stack_depth` measures how much of that stack the
//! same inputs use.

use std::path::Path;

#[path = "../bench/common/deep.rs"]
mod deep;

use deep::FORMS;

/// Runs `check` on `file` in a task on a worker of a multi-threaded runtime
/// with tokio's default worker stack.
fn check_on_a_worker(file: &Path) -> (u8, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let path = file.to_str().unwrap().to_string();
    let (code, out, err) = rt.block_on(async move {
        tokio::spawn(async move {
            // Prove this runs on a worker thread, not on the caller's.
            assert!(std::thread::current()
                .name()
                .is_some_and(|n| n.contains("tokio-rt-worker")));
            buildlint::cli::run_captured(&["check", "--format", "compact", &path])
        })
        .await
        .unwrap()
    });
    (code, format!("{out}{err}"))
}

#[test]
fn the_deepest_accepted_input_of_each_form_passes_on_a_worker_thread() {
    let dir = tempfile::tempdir().unwrap();
    for form in FORMS {
        let depth = form.limit();
        let file = dir.path().join(form.file_name());
        std::fs::write(&file, form.text(depth)).unwrap();
        let (code, output) = check_on_a_worker(&file);
        // Accepted: no refusal of the depth (findings about the content are
        // fine: the inputs are not good files).
        assert!(code <= 2, "{form:?} at {depth}: exit {code}\n{output}");
        assert_ne!(
            form.refused(&output),
            Some(true),
            "{form:?} at {depth} levels is refused:\n{output}"
        );
        // One level more is refused with an error (where `check` refuses
        // it), never an overflow.
        std::fs::write(&file, form.text(depth + 1)).unwrap();
        let (code, output) = check_on_a_worker(&file);
        assert!(code <= 2, "{form:?} at {}: exit {code}", depth + 1);
        assert_ne!(
            form.refused(&output),
            Some(false),
            "{form:?} at {} levels is not refused:\n{output}",
            depth + 1
        );
    }
}
