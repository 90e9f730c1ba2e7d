//! Links the buildlint binary for Linux with glibc as a position-dependent
//! executable (`-no-pie`).
//!
//! Why: a position-independent executable is relocated by the dynamic loader
//! at every start. Ours carries about 42,000 relative relocations (vtables,
//! panic locations, static string tables): 1 MB of relocation records read
//! and some 170 pages of read-only data copied on write before `main`, a
//! quarter of the run time of `check` on one file (2.9 ms against 2.1 ms for
//! the 4-line seed, measured with hyperfine). A hook run at every commit and
//! an editor's save pay that each time. The loader, the shared libraries,
//! the heap and the stack stay randomised; only the binary's own addresses
//! are fixed, as in Go's default build on Linux.
//!
//! `BUILDLINT_PIE=1` keeps the default position-independent link (for a
//! distribution that requires it). A static build (`crt-static`, see
//! docs/distribution.md) is left as the toolchain makes it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BUILDLINT_PIE");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    let wanted_pie = !var("BUILDLINT_PIE").is_empty() && var("BUILDLINT_PIE") != "0";
    if var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && !static_crt
        && !wanted_pie
    {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
