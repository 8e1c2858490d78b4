#!/usr/bin/env python3
"""Writes N items with 384-dim caller embeddings for timing whole clustering
runs with the caller's vectors (the `cluster` example; issue 17's goal of
100k items in under 10 s): the lines of the given embedded JSON Lines files
(made with embed_minilm.py) cycled, each round after the first with one word
dropped from the text and its embedding moved by a little Gaussian noise
(standard deviation 0.01 per dimension, then unit length again), so repeats
are near-duplicates rather than identical; 500 customers in turn.

    python3 scripts/vectors/scale_embedded.py 100000 target/banking77-minilm.jsonl \\
        target/clinc150-minilm.jsonl > /tmp/scale100k-emb.jsonl
"""
import json
import math
import random
import sys


def main():
    n = int(sys.argv[1])
    rows = []
    for path in sys.argv[2:]:
        with open(path) as fh:
            for line in fh:
                d = json.loads(line)
                rows.append((d.get("title", ""), d.get("body", ""), d["embedding"]))
    if not rows:
        sys.exit("no input lines")
    rng = random.Random(17)
    out = sys.stdout
    for i in range(n):
        title, body, emb = rows[i % len(rows)]
        if i >= len(rows):
            words = body.split() or title.split()
            if len(words) > 1:
                words.pop(rng.randrange(len(words)))
            if body:
                body = " ".join(words)
            else:
                title = " ".join(words)
            emb = [x + rng.gauss(0.0, 0.01) for x in emb]
            norm = math.sqrt(sum(x * x for x in emb)) or 1.0
            emb = [round(x / norm, 6) for x in emb]
        item = {
            "id": f"e{i}",
            "title": title,
            "body": body,
            "customer": f"c{i % 500}",
            "embedding": emb,
        }
        out.write(json.dumps(item) + "\n")


if __name__ == "__main__":
    main()
