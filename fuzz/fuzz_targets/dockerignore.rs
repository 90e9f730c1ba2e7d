//! Any bytes as a `.dockerignore`, and generated nested ones: parsing gives
//! patterns or an error, and matching paths (some taken from the input)
//! never panics.
#![no_main]

use buildlint::context::IgnoreFile;
use libfuzzer_sys::fuzz_target;

#[path = "nested.rs"]
mod nested;

fuzz_target!(|data: &[u8]| {
    let text = match nested::shape(data) {
        Some((depth, width, leaf)) => nested::dockerignore(depth, width, &leaf),
        None => String::from_utf8_lossy(data).into_owned(),
    };
    let Ok(ignore) = IgnoreFile::parse(&text) else {
        return;
    };
    let mut paths: Vec<String> = vec!["a".into(), "a/b/c".into(), ".git/x".into(), "Dockerfile".into()];
    paths.extend(text.lines().take(8).map(|l| l.trim_start_matches('!').replace('*', "x")));
    for p in &paths {
        let d = ignore.decide(p);
        if d.excluded {
            let _ = ignore.could_reinclude_below(p);
        }
    }
});
