#!/usr/bin/env python3
"""Module dependency graph of the colorize library (src/ minus the binary's main.rs, cli.rs, cmd/).

An edge A -> B means a file of top-level module A names `crate::B` (in a `use` or a path).
Run from the project root: `python3 scripts/modgraph.py`. `crate::Error` / `crate::Result`
count as edges to `error`. Prints every module's edges and whether the graph has a cycle (Tarjan SCCs of size > 1).
"""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
BIN = set(os.environ.get('BIN_MODULES', 'main cli cmd').split())
def top(path):
    rel = os.path.relpath(path, root)
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith('.rs') else first
edges = {}
for dp, _, files in os.walk(root):
    for f in files:
        if not f.endswith('.rs'):
            continue
        p = os.path.join(dp, f)
        m = top(p)
        if m in BIN or m == 'lib':
            continue
        text = open(p).read()
        text = re.sub(r'//[^\n]*', '', text)  # comments (doc comments name modules freely)
        deps = set(re.findall(r'\bcrate::([a-z_][a-z0-9_]*)', text))
        # `use crate::{a, b::c}` groups
        for grp in re.findall(r'\buse crate::\{([^;]*)\};', text, re.S):
            deps |= set(re.findall(r'(?:^|[,{\s])([a-z_][a-z0-9_]*)(?=\s*(?:::|,|\}|$))', grp))
        # `crate::Error` / `crate::Result` are re-exports of the `error` module.
        if re.search(r'\bcrate::(Error|Result)\b', text) or re.search(r'use crate::\{[^;]*\b(Error|Result)\b', text):
            deps.add('error')
        deps -= {m, 'self', 'Error', 'Result'}
        mods = {d for d in deps if os.path.exists(os.path.join(root, d + '.rs')) or os.path.isdir(os.path.join(root, d))}
        edges.setdefault(m, set()).update(mods)
for m in sorted(edges):
    print(f"{m:14} -> {', '.join(sorted(edges[m])) or '(nothing)'}")
# Tarjan
idx, low, on, st, sccs, n = {}, {}, set(), [], [], [0]
def strong(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
for v in list(edges):
    if v not in idx: strong(v)
cycles = [c for c in sccs if len(c) > 1]
if cycles:
    print("CYCLES:", cycles); sys.exit(1)
# topological order (dependencies first)
order, seen = [], set()
def visit(v):
    if v in seen: return
    seen.add(v)
    for w in sorted(edges.get(v, ())): visit(w)
    order.append(v)
for v in sorted(edges): visit(v)
print("no cycle; dependencies first:", ' '.join(order))
