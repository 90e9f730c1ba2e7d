//! Parser tests on hand-written snippets: spans, continuations, heredocs.

use crate::dockerfile::*;

fn p(src: &str) -> Dockerfile {
    parse(src.to_string()).unwrap_or_else(|e| panic!("{e} at {:?}\n{src}", e.span))
}

fn err(src: &str) -> ParseError {
    parse(src.to_string()).expect_err("should not parse")
}

fn at(df: &Dockerfile, span: crate::span::Span) -> &str {
    span.slice(&df.source)
}

#[test]
fn from_with_alias_and_platform() {
    let df = p("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n");
    assert_eq!(df.stages.len(), 2);
    let from = &df.instructions[0];
    assert_eq!(at(&df, from.keyword_span), "FROM");
    let f = &from.flags[0];
    assert_eq!(f.name, "platform");
    assert_eq!(at(&df, f.name_span), "platform");
    assert_eq!(at(&df, f.value.as_ref().unwrap().span), "$BUILDPLATFORM");
    assert_eq!(at(&df, f.span), "--platform=$BUILDPLATFORM");
    let Args::From(a) = &from.args else { panic!() };
    assert_eq!(at(&df, a.image.span), "golang:1.22");
    assert_eq!(a.alias.as_ref().unwrap().raw, "build");
    assert_eq!(df.stages[0].name.as_ref().unwrap().raw, "build");
    assert_eq!((df.stages[0].from, df.stages[0].end), (0, 2));
    assert_eq!((df.stages[1].from, df.stages[1].end), (2, 4));
    assert_eq!(df.instructions[3].stage, Some(1));
    assert_eq!(
        at(&df, from.span),
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build"
    );
}

#[test]
fn continuation_with_comments_and_empty_lines() {
    let src = "FROM a\nRUN apt-get update \\\n  # a comment\n\n    && apt-get install -y \\\n      curl\nCMD x\n";
    let df = p(src);
    let run = &df.instructions[1];
    let Args::Run(CommandForm::Shell(lt)) = &run.args else {
        panic!()
    };
    assert_eq!(
        lt.text,
        "apt-get update     && apt-get install -y       curl"
    );
    let curl = lt.text.find("curl").unwrap() as u32;
    assert_eq!(at(&df, lt.span(curl, curl + 4)), "curl");
    let and = lt.text.find("&&").unwrap() as u32;
    assert_eq!(at(&df, lt.span(and, and + 2)), "&&");
    assert!(at(&df, run.span).starts_with("RUN apt-get"));
    assert!(at(&df, run.span).ends_with("curl"));
    assert_eq!(df.comments.len(), 1);
    assert!(df.comments[0].in_continuation);
    assert_eq!(df.comments[0].text, "a comment");
    assert_eq!(at(&df, df.comments[0].span), "# a comment");
    assert_eq!(df.empty_continuation_lines.len(), 1);
    assert_eq!(
        df.lines
            .line_col(src, df.empty_continuation_lines[0].start)
            .line,
        4
    );
}

#[test]
fn directives_and_backtick_escape() {
    let df = p(
        "# syntax=docker/dockerfile:1\n# ESCAPE = `\n# check=skip=all\nFROM a\nRUN echo a `\n  b\n",
    );
    assert_eq!(df.escape, '`');
    let names: Vec<_> = df
        .directives
        .iter()
        .map(|d| (d.name.as_str(), d.value.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("syntax", "docker/dockerfile:1"),
            ("escape", "`"),
            ("check", "skip=all")
        ]
    );
    assert_eq!(at(&df, df.directives[1].name_span), "ESCAPE");
    let Args::Run(CommandForm::Shell(lt)) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(lt.text, "echo a   b");
    assert!(df.comments.is_empty());
    // A directive after a comment is a comment.
    let df = p("# hello\n# escape=`\nFROM a\n");
    assert_eq!(df.escape, '\\');
    assert_eq!(df.comments.len(), 2);
    assert!(err("# escape=`\n# escape=\\\nFROM a\n")
        .message
        .contains("only one escape"));
    assert!(err("# escape=x\nFROM a\n")
        .message
        .contains("invalid escape token"));
}

#[test]
fn heredocs() {
    let src = "FROM a\nRUN python3 <<EOF\nprint(1)\nEOF\nCOPY <<-\"A\" <<B /dir/\n\tone\n\tA\ntwo\nB\nRUN cat <<X > /f && cat <<Y\nx\nX\ny\nY\n";
    let df = p(src);
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    let h = &run.heredocs[0];
    assert_eq!(
        (h.name.as_str(), h.content.as_str(), h.expand),
        ("EOF", "print(1)\n", true)
    );
    assert_eq!(at(&df, h.marker_span), "<<EOF");
    assert_eq!(at(&df, h.body_span), "print(1)\n");
    assert_eq!(at(&df, h.terminator_span), "EOF");
    assert!(at(&df, run.span).ends_with("print(1)\nEOF"));
    let copy = &df.instructions[2];
    let Args::Copy(c) = &copy.args else { panic!() };
    assert!(c.sources.is_empty());
    assert_eq!(c.dest.as_ref().unwrap().raw, "/dir/");
    assert_eq!(copy.heredocs.len(), 2);
    assert_eq!(copy.heredocs[0].content, "one\n");
    assert!(copy.heredocs[0].strip_tabs && !copy.heredocs[0].expand);
    assert_eq!(at(&df, copy.heredocs[0].terminator_span), "A");
    assert_eq!(copy.heredocs[1].content, "two\n");
    let run2 = &df.instructions[3];
    assert_eq!(
        run2.heredocs
            .iter()
            .map(|h| h.content.as_str())
            .collect::<Vec<_>>(),
        vec!["x\n", "y\n"]
    );
    assert_eq!(df.instructions.len(), 4);
    let e = err("FROM a\nRUN <<EOF\nhello\n");
    assert_eq!(e.message, "unterminated heredoc");
    assert_eq!(&src[0..0], "");
}

#[test]
fn onbuild_trigger_is_nested_with_real_spans() {
    let src = "FROM a\nONBUILD RUN --mount=type=cache,target=/c make \\\n  all\nONBUILD COPY <<EOF /x\nhi\nEOF\n";
    let df = p(src);
    let ob = &df.instructions[1];
    let Args::Onbuild(inner) = &ob.args else {
        panic!()
    };
    assert_eq!(inner.kind, Kind::Run);
    assert_eq!(at(&df, inner.keyword_span), "RUN");
    assert_eq!(at(&df, inner.flags[0].span), "--mount=type=cache,target=/c");
    let Args::Run(CommandForm::Shell(lt)) = &inner.args else {
        panic!()
    };
    assert_eq!(lt.text, "make   all");
    assert_eq!(at(&df, lt.span(7, 10)), "all");
    assert_eq!(ob.effective().kind, Kind::Run);
    let ob2 = &df.instructions[2];
    assert_eq!(ob2.effective().heredocs.len(), 1);
    assert!(at(&df, ob2.span).ends_with("EOF"));
}

#[test]
fn exec_form_and_fallback() {
    let df = p("FROM a\nCMD [ \"echo\", \"a b\" ]\nENTRYPOINT ['sh']\nSHELL [\"pwsh\", \"-c\"]\nRUN [\"a\"] b\n");
    let Args::Cmd(CommandForm::Exec { args, span }) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(
        args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
        vec!["echo", "a b"]
    );
    assert_eq!(at(&df, args[1].span), "\"a b\"");
    assert_eq!(at(&df, *span), "[ \"echo\", \"a b\" ]");
    assert!(
        matches!(&df.instructions[2].args, Args::Entrypoint(CommandForm::Shell(t)) if t.text == "['sh']")
    );
    assert!(matches!(&df.instructions[3].args, Args::Shell(a) if a.len() == 2));
    assert!(matches!(
        &df.instructions[4].args,
        Args::Run(CommandForm::Shell(_))
    ));
    let e = err("CMD [ \"echo\", [ \"nested json\" ] ]\n");
    assert!(e.message.contains("strings only"));
}

#[test]
fn env_label_arg() {
    let df =
        p("ARG A B=2 C=\"x y\"\nFROM a\nENV K=\"v 1\" L=2\nENV LEGACY some value\nLABEL a.b=c\n");
    let Args::Arg(decls) = &df.instructions[0].args else {
        panic!()
    };
    assert_eq!(decls.len(), 3);
    assert!(decls[0].default.is_none());
    assert_eq!(at(&df, decls[2].default.as_ref().unwrap().span), "\"x y\"");
    assert_eq!(df.instructions[0].stage, None);
    let Args::Env(kv) = &df.instructions[2].args else {
        panic!()
    };
    assert_eq!(at(&df, kv[0].key.span), "K");
    assert_eq!(at(&df, kv[0].value.span), "\"v 1\"");
    assert_eq!(at(&df, kv[1].span), "L=2");
    let Args::Env(kv) = &df.instructions[3].args else {
        panic!()
    };
    assert!(kv[0].legacy);
    assert_eq!(kv[0].value.raw, "some value");
    assert!(err("FROM a\nENV PATH\n").message.contains("two arguments"));
    assert!(err("FROM a\nENV A=1 B\n").message.contains("can't find ="));
}

#[test]
fn crlf_bom_and_case() {
    let src = "\u{feff}from a\r\nrun echo \\\r\n  hi\r\nHealthCheck --interval=5s CMD curl x\r\n";
    let df = p(src);
    assert_eq!(at(&df, df.instructions[0].keyword_span), "from");
    assert_eq!(df.instructions[0].keyword_span.start, 3);
    let Args::Run(CommandForm::Shell(lt)) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(lt.text, "echo   hi");
    assert_eq!(at(&df, df.instructions[1].span), "run echo \\\r\n  hi");
    let Args::Healthcheck(HealthcheckArgs::Cmd {
        keyword,
        command: CommandForm::Shell(c),
    }) = &df.instructions[2].args
    else {
        panic!()
    };
    assert_eq!(at(&df, *keyword), "CMD");
    assert_eq!(c.text, "curl x");
}

#[test]
fn errors_have_positions() {
    let e = err("");
    assert_eq!(e.message, "file with no instructions");
    let e = err("# only\n\n# comments\n");
    assert_eq!(e.message, "file with no instructions");
    let long = format!("FROM a\nRUN {}\n", "x".repeat(70_000));
    let e = err(&long);
    assert!(e.message.contains("65535"));
    assert!(parse_bytes(b"FROM a\n\xff\n".to_vec()).is_err());
}
