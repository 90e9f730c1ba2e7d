//! Fix vectors: for every rule that can fix, inputs and the text the fix
//! engine makes of them with that rule alone (oxc's `fix` cases). Each
//! fixed text must parse and no longer fire the rule; a vector whose output
//! equals its input says the fix is (rightly) not offered there. Layouts
//! that fixes must keep (comments, continuation lines, CRLF, a BOM,
//! heredocs, ONBUILD, another escape character) are exercised here.

#![cfg(test)]

use std::collections::BTreeMap;
use std::path::Path;

use super::config::Settings;
use super::context_view::MemoryContext;
use super::driver::lint_bytes;
use super::engine::RuleSelection;
use super::finding::{Applicability, Finding};
use super::fix::{fix_file, is_parse_error};
use super::registry;
use super::rule::{Check, FixAvailability, Rule};

/// One vector: the rule (by code), context files (`path` or `path=content`;
/// a trailing `/` makes a directory), input, expected output, and whether
/// unsafe fixes are applied.
struct V {
    code: &'static str,
    files: &'static [&'static str],
    input: &'static str,
    output: &'static str,
    unsafe_: bool,
}

const fn safe(code: &'static str, input: &'static str, output: &'static str) -> V {
    V {
        code,
        files: &[],
        input,
        output,
        unsafe_: false,
    }
}

const fn unsafe_(code: &'static str, input: &'static str, output: &'static str) -> V {
    V {
        code,
        files: &[],
        input,
        output,
        unsafe_: true,
    }
}

const fn with_files(
    code: &'static str,
    files: &'static [&'static str],
    input: &'static str,
    output: &'static str,
) -> V {
    V {
        code,
        files,
        input,
        output,
        unsafe_: false,
    }
}

static VECTORS: &[V] = &[
    // BL0002 unused suppression: the name, or the whole comment.
    safe(
        "BL0002",
        "# buildlint ignore=BL1007\nFROM alpine:3.20\n",
        "FROM alpine:3.20\n",
    ),
    // BL1001 StageNameCasing: the stage and every reference to it.
    safe(
        "BL1001",
        "FROM alpine:3.20 AS Build\nRUN echo\nFROM Build AS next\nRUN --mount=from=Build,target=/x ls\nCOPY --from=Build /a /b\n",
        "FROM alpine:3.20 AS build\nRUN echo\nFROM build AS next\nRUN --mount=from=build,target=/x ls\nCOPY --from=build /a /b\n",
    ),
    safe(
        "BL1001",
        "FROM alpine:3.20 AS Base\r\nFROM Base\r\n",
        "FROM alpine:3.20 AS base\r\nFROM base\r\n",
    ),
    // BL1002 FromAsCasing.
    safe(
        "BL1002",
        "FROM alpine:3.20 as build\nFROM build AS x\n",
        "FROM alpine:3.20 AS build\nFROM build AS x\n",
    ),
    safe(
        "BL1002",
        "from alpine:3.20 AS build\n",
        "from alpine:3.20 as build\n",
    ),
    // BL1003 NoEmptyContinuation: the empty line goes, the comment stays.
    safe(
        "BL1003",
        "FROM alpine:3.20\nRUN apk add \\\n\n    # the tool\n    curl\n",
        "FROM alpine:3.20\nRUN apk add \\\n    # the tool\n    curl\n",
    ),
    // BL1004 ConsistentInstructionCasing: to the file's majority.
    safe(
        "BL1004",
        "FROM alpine:3.20\n# keep me\nrun echo a \\\n  && echo b\nCMD [\"sh\"]\n",
        "FROM alpine:3.20\n# keep me\nRUN echo a \\\n  && echo b\nCMD [\"sh\"]\n",
    ),
    safe(
        "BL1004",
        "\u{feff}from alpine:3.20\r\nrun echo\r\nCOPY a /b\r\n",
        "\u{feff}from alpine:3.20\r\nrun echo\r\ncopy a /b\r\n",
    ),
    // BL1009 JSONArgsRecommended: exec form, unsafe.
    unsafe_(
        "BL1009",
        "FROM nginx:1.27\nCMD nginx -g daemon\nENTRYPOINT my-app --flag\n",
        "FROM nginx:1.27\nCMD [\"nginx\", \"-g\", \"daemon\"]\nENTRYPOINT [\"my-app\", \"--flag\"]\n",
    ),
    // Shell syntax, or a comment inside the instruction: no fix.
    unsafe_(
        "BL1009",
        "FROM alpine:3.20\nCMD echo $HOME\nCMD my-app \\\n  # the flag\n  --flag\n",
        "FROM alpine:3.20\nCMD echo $HOME\nCMD my-app \\\n  # the flag\n  --flag\n",
    ),
    // BL1010 MAINTAINER → the authors label.
    safe(
        "BL1010",
        "FROM alpine:3.20\nMAINTAINER Jane \"JD\" <jane@example.com>\nRUN true\n",
        "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane \\\"JD\\\" <jane@example.com>\"\nRUN true\n",
    ),
    safe(
        "BL1010",
        "# escape=`\nFROM alpine:3.20\nmaintainer x $y\n",
        "# escape=`\nFROM alpine:3.20\nlabel org.opencontainers.image.authors=\"x `$y\"\n",
    ),
    safe(
        "BL1010",
        "FROM alpine:3.20\nMAINTAINER a \\\n  # who\n  b\n",
        "FROM alpine:3.20\nMAINTAINER a \\\n  # who\n  b\n",
    ),
    // BL1015 legacy `ENV k v` → `k=v`.
    safe(
        "BL1015",
        "FROM alpine:3.20\nENV A 1\nENV B hello world\nLABEL L v w\n",
        "FROM alpine:3.20\nENV A=1\nENV B=\"hello world\"\nLABEL L=\"v w\"\n",
    ),
    safe(
        "BL1015",
        "FROM alpine:3.20\nENV C \"quoted x\"\nENV A \\\n  # c\n  1\n",
        "FROM alpine:3.20\nENV C \"quoted x\"\nENV A \\\n  # c\n  1\n",
    ),
    unsafe_(
        "BL1015",
        "FROM alpine:3.20\nARG VERSION latest\n",
        "FROM alpine:3.20\nARG VERSION=latest\n",
    ),
    // BL1016 RedundantTargetPlatform.
    safe(
        "BL1016",
        "FROM --platform=$TARGETPLATFORM alpine:3.20 AS base\nFROM --platform=${TARGETPLATFORM} base\n",
        "FROM alpine:3.20 AS base\nFROM base\n",
    ),
    // BL1022 ExposeProtoCasing.
    safe(
        "BL1022",
        "FROM alpine:3.20\nEXPOSE 80/TCP 53/Udp 443\n",
        "FROM alpine:3.20\nEXPOSE 80/tcp 53/udp 443\n",
    ),
    // BL1023 ExposeInvalidFormat.
    safe(
        "BL1023",
        "FROM alpine:3.20\nEXPOSE 8080:80 127.0.0.1:53:53/udp\n",
        "FROM alpine:3.20\nEXPOSE 80 53/udp\n",
    ),
    // BL1024 unknown-instruction: the closest instruction, in the same case
    // (unsafe); none when nothing is close.
    unsafe_(
        "BL1024",
        "FROM alpine:3.20\nRUNN make \\\n  all\nrunn x\n",
        "FROM alpine:3.20\nRUN make \\\n  all\nrun x\n",
    ),
    unsafe_(
        "BL1024",
        "FROM alpine:3.20\nBANANA x\n",
        "FROM alpine:3.20\nBANANA x\n",
    ),
    // BL1104 ADD → COPY (DL3020): safe once the source is known not to
    // be an archive, unsafe when it was not checked, none for an archive.
    with_files(
        "BL1104",
        &["app.py=print('hi')\n", "site/"],
        "FROM alpine:3.20\nADD app.py /app/\nADD site /srv/\n",
        "FROM alpine:3.20\nCOPY app.py /app/\nCOPY site /srv/\n",
    ),
    unsafe_(
        "BL1104",
        "FROM alpine:3.20\nadd app.py /app/\n",
        "FROM alpine:3.20\ncopy app.py /app/\n",
    ),
    // BL1105 several sources to a file: the destination becomes a directory.
    safe(
        "BL1105",
        "FROM node:22\nCOPY package.json package-lock.json /app\n",
        "FROM node:22\nCOPY package.json package-lock.json /app/\n",
    ),
    // BL2005 apt lists (DL3009).
    safe(
        "BL2005",
        "FROM debian:12\nRUN apt-get update \\\n    # tools\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5\n",
        "FROM debian:12\nRUN apt-get update \\\n    # tools\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*\n",
    ),
    safe(
        "BL2005",
        "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
        "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl && rm -rf /var/lib/apt/lists/*\nEOF\n",
    ),
    // BL2008 apt-get install -y (DL3014).
    safe(
        "BL2008",
        "FROM debian:12\r\nRUN apt-get update && apt-get install curl\r\n",
        "FROM debian:12\r\nRUN apt-get update && apt-get install -y curl\r\n",
    ),
    safe(
        "BL2008",
        "FROM debian:12\nONBUILD RUN apt-get install \\\n    curl\n",
        "FROM debian:12\nONBUILD RUN apt-get install -y \\\n    curl\n",
    ),
    // BL2009 --no-install-recommends (DL3015): unsafe.
    unsafe_(
        "BL2009",
        "FROM debian:12\nRUN apt-get install -y curl\n",
        "FROM debian:12\nRUN apt-get install --no-install-recommends -y curl\n",
    ),
    // BL2012 apk --no-cache (DL3019).
    safe(
        "BL2012",
        "FROM alpine:3.20\nRUN apk add --update curl=8.9.1-r1\n",
        "FROM alpine:3.20\nRUN apk add --no-cache --update curl=8.9.1-r1\n",
    ),
    // BL2015 / BL2018 / BL2022: -y for yum, zypper, dnf.
    safe(
        "BL2015",
        "FROM centos:7\nRUN yum install httpd-2.4.6\n",
        "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
    ),
    safe(
        "BL2018",
        "FROM opensuse/leap:15.6\nRUN zypper install curl=8.6.0\n",
        "FROM opensuse/leap:15.6\nRUN zypper install -y curl=8.6.0\n",
    ),
    safe(
        "BL2022",
        "FROM fedora:40\nRUN dnf install httpd-2.4.62\n",
        "FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n",
    ),
    // BL2025 pip --no-cache-dir (DL3042).
    safe(
        "BL2025",
        "FROM python:3.12\nRUN pip install -r requirements.txt \\\n && pip3 install flask==3.0.3\n",
        "FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt \\\n && pip3 install --no-cache-dir flask==3.0.3\n",
    ),
    // BL2026 useradd -l.
    safe(
        "BL2026",
        "FROM debian:12\nRUN useradd -u 1000000 app\n",
        "FROM debian:12\nRUN useradd -l -u 1000000 app\n",
    ),
    // BL2027 wget --progress=dot:giga (DL3047).
    safe(
        "BL2027",
        "FROM debian:12\nRUN wget https://example.com/a.tgz \\\n  && wget -O b https://example.com/b\n",
        "FROM debian:12\nRUN wget --progress=dot:giga https://example.com/a.tgz \\\n  && wget --progress=dot:giga -O b https://example.com/b\n",
    ),
    // BL2033 pipefail (DL4006): a SHELL line before the first piped RUN of
    // the stage, in its indentation and line ending; unsafe.
    unsafe_(
        "BL2033",
        "FROM debian:12\r\n# fetch\r\nRUN curl -fsS https://x | tar x\r\nRUN echo | cat\r\n",
        "FROM debian:12\r\n# fetch\r\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\r\nRUN curl -fsS https://x | tar x\r\nRUN echo | cat\r\n",
    ),
    // BL2042 cd || exit.
    safe(
        "BL2042",
        "FROM debian:12\nRUN cd /usr/src/app; make install\n",
        "FROM debian:12\nRUN cd /usr/src/app || exit; make install\n",
    ),
    // BL3001 an absolute COPY source that the context holds.
    with_files(
        "BL3001",
        &["var/www/html/"],
        "FROM nginx:1.27\nCOPY /var/www/html /www/html\nCOPY [\"/var/www/html\", \"/x\"]\n",
        "FROM nginx:1.27\nCOPY var/www/html /www/html\nCOPY [\"var/www/html\", \"/x\"]\n",
    ),
    with_files(
        "BL3001",
        &["srv/"],
        "FROM nginx:1.27\nCOPY /var/www/html /www/html\n",
        "FROM nginx:1.27\nCOPY /var/www/html /www/html\n",
    ),
    // BL3005 COPY --from a misspelt stage: unsafe.
    unsafe_(
        "BL3005",
        "FROM golang:1.23 AS build\nFROM alpine:3.20\nCOPY --from=biuld /out/app /app\n",
        "FROM golang:1.23 AS build\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n",
    ),
    // Stack files: text edits that keep comments.
    safe(
        "BL4025",
        "# the app\nversion: \"3.8\" # old\nservices:\n  web:\n    image: nginx:1.27\n",
        "# the app\nservices:\n  web:\n    image: nginx:1.27\n",
    ),
    safe(
        "BL4032",
        "services:\r\n  web:\r\n    image: nginx:1.27\r\n    ports:\r\n      - 8080:80 # web\r\n      - \"8443:443\"\r\n    expose: [9000]\r\n",
        "services:\r\n  web:\r\n    image: nginx:1.27\r\n    ports:\r\n      - \"8080:80\" # web\r\n      - \"8443:443\"\r\n    expose: [\"9000\"]\r\n",
    ),
    unsafe_(
        "BL4023",
        "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"5432:5432\" # db\n",
        "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"127.0.0.1:5432:5432\" # db\n",
    ),
    safe(
        "BL4040",
        "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - \"./data:/var/lib/postgresql/data\" # data\n      - 'yes:/x'\n",
        "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - ./data:/var/lib/postgresql/data # data\n      - yes:/x\n",
    ),
    // Quotes that mean something stay.
    safe(
        "BL4040",
        "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - \"/srv/a:/x # not a comment\"\n",
        "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - \"/srv/a:/x # not a comment\"\n",
    ),
];

fn rule(code: &str) -> &'static Rule {
    registry::by_code(code).unwrap_or_else(|| panic!("no rule {code}"))
}

fn context(files: &[&str]) -> MemoryContext {
    let mut ctx = MemoryContext::new();
    for f in files {
        match f.split_once('=') {
            Some((path, content)) => ctx.add_file(path, content.as_bytes()),
            None => ctx.add(f),
        }
    }
    ctx
}

/// Lints with `rule` alone: a Dockerfile in a known in-memory context, or a
/// stack file on disk.
fn lint_one(rule: &'static Rule, files: &[&str], text: &str) -> Vec<Finding> {
    match rule.check {
        Check::Stack(_) => {
            let extra: Vec<(&str, &str)> = files.iter().map(|f| (*f, "")).collect();
            crate::lint::stack::testing::lint_yaml(rule, text, &extra)
        }
        _ => {
            let mut settings = Settings::default();
            // An engine rule (unused suppressions) reports on the others.
            if !matches!(rule.check, Check::Engine) {
                settings.selection = RuleSelection::only(&[rule]);
            } else if settings.selection.severity_of(rule).is_none() {
                settings.selection.rules.push((rule, rule.severity));
            }
            lint_bytes(
                Path::new("Dockerfile"),
                text.as_bytes().to_vec(),
                &context(files),
                true,
                &settings,
                &BTreeMap::new(),
                None,
                None,
                &crate::lint::semantic::official::OfficialImages,
            )
            .1
            .into_iter()
            .filter(|f| std::ptr::eq(f.rule, rule) || is_parse_error(f))
            .collect()
        }
    }
}

fn run(v: &V) -> Result<(), String> {
    let rule = rule(v.code);
    let min = if v.unsafe_ {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let findings = lint_one(rule, v.files, v.input);
    if findings.is_empty() {
        return Err("the input does not fire the rule".into());
    }
    let mut relint = |t: &str| lint_one(rule, v.files, t);
    let out = fix_file(v.input, findings, min, &mut relint);
    if out.unparsable {
        return Err("the input does not parse".into());
    }
    if out.text != v.output {
        return Err(format!(
            "got\n{}\nwant\n{}",
            out.text.escape_debug(),
            v.output.escape_debug()
        ));
    }
    if !out.converged || !out.rejected.is_empty() {
        return Err("the fixes do not settle or break the file".into());
    }
    if out.changed() {
        let after = lint_one(rule, v.files, &out.text);
        if let Some(e) = after.iter().find(|f| is_parse_error(f)) {
            return Err(format!("the output does not parse: {}", e.message));
        }
        if matches!(rule.check, Check::Dockerfile(_)) {
            crate::dockerfile::parse(out.text.clone())
                .map_err(|e| format!("the output does not parse: {}", e.message))?;
        }
        if let Some(f) = after.first() {
            return Err(format!("the output still fires the rule: {}", f.message));
        }
    }
    Ok(())
}

#[test]
fn fix_vectors() {
    let failures: Vec<String> = VECTORS
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            run(v)
                .err()
                .map(|e| format!("vector {i} ({}):\n{}\n{e}", v.code, v.input))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing fix vector(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_fixable_rule_has_a_fix_vector_and_the_others_none() {
    for r in registry::all() {
        let fixes = VECTORS
            .iter()
            .any(|v| v.code == r.code && v.input != v.output);
        match r.fix {
            FixAvailability::Never => assert!(
                !VECTORS.iter().any(|v| v.code == r.code),
                "{} declares no fix but has vectors",
                r.code
            ),
            _ => assert!(fixes, "{} can fix but has no fix vector", r.code),
        }
    }
}
