#!/usr/bin/env python3
"""The import graph of src/: one node per file, one edge per `crate::`/`super::`/`self::` path
that names something in another file. Re-exports (`pub use`) are followed to the file that
defines the item, so a facade `mod.rs` adds no edge of its own.

Prints the cycles among files (strongly connected components with more than one file, and
every pair of files that import each other), the edges that go down the stage order the wrong
way, and exits 1 when there is any of them.

    python3 bench/imports.py [--edges] [--all-tests]

Test modules (`#[cfg(test)]` blocks) are included: a test that reaches up is still a knot.
"""
import os, re, sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# The stage order, bottom first: a file may import its own stage and stages below it.
# (`lib` is the crate root: its constants are for everyone. `input` reads a file a user names
# without blocking, `terminal` makes text safe for a terminal: both import nothing of ours.)
RANK = {
    "lib": 0, "span": 0, "source": 0, "input": 0, "terminal": 0, "test_corpus": 0, "parallel": 0,
    "dockerfile": 1, "compose": 1, "bake": 1,
    "context": 2, "lint": 3, "report": 4, "builder": 4, "lsp": 5, "cli": 5,
}

def module_of(rel):
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)

files = {}
for d, _, names in os.walk(ROOT):
    for n in names:
        if n.endswith(".rs"):
            rel = os.path.relpath(os.path.join(d, n), ROOT).replace(os.sep, "/")
            if rel == "main.rs":
                continue
            files[module_of(rel)] = rel

# `#[path = "x.rs"] mod name;`: the file is the module `name` of the declaring one.
for mod, rel in list(files.items()):
    text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
    for m in re.finditer(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;', text):
        target = os.path.normpath(os.path.join(os.path.dirname(rel), m.group(1))).replace(os.sep, "/")
        for k, v in list(files.items()):
            if v == target:
                del files[k]
        files[mod + (m.group(2),)] = target

# Comments, strings and character literals, matched left to right so that each starts where the
# previous one ended: a `"` in a comment or a char, a `//` or `/*` in a string, a string continued
# on the next line after a backslash are all read as the compiler reads them.
TOKENS = re.compile(
    r"//[^\n]*"
    r"|/\*.*?\*/"
    r'|(?<![\w])b?r(#*)".*?"\1'
    r'|(?<![\w])b?"(?:[^"\\]|\\.)*"'
    r"|(?<![\w])b?'(?:[^'\\\n]|\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.))'",
    re.S,
)

def strip_comments(text):
    def blank(m):
        s = m.group(0)
        if s.startswith("/"):
            return ""
        return "' '" if s.lstrip("b").startswith("'") else '""'
    return TOKENS.sub(blank, text)

def expand(tree):
    """`a::{b, c::{d, e}}` -> [[a, b], [a, c, d], [a, c, e]]."""
    tree = tree.strip()
    i = tree.find("{")
    if i < 0:
        tree = re.sub(r"\s+as\s+\w+$", "", tree)
        return [[s for s in tree.split("::") if s]]
    prefix = [s for s in tree[:i].split("::") if s]
    body = tree[i + 1 : tree.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""; continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            out += [prefix + e for e in expand(p)]
    return out

def absolute(path, mod, nested):
    """A use path made absolute (a tuple from the crate root), or None when external."""
    if not path:
        return None
    head = path[0]
    if head == "crate":
        return tuple(path[1:])
    if head in ("self", "super"):
        base = list(mod)
        rest = list(path)
        # `use super::` inside an inline module (indented) names the file's own module.
        if head == "super" and nested:
            rest = rest[1:]
        while rest and rest[0] in ("self", "super"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
        return tuple(base + rest)
    if tuple(mod) + (head,) in files:  # a child module, named without `self::`
        return tuple(mod) + tuple(path)
    return None

USE = re.compile(r"^([ \t]*)(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
INLINE = re.compile(r"\b(crate|super)((?:::\w+)+)")

reexports = {}  # (module, name) -> absolute path
uses = defaultdict(list)  # module -> [absolute path]
for mod, rel in files.items():
    text = strip_comments(open(os.path.join(ROOT, rel), encoding="utf-8").read())
    spans = []
    inline_mods = []
    for m in re.finditer(r"\bmod\s+\w+\s*\{", text):
        depth, i = 0, m.end() - 1
        while i < len(text):
            depth += text[i] == "{"
            depth -= text[i] == "}"
            if depth == 0:
                break
            i += 1
        inline_mods.append((m.end(), i))
    def inside(pos):
        return any(s <= pos < e for s, e in inline_mods)
    for m in USE.finditer(text):
        spans.append(m.span())
        nested = inside(m.start(3))
        for path in expand(m.group(3)):
            a = absolute(path, mod, nested)
            if a is None:
                continue
            if m.group(2) and not nested:
                name = path[-1]
                alias = re.search(r"\bas\s+(\w+)", m.group(3))
                if name == "*":
                    reexports.setdefault((mod, "*"), []).append(a[:-1])
                else:
                    reexports[(mod, name)] = a
            else:
                uses[mod].append(a)
    for m in INLINE.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        segs = [m.group(1)] + m.group(2).strip(":").split("::")
        a = absolute(segs, mod, inside(m.start()))
        if a:
            uses[mod].append(a)

def resolve(path, depth=0):
    """The file that defines what `path` names."""
    if depth > 20:
        return None
    best = None
    for k in range(len(path), -1, -1):
        if path[:k] in files:
            best = k
            break
    if best is None:
        return None
    mod = path[:best]
    rest = path[best:]
    if rest and rest[0] == "*":
        return files[mod]
    if rest:
        target = reexports.get((mod, rest[0]))
        if target is not None and target != mod + (rest[0],):
            r = resolve(target + rest[1:], depth + 1)
            if r:
                return r
        for glob in reexports.get((mod, "*"), []):
            r = resolve(glob + rest, depth + 1)
            if r and r != files[mod]:
                return r
    return files[mod]

edges = defaultdict(set)
for mod, paths in uses.items():
    src = files[mod]
    for p in paths:
        dst = resolve(p)
        if dst and dst != src:
            edges[src].add(dst)

def sccs(nodes, edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out

def stage(rel):
    return rel.split("/")[0].removesuffix(".rs")

if "--edges" in sys.argv:
    for s in sorted(edges):
        for d in sorted(edges[s]):
            print(f"{s} -> {d}")
    sys.exit(0)

bad = 0
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
print(f"files: {len(files)}, edges between files: {sum(len(v) for v in edges.values())}")
print(f"pairs of files importing each other: {len(pairs)}")
for a, b in pairs:
    print(f"  {a} <-> {b}")
comps = [c for c in sccs(files.values(), edges) if len(c) > 1]
print(f"import cycles (strongly connected sets of files): {len(comps)}")
for c in comps:
    print(f"  {len(c)} files: " + ", ".join(c))
up = []
for s in sorted(edges):
    for d in sorted(edges[s]):
        rs, rd = RANK.get(stage(s)), RANK.get(stage(d))
        if rs is None or rd is None:
            print(f"no stage rank for {s} or {d}: add it to RANK")
            bad = 1
        elif rd > rs:
            up.append((s, d))
print(f"imports from a lower stage into a higher one: {len(up)}")
for s, d in up:
    print(f"  {s} -> {d}")
sys.exit(1 if bad or pairs or comps or up else 0)
