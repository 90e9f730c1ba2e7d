#!/usr/bin/env python3
"""Lint output, byte for byte, on every Dockerfile and stack file of the corpus.

Runs `buildlint check --format json` (with the default selection, and again with
`--select all`) on each file of the corpus, one file at a time, and compares
standard output, standard error and the exit status:

    # two binaries (e.g. one built before a refactoring, one after)
    python3 bench/same_output.py --old /tmp/buildlint-before --new target/debug/buildlint

    # one binary against a stored digest (written by --write-digest)
    python3 bench/same_output.py --new target/debug/buildlint --digest outputs.json
    python3 bench/same_output.py --new target/debug/buildlint --write-digest outputs.json

Every run gets the same fixed environment, no configuration files (`--isolated`)
and no daemon (`--no-inspect-images`), so only the binaries differ. Exits 1 when
any output differs, naming the file and the first differing line.
"""
import argparse, hashlib, json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

MODES = {
    "default": ["--format", "json"],
    "all": ["--format", "json", "--select", "all"],
}

def is_dockerfile(name):
    # Every name that says Dockerfile: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, the official images'
    # `7.2__debian__Dockerfile`, their `Dockerfile-*.template`s (linted as Dockerfiles when named).
    return "dockerfile" in name.lower()

def is_stack_file(name):
    return name.endswith((".yml", ".yaml"))

def corpus_files(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if is_dockerfile(n) or is_stack_file(n):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return out

ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "NO_COLOR": "1"}

def run(binary, root, path, mode):
    p = subprocess.run(
        [binary, "check", "--isolated", "--no-inspect-images", *MODES[mode], path],
        cwd=root, env=ENV, capture_output=True, timeout=300,
    )
    return p.returncode, p.stdout, p.stderr

def blob(result):
    code, out, err = result
    return b"exit %d\n--- stdout\n%s--- stderr\n%s" % (code, out, err)

def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}:\n    old: {x[:200]!r}\n    new: {y[:200]!r}"
    return f"lengths differ: {len(la)} vs {len(lb)} lines"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", help="the binary before")
    ap.add_argument("--new", required=True, help="the binary after")
    ap.add_argument("--digest", help="compare --new against this stored digest")
    ap.add_argument("--write-digest", help="store --new's outputs' digests here")
    ap.add_argument("--corpus", default=os.environ.get("BUILDLINT_CORPUS", "/work/shared/corpus"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="only the files whose corpus path contains this")
    a = ap.parse_args()
    root = os.path.abspath(a.corpus)
    old = os.path.abspath(a.old) if a.old else None
    new = os.path.abspath(a.new)
    stored = json.load(open(a.digest)) if a.digest else None
    if not old and stored is None and not a.write_digest:
        ap.error("give --old, --digest or --write-digest")
    files = [f for f in corpus_files(root) if not a.only or a.only in f]
    jobs = [(f, m) for f in files for m in MODES]

    def one(job):
        f, m = job
        nb = blob(run(new, root, f, m))
        ob = blob(run(old, root, f, m)) if old else None
        return f, m, nb, ob

    digests, differ, findings, exits = {}, [], 0, {}
    with ThreadPoolExecutor(a.jobs) as pool:
        for f, m, nb, ob in pool.map(one, jobs):
            key = f"{m} {f}"
            digests[key] = hashlib.sha256(nb).hexdigest()
            code = int(nb.split(b"\n", 1)[0].split()[1])
            exits[code] = exits.get(code, 0) + 1
            try:
                findings += len(json.loads(nb.split(b"--- stdout\n", 1)[1].split(b"--- stderr\n", 1)[0] or b"[]"))
            except ValueError:
                pass
            if ob is not None and ob != nb:
                differ.append(f"{key}: {first_difference(ob.decode('utf-8', 'replace'), nb.decode('utf-8', 'replace'))}")
            if stored is not None and stored.get(key) != digests[key]:
                differ.append(f"{key}: digest differs from the stored one")
    if stored is not None:
        for key in sorted(set(stored) - set(digests)):
            differ.append(f"{key}: in the stored digest, not run now")
    if a.write_digest:
        with open(a.write_digest, "w") as out:
            json.dump(digests, out, indent=0, sort_keys=True)
            out.write("\n")
    total = hashlib.sha256("".join(f"{k} {digests[k]}\n" for k in sorted(digests)).encode()).hexdigest()
    print(f"corpus: {root}")
    print(f"files: {len(files)} ({sum(is_stack_file(f) for f in files)} stack files), runs per binary: {len(jobs)}")
    print(f"findings (JSON array entries, both modes): {findings}; exit statuses: {dict(sorted(exits.items()))}")
    print(f"digest of all outputs: {total}")
    for d in differ:
        print("DIFFERS " + d)
    print(f"differing outputs: {len(differ)}")
    sys.exit(1 if differ else 0)

main()
