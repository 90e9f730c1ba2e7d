#!/usr/bin/env python3
"""Differential check of buildlint's Dockerfile parser against BuildKit's.

The PyPI package `dockerfile` embeds BuildKit's own Go parser (buildkit
v0.12.5 in dockerfile 3.4.0). For every Dockerfile of the shared corpus this
script parses the file with both and compares, instruction by instruction:
the keyword (and ONBUILD's trigger keyword), start and end lines, flags,
argument values and heredocs (name and content). It prints every difference
and a summary, and exits 1 when there is an unexplained one.

Set up and run (from the repository root):

    pip install dockerfile==3.4.0
    cargo build --release
    python3 bench/differential_parse.py [--bin target/release/buildlint] [--corpus ../shared/corpus]
    python3 bench/differential_parse.py --random 2000 --seed 7   # random texts instead of the corpus

Known, explained differences (reported, not counted as failures):
  * `check-directive`: `# check=` is a parser directive since BuildKit 0.13;
    0.12.5 reads it as a comment, so two of them are no error there.
  * `json-trailing`: BuildKit 0.15 (moby/buildkit#5107) decodes exec form
    with json.Unmarshal, so `CMD ["a"] b` is shell form; 0.12.5 ignored the
    trailing text.
  * `onbuild-flags-in-binding`, `onbuild-heredocs-in-binding`: the binding
    reports neither the flags nor the heredocs of an ONBUILD trigger (the
    lines consumed, compared as start and end lines, still agree).
  * `nul-in-binding`: the Python binding hands strings over as C strings, so a
    decoded `\u0000` ends the value there.
  * `end-line`: a continuation followed only by empty or comment lines: our
    instruction span ends at its last argument byte, BuildKit's EndLine at the
    last line it consumed.
  * `start-line`: a logical line that begins with lines holding only the
    escape character: our span starts at the keyword, BuildKit's StartLine at
    the first of those lines.
"""

import argparse
import json
import re
import os
import subprocess
import sys

try:
    import dockerfile
except ImportError:
    sys.exit("differential_parse: `pip install dockerfile==3.4.0` first (it embeds BuildKit's parser)")


def go_unquote(s, i):
    """Decodes the Go-quoted string starting at s[i] (a '"'); returns (value, next index)."""
    assert s[i] == '"'
    i += 1
    out = []
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}
    raw = bytearray()

    def flush():
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw.clear()

    while s[i] != '"':
        c = s[i]
        if c == "\\":
            e = s[i + 1]
            if e in simple:
                flush()
                out.append(simple[e])
                i += 2
            elif e == "x":
                raw.append(int(s[i + 2 : i + 4], 16))
                i += 4
            elif e == "u":
                flush()
                out.append(chr(int(s[i + 2 : i + 6], 16)))
                i += 6
            elif e == "U":
                flush()
                out.append(chr(int(s[i + 2 : i + 10], 16)))
                i += 10
            else:
                raise ValueError("bad escape in dump: " + s[i : i + 4])
        else:
            flush()
            out.append(c)
            i += 1
    flush()
    return "".join(out), i + 1


def go_lower_len(keyword):
    """Length of Go's strings.ToLower(keyword) in characters."""
    return sum(1 if ch == "\u0130" else len(ch.lower()) for ch in keyword)


def parse_dump_line(line, keywords):
    """One `(keyword ["--f"] "a" (child ...))` line into (keyword, flags, values, child).

    Keywords are printed unquoted and may hold any character, so their
    lengths come from the IR (`keywords`: the instruction's, then the
    ONBUILD trigger's).
    """

    def node(i, depth):
        assert line[i] == "("
        i += 1
        j = i + go_lower_len(keywords[depth]) if depth < len(keywords) else i
        keyword = line[i:j]
        i = j
        flags, values, child = [], [], None
        while True:
            while line[i] == " ":
                i += 1
            c = line[i]
            if c == ")":
                return (keyword, flags, values, child), i + 1
            if c == "[":
                i += 1
                while line[i] != "]":
                    if line[i] == " ":
                        i += 1
                        continue
                    v, i = go_unquote(line, i)
                    flags.append(v)
                i += 1
            elif c == '"':
                v, i = go_unquote(line, i)
                values.append(v)
            elif c == "(":
                child, i = node(i, depth + 1)
            else:
                raise ValueError("unexpected dump text: " + line[i:])

    n, _ = node(0, 0)
    return n


def line_of(data, offset):
    return data.count(b"\n", 0, offset) + 1


def ours(binary, path):
    data = open(path, "rb").read()
    res = subprocess.run([binary, "debug", "parse", "--dump", "json", path], capture_output=True)
    if res.returncode != 0:
        first = res.stderr.decode("utf-8", "replace").splitlines()
        return None, first[0] if first else "error"
    ir = json.loads(res.stdout)
    dump = subprocess.run([binary, "debug", "parse", "--dump", "buildkit", path], capture_output=True, check=True)
    lines = dump.stdout.decode("utf-8").split("\n")[:-1]
    nodes = []
    for inst, l in zip(ir["instructions"], lines):
        kws, cur = [], inst
        while True:
            kws.append(cur["keyword"])
            args = cur["args"]
            if isinstance(args, dict) and "Onbuild" in args:
                cur = args["Onbuild"]
            else:
                break
        nodes.append(parse_dump_line(l, kws))
    out = []
    for inst, (kw, flags, values, child) in zip(ir["instructions"], nodes):
        span = inst["span"]
        start = line_of(data, span["start"])
        end = line_of(data, max(span["start"], span["end"] - 1)) if span["end"] > span["start"] else start
        sub = None
        heredocs = inst["heredocs"]
        if child is not None:
            sub = child[0].upper()
            # The binding reports the trigger's values; for a nested ONBUILD
            # that is the empty node holding the grandchild.
            values = [""] if child[3] is not None else child[2]
            args = inst["args"]
            if isinstance(args, dict) and "Onbuild" in args:
                heredocs = args["Onbuild"]["heredocs"]
        if kw in ("env", "label"):
            values = [v for k, v in enumerate(values) if k % 3 != 2]
        out.append(
            {
                "cmd": inst["keyword"].upper(),
                "sub": sub,
                "start": start,
                "end": end,
                "flags": flags,
                "value": values,
                "heredocs": [(h["name"], h["content"]) for h in heredocs],
                "strip": [h["strip_tabs"] for h in heredocs],
            }
        )
    return out, None


def chomp(s):
    return re.sub(r"(?m)^\t+", "", s)


def theirs(path):
    try:
        cmds = dockerfile.parse_file(path)
    except Exception as e:  # the Go parser's error
        return None, str(e)
    return [
        {
            "cmd": (c.cmd or "").upper(),
            "sub": c.sub_cmd.upper() if c.sub_cmd else None,
            "start": c.start_line,
            "end": c.end_line,
            "flags": list(c.flags),
            "value": list(c.value),
            "heredocs": [(h.name, h.content) for h in c.heredocs],
        }
        for c in cmds
    ], None


def explain(path, a, b, field):
    if field == "error" and "check parser directive" in str(a):
        return "check-directive"
    if field == "value" and a and b:
        x, y = a["value"], b["value"]
        # Our shell-form fallback of `[...] trailing text` against 0.12.5's JSON.
        if len(x) >= 1 and x[-1].lstrip().startswith("[") and x != y:
            tail = x[-1].rstrip()
            if not tail.endswith("]") or "] " in tail or "]\t" in tail:
                return "json-trailing"
        # The Python binding passes strings through C: a NUL ends them.
        if len(x) == len(y) and all(u == v or ("\x00" in u and u.startswith(v)) for u, v in zip(x, y)):
            return "nul-in-binding"
    if field == "flags" and a and b and a["sub"] and not b["flags"]:
        return "onbuild-flags-in-binding"
    if field == "heredocs" and a and b and a["sub"] and not b["heredocs"]:
        return "onbuild-heredocs-in-binding"
    if field == "end" and a and b and a["end"] < b["end"]:
        return "end-line"
    if field == "start" and a and b and a["start"] > b["start"]:
        return "start-line"
    return None


def corpus_files(root):
    for sub in ("buildkit-parser", "official", "buildkit-docs", "awesome-compose"):
        for d, _, files in os.walk(os.path.join(root, sub)):
            for f in sorted(files):
                if sub == "buildkit-parser" and f != "Dockerfile":
                    continue
                if sub == "buildkit-docs" and not f.endswith(".Dockerfile"):
                    continue
                if sub == "awesome-compose" and not (f == "Dockerfile" or f.startswith("Dockerfile") or f.endswith(".Dockerfile")):
                    continue
                yield os.path.join(d, f)


# Pieces random texts are made of: keywords, quotes, escapes, continuations,
# heredoc markers, JSON brackets, comments, CRLF, non-ASCII.
PIECES = [
    "FROM", "RUN", "CMD", "ENV", "LABEL", "ARG", "COPY", "ADD", "ONBUILD", "HEALTHCHECK", "SHELL",
    "EXPOSE", "VOLUME", "USER", "WORKDIR", "run", "Env", "FOO", " ", " ", " ", "\t", "\n", "\n",
    "\\\n", "\\", "`", "#", "# c\n", '"', "'", "=", "a", "b=c", "--x", "--y=z", "--", "[", "]",
    ",", '"s"', "<<", "<<EOF", "<<-EOF", "EOF", "\tEOF", "$", "${", "}", "{", ":", "-", "\r\n",
    "\r", "x y", "NONE", "CMD", "1", "\u00e9", ";", "# escape=`\n",
]


def random_files(n, seed):
    import random
    import tempfile

    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="buildlint-diff-")
    for i in range(n):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:
            text = "FROM a\n" + text
        path = os.path.join(tmp, f"random-{seed}-{i}.Dockerfile")
        with open(path, "w", newline="") as f:
            f.write(text)
        yield path


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target")), "release", "buildlint"))
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--random", type=int, default=0, metavar="N", help="instead of the corpus, compare N random Dockerfile-like texts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    root = args.corpus
    if root is None:
        for c in (os.path.join(repo, "..", "shared", "corpus"), os.path.join(repo, "..", "..", "shared", "corpus"), "/work/shared/corpus"):
            if os.path.isdir(os.path.join(c, "official")):
                root = c
                break
    files = args.files or (random_files(args.random, args.seed) if args.random else list(corpus_files(root)))
    checked = agree = 0
    explained = {}
    failures = []
    for path in files:
        checked += 1
        a, aerr = ours(args.bin, path)
        b, berr = theirs(path)
        diffs = []
        if (a is None) != (b is None):
            diffs.append(("error", f"ours: {aerr or 'ok'} | buildkit: {berr or 'ok'}", aerr, None))
        elif a is not None:
            if len(a) != len(b):
                diffs.append(("count", f"{len(a)} instructions vs {len(b)}", None, None))
            for x, y in zip(a, b):
                # BuildKit strips `<<-` tabs when it builds; we keep them stripped in the IR.
                y["heredocs"] = [(n, chomp(c) if k < len(x["strip"]) and x["strip"][k] else c) for k, (n, c) in enumerate(y["heredocs"])]
                for field in ("cmd", "sub", "start", "end", "flags", "value", "heredocs"):
                    if x[field] != y[field]:
                        diffs.append((field, f"line {y['start']} {field}: ours {x[field]!r} | buildkit {y[field]!r}", x, y))
        if not diffs:
            agree += 1
            continue
        unexplained = []
        for field, msg, x, y in diffs:
            why = explain(path, x if field != "error" else aerr, y, field)
            if why:
                explained[why] = explained.get(why, 0) + 1
                print(f"[{why}] {path}: {msg}")
            else:
                unexplained.append(msg)
        if unexplained:
            failures.append(path)
            for msg in unexplained:
                print(f"DIFF {path}: {msg}")
        else:
            agree += 1
    print(f"\n{checked} files: {agree} agree with BuildKit (after {sum(explained.values())} explained differences: {explained or 'none'}), {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
