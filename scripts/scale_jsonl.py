#!/usr/bin/env python3
"""Writes N items for timing whole clustering runs (the `cluster` example) as
JSON Lines on stdout: the texts of ../shared/data cycled, each round after the
first with one word dropped (a small variation), 500 customers in turn; as the
`cluster_scale` example builds them in memory.

    python3 scripts/scale_jsonl.py 100000 > /tmp/scale100k.jsonl
"""
import json
import random
import sys

FILES = [
    "banking77/train.jsonl",
    "clinc150/train.jsonl",
    "duplicate_bugs/hadoop.jsonl",
    "app_reviews/maalej.jsonl",
    "github_issues/nlbse24_train.jsonl",
    "security_bugs/farsec_train.jsonl",
]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    data = sys.argv[2] if len(sys.argv) > 2 else "../shared/data"
    texts = []
    for f in FILES:
        try:
            with open(f"{data}/{f}") as fh:
                for line in fh:
                    row = json.loads(line)
                    texts.append((row.get("title") or "", row.get("body") or ""))
        except FileNotFoundError:
            pass
    rng = random.Random(7)
    rng.shuffle(texts)
    out = sys.stdout
    for i in range(n):
        title, body = texts[i % len(texts)]
        if i >= len(texts):
            words = body.split()
            if len(words) > 1:
                del words[rng.randrange(len(words))]
                body = " ".join(words)
        item = {"id": f"s-{i}", "title": title, "body": body, "customer": f"c{i % 500}"}
        out.write(json.dumps(item) + "\n")


if __name__ == "__main__":
    main()
