#!/usr/bin/env python3
"""List Rust functions longer than a limit (default 80 lines).

A function's length runs from the line of its `fn` keyword to the line of
its matching closing brace, both included. Strings (plain, byte, raw with any
number of `#`), character literals and comments (line, nested block) are
blanked before the braces are counted, so a `{` inside them does not count;
a lifetime (`'a`) is not mistaken for a character literal.

A function whose `fn` line has a comment `// long-fn: <why>` within the
three lines above it is allowed to be long (a flat table of cases, say).
With any other function over the limit the script exits 1 (CI runs it).

Usage: scripts/long_fns.py [--limit N] [PATH ...]
(default paths: src examples benches python/src)
"""

import argparse
import os
import re
import sys


def blank(text):
    """The text with strings, chars and comments replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)

    def keep_newlines(s):
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(keep_newlines(text[i:j]))
            i = j
        else:
            raw = re.match(r'(?:b|c)?r(#*)"', text[i:i + 300])
            prev = text[i - 1] if i else " "
            if raw and not (prev.isalnum() or prev == "_"):
                close = '"' + raw.group(1)
                j = text.find(close, i + raw.end())
                j = n if j < 0 else j + len(close)
                out.append(keep_newlines(text[i:j]))
                i = j
            elif c == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                j += 1
                out.append(keep_newlines(text[i:j]))
                i = j
            elif c == "'":
                # A char literal: 'x', '\n', '\u{..}', '\''; otherwise a lifetime.
                m = re.match(r"'(?:\\u\{[0-9a-fA-F_]*\}|\\x[0-9a-fA-F]{2}|\\.|[^\\'\n])'", text[i:i + 16])
                if m:
                    out.append(" " * m.end())
                    i += m.end()
                else:
                    out.append(c)
                    i += 1
            else:
                out.append(c)
                i += 1
    return "".join(out)


FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")


def functions(text):
    """(name, first line, last line) for every function with a body."""
    code = blank(text)
    line_of = []
    line = 1
    for ch in code:
        line_of.append(line)
        if ch == "\n":
            line += 1
    for m in FN.finditer(code):
        j, parens = m.end(), 0
        while j < len(code):
            ch = code[j]
            if code.startswith("->", j):
                j += 2
                continue
            if ch in "([<":
                parens += 1
            elif ch in ")]>" and parens:
                parens -= 1
            elif ch == ";" and parens == 0:
                j = -1  # a declaration without a body
                break
            elif ch == "{" and parens == 0:
                break
            j += 1
        if j < 0 or j >= len(code):
            continue
        depth, k = 0, j
        while k < len(code):
            if code[k] == "{":
                depth += 1
            elif code[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        yield m.group(1), line_of[m.start()], line_of[min(k, len(code) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("paths", nargs="*", default=["src", "examples", "benches", "python/src"])
    args = ap.parse_args()
    rows = []
    for root in args.paths:
        files = [root] if os.path.isfile(root) else [
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".rs")
        ]
        for path in files:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            lines = text.splitlines()
            for name, first, last in functions(text):
                length = last - first + 1
                above = lines[max(0, first - 4):first - 1]
                if any("// long-fn:" in line for line in above):
                    continue
                if length > args.limit:
                    rows.append((length, path, first, name))
    for length, path, first, name in sorted(rows, reverse=True):
        print(f"{length:5} {path}:{first} {name}")
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main())
