//! Any bytes: the Dockerfile parser returns an IR or an error, never panics,
//! and every span of the IR lies inside the input. The dump and the JSON
//! form of the IR must not panic either.
#![no_main]

use buildlint::dockerfile::{self, Args, Dockerfile, Instruction};
use buildlint::span::Span;
use libfuzzer_sys::fuzz_target;

fn ok(df: &Dockerfile, s: Span) {
    let src = &df.source;
    assert!(s.start <= s.end && (s.end as usize) <= src.len());
    assert!(src.is_char_boundary(s.start as usize) && src.is_char_boundary(s.end as usize));
}

fn check(df: &Dockerfile, inst: &Instruction) {
    ok(df, inst.span);
    ok(df, inst.keyword_span);
    for f in &inst.flags {
        ok(df, f.span);
        ok(df, f.name_span);
    }
    for h in &inst.heredocs {
        ok(df, h.marker_span);
        ok(df, h.body_span);
        ok(df, h.terminator_span);
    }
    for lt in [&inst.rest, &inst.line] {
        let src = df.source.as_bytes();
        for (i, b) in lt.text.bytes().enumerate() {
            assert_eq!(src[lt.to_file(i as u32) as usize], b);
        }
    }
    if let Args::Onbuild(inner) = &inst.args {
        check(df, inner);
    }
}

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u32;
    match dockerfile::parse_bytes(data.to_vec()) {
        Err(e) => assert!(e.span.start <= e.span.end && e.span.end <= len + 3),
        Ok(df) => {
            for inst in &df.instructions {
                check(&df, inst);
            }
            let _ = dockerfile::dump::buildkit(&df);
            let _ = serde_json::to_string(&df);
        }
    }
});
