#!/usr/bin/env python3
"""`buildlint check --fix` over the shared corpus, checked with BuildKit's parser.

Copies `official/` and `awesome-compose/` of the corpus to a scratch folder,
runs `buildlint check --select all --fix --unsafe-fixes` there, then:

  * a second run changes nothing (every file compared byte for byte);
  * every Dockerfile that BuildKit's parser accepted before still parses with
    it (the PyPI package `dockerfile` embeds BuildKit's Go parser), and with
    the same number of instructions, keywords in the same order;
  * no finding carries a fix any more, and no finding appears that was not
    there before (by file, code and message), except codes that a fixed
    rule's page names in its `## Fix` or `## Fix safety` section.

Prints a summary and exits 1 on any failure. The same checks, without
BuildKit's parser, run in `cargo test --lib cli::fix::corpus_tests`.

    pip install dockerfile==3.4.0
    cargo build
    python3 bench/fix_corpus.py [--bin target/debug/buildlint] [--corpus ../shared/corpus] [--keep DIR]
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import dockerfile
except ImportError:
    sys.exit("fix_corpus: `pip install dockerfile==3.4.0` first (it embeds BuildKit's parser)")

# As `buildlint check` finds Dockerfiles (src/lint/discover.rs).
NOT_DOCKERFILE_EXT = set("""dockerignore j2 jinja jinja2 tpl tmpl template erb mustache hbs bak orig rej swp tmp old md txt rst adoc
html json yaml yml toml xml sh bash ps1 py go rs js ts rb java patch diff lock sum sample example dist""".split())


def is_dockerfile_name(name):
    if "." in name:
        ext = name.rsplit(".", 1)[1].lower()
        if ext in NOT_DOCKERFILE_EXT:
            return False
        if ext in ("dockerfile", "containerfile"):
            return True
    return any(t in ("Dockerfile", "Containerfile", "dockerfile") for t in re.split(r"[._-]", name))


def default_corpus():
    here = os.path.dirname(os.path.abspath(__file__))
    for c in (os.path.join(here, "..", "..", "shared", "corpus"), os.path.join(here, "..", "..", "..", "shared", "corpus"), "/work/shared/corpus"):
        if os.path.isfile(os.path.join(c, "SOURCES.md")):
            return os.path.abspath(c)
    sys.exit("fix_corpus: the shared corpus is missing; pass --corpus")


def files_under(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    out[p] = f.read()
    return out


def buildkit_parse(path):
    """The keywords BuildKit's parser reads, or the error it gives."""
    try:
        return [c.cmd.lower() for c in dockerfile.parse_file(path)], None
    except Exception as e:  # GoParseError, GoIOError
        return None, str(e)


def run(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def findings(stdout):
    out = collections.Counter()
    fixable = collections.Counter()
    for f in json.loads(stdout):
        out[(f["file"], f["code"], f["message"])] += 1
        fix = f.get("fix")
        if fix and fix.get("applicability") != "display-only":
            fixable[f["code"]] += 1
    return out, fixable


def documented(binary, code):
    """BL codes named in the `## Fix` / `## Fix safety` sections of a rule's page."""
    _, page, _ = run(binary, ["rule", code], None)
    names, on = set(), False
    for line in page.splitlines():
        if line.startswith("## "):
            on = line.strip() in ("## Fix", "## Fix safety")
            continue
        if on:
            names.update(w for w in re.findall(r"\bBL\d{4}\b", line) if w != code)
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "buildlint"))
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--keep", default=None, help="work in this folder and keep it")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    corpus = a.corpus or default_corpus()
    work = a.keep or tempfile.mkdtemp(prefix="buildlint-fix-")
    if os.path.exists(work) and a.keep:
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    for part in ("official", "awesome-compose"):
        shutil.copytree(os.path.join(corpus, part), os.path.join(work, part), symlinks=True)

    failures = []
    dockerfiles = [p for p in files_under(work) if is_dockerfile_name(os.path.basename(p))]
    parsed_before = {p: buildkit_parse(p) for p in dockerfiles}

    base = ["check", "--isolated", "--select", "all", "--format", "json", "."]
    _, out, err = run(binary, base, work)
    before, fixable_before = findings(out)
    _, out, err = run(binary, base + ["--fix", "--unsafe-fixes"], work)
    after, fixable_after = findings(out)
    if "not fixed" in err or "not applied" in err or "rounds" in err:
        failures.append("--fix reported problems:\n" + err)
    m = re.search(r"^buildlint: fixed \d+ findings? in (\d+) files?$", err, re.M)
    fixed_files = int(m.group(1)) if m else 0
    if not fixed_files:
        failures.append("--fix fixed no file:\n" + err[-2000:])

    first = files_under(work)
    _, _, err2 = run(binary, base + ["--fix", "--unsafe-fixes"], work)
    second = files_under(work)
    if first != second:
        changed = [p for p in second if first.get(p) != second[p]]
        failures.append("the second --fix changed %d file(s): %s" % (len(changed), changed[:5]))

    bk_checked = 0
    for p, (kw_before, err_before) in parsed_before.items():
        if err_before is not None:
            continue
        bk_checked += 1
        kw_after, err_after = buildkit_parse(p)
        if err_after is not None:
            failures.append("%s: BuildKit's parser rejects the fixed file: %s" % (p, err_after))
        elif len(kw_after) != len(kw_before):
            # A fix may add an instruction (DL4006's SHELL); it never drops one.
            added = collections.Counter(kw_after) - collections.Counter(kw_before)
            removed = collections.Counter(kw_before) - collections.Counter(kw_after)
            if removed or set(added) - {"shell"}:
                failures.append("%s: instructions changed: +%s -%s" % (p, dict(added), dict(removed)))

    if fixable_after:
        failures.append("fixes left after --fix: %s" % dict(fixable_after))
    allowed = set()
    for code in fixable_before:
        allowed |= documented(binary, code)
    new = [(k, n) for k, n in (after - before).items() if k[1] not in allowed]
    if new:
        failures.append("new findings after --fix:\n" + "\n".join("  %s %s: %s (x%d)" % (k[0], k[1], k[2], n) for k, n in new[:40]))

    print("fix_corpus: %d files fixed, %d fixes before (%s), %d Dockerfiles checked with BuildKit's parser, %d findings before, %d after"
          % (fixed_files, sum(fixable_before.values()), ", ".join("%s %d" % kv for kv in sorted(fixable_before.items())),
             bk_checked, sum(before.values()), sum(after.values())))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        return 1
    print("fix_corpus: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
