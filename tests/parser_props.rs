//! Properties of the Dockerfile parser on arbitrary input: it never panics,
//! every span lies inside the file on character boundaries, and the logical
//! text of every instruction maps back byte for byte onto the file.

use buildlint::dockerfile::{self, Args, Dockerfile, Instruction, LogicalText};
use buildlint::span::Span;
use proptest::prelude::*;

fn check_span(df: &Dockerfile, s: Span, what: &str) {
    let src = &df.source;
    assert!(s.start <= s.end, "{what}: inverted span {s:?}");
    assert!(
        s.end as usize <= src.len(),
        "{what}: span {s:?} past the end ({})",
        src.len()
    );
    assert!(
        src.is_char_boundary(s.start as usize) && src.is_char_boundary(s.end as usize),
        "{what}: {s:?} splits a character"
    );
}

fn check_logical(df: &Dockerfile, lt: &LogicalText, what: &str) {
    let src = df.source.as_bytes();
    for (i, b) in lt.text.bytes().enumerate() {
        let f = lt.to_file(i as u32) as usize;
        assert!(f < src.len(), "{what}: logical {i} maps past the end");
        assert_eq!(
            src[f], b,
            "{what}: logical byte {i} of {:?} maps to a different file byte",
            lt.text
        );
    }
    if !lt.text.is_empty() {
        check_span(df, lt.span(0, lt.text.len() as u32), what);
    }
}

fn check_instruction(df: &Dockerfile, inst: &Instruction) {
    check_span(df, inst.span, "instruction");
    check_span(df, inst.keyword_span, "keyword");
    assert!(inst.span.contains(inst.keyword_span) || inst.keyword_span.is_empty());
    check_logical(df, &inst.rest, "rest");
    check_logical(df, &inst.line, "line");
    for f in &inst.flags {
        check_span(df, f.span, "flag");
        check_span(df, f.name_span, "flag name");
        if let Some(v) = &f.value {
            check_span(df, v.span, "flag value");
        }
    }
    for h in &inst.heredocs {
        for s in [h.marker_span, h.body_span, h.terminator_span] {
            check_span(df, s, "heredoc");
        }
        assert!(
            h.marker_span.end <= h.body_span.start && h.body_span.end <= h.terminator_span.start
        );
    }
    if let Args::Onbuild(inner) = &inst.args {
        check_instruction(df, inner);
        assert!(inst.span.contains(inner.keyword_span));
    }
}

fn check(bytes: Vec<u8>) {
    let len = bytes.len() as u32;
    match dockerfile::parse_bytes(bytes) {
        Err(e) => assert!(
            e.span.start <= e.span.end && e.span.end <= len + 3,
            "error span {:?} outside the file",
            e.span
        ),
        Ok(df) => {
            assert!(!df.instructions.is_empty());
            let mut prev_end = 0;
            for inst in &df.instructions {
                check_instruction(&df, inst);
                assert!(inst.span.start >= prev_end, "instructions overlap");
                prev_end = inst.span.end;
            }
            for c in &df.comments {
                check_span(&df, c.span, "comment");
            }
            for s in &df.empty_continuation_lines {
                check_span(&df, *s, "empty continuation line");
            }
            for (i, st) in df.stages.iter().enumerate() {
                assert_eq!(st.index, i);
                assert!(st.from < st.end && st.end <= df.instructions.len());
                assert!(df.instructions[st.from..st.end]
                    .iter()
                    .all(|x| x.stage == Some(i)));
            }
            let _ = dockerfile::dump::buildkit(&df);
            serde_json::to_string(&df).unwrap();
        }
    }
}

/// Dockerfile-ish text: the pieces the parser cares about.
fn dockerfile_like() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "FROM",
        "RUN",
        "CMD",
        "ENV",
        "LABEL",
        "ARG",
        "COPY",
        "ADD",
        "ONBUILD",
        "HEALTHCHECK",
        "SHELL",
        "EXPOSE",
        "VOLUME",
        "USER",
        "WORKDIR",
        "MAINTAINER",
        "STOPSIGNAL",
        "run",
        "X",
        " ",
        " ",
        "\t",
        "\n",
        "\n",
        "\\\n",
        "\\",
        "`",
        "#",
        "# c\n",
        "# escape=`\n",
        "# syntax=x\n",
        "\"",
        "'",
        "=",
        "a",
        "b=c",
        "--x",
        "--y=z",
        "--",
        "[",
        "]",
        ",",
        "\"s\"",
        "<<",
        "<<EOF",
        "<<-EOF",
        "EOF",
        "\tEOF",
        "3<<'Q'",
        "Q",
        "$",
        "${",
        "}",
        "{",
        ":",
        "-",
        "\r\n",
        "\r",
        "\u{feff}",
        "é",
        "\u{a0}",
        "\u{2028}",
        "AS",
        "NONE",
        "1",
        "\0",
        "[\"a\", [1]]",
        "\\u00",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(bytes);
    }

    #[test]
    fn dockerfile_like_text_keeps_its_invariants(text in dockerfile_like()) {
        check(text.into_bytes());
    }

    #[test]
    fn prefixed_with_from_keeps_its_invariants(text in dockerfile_like()) {
        check(format!("FROM a AS b\n{text}\nRUN x").into_bytes());
    }
}

/// Inputs built to hit deep nesting or many repeats: each must finish (no
/// stack overflow, no quadratic blow-up) with an IR or an error.
#[test]
fn hostile_inputs_finish() {
    let cases: Vec<String> = vec![
        format!("CMD {}", "[".repeat(60_000)),
        format!("CMD {}{}", "[".repeat(20_000), "]".repeat(20_000)),
        format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(8_000)),
        format!("FROM a\nRUN {}\n", "<<A ".repeat(10_000)) + &"A\n".repeat(10_000),
        format!("FROM a\nRUN {}\n", "${".repeat(30_000)),
        format!(
            "FROM a\nRUN <<{}{}\n",
            "${a:-\"".repeat(10_000),
            "\"}".repeat(10_000)
        ),
        format!(
            "FROM a\n{}",
            format!("RUN <<{}{}\n", "${a:-".repeat(12_000), "}".repeat(12_000)).repeat(20)
        ),
        format!("FROM a\nRUN x {}\n", "\\\n".repeat(100_000)),
        format!("FROM a\nENV {}\n", "a=\"b\" ".repeat(10_000)),
        format!("FROM a\nRUN {}x\n", "--f=\"\\\" ".repeat(8_000)),
        "\\\n".repeat(50_000),
        "#\n".repeat(100_000),
        format!("FROM a\nRUN <<EOF\n{}", "x\n".repeat(100_000)),
        format!("FROM a\nCOPY {} /\n", "\"".repeat(60_000)),
    ];
    for c in cases {
        check(c.into_bytes());
    }
}
