#!/usr/bin/env python3
"""Writes a sample of N items per label of a labelled JSON Lines file on
stdout, chosen by a seeded hash of each id (the same sample on every run),
labels in sorted order. Used to judge the clusterer at the sizes of the
held-out test splits, which are not on this machine (Banking77 test: about
40 per intent; CLINC150 test: 30), from the dev files:

    python3 scripts/sample_per_label.py ../shared/data/banking77/train.jsonl 40 a > /tmp/b77-40a.jsonl
    python3 scripts/sample_per_label.py ../shared/data/clinc150/train.jsonl 30 a > /tmp/clinc-30a.jsonl

The samples are subsets of the dev files: other sizes, not other texts.
"""
import collections
import hashlib
import json
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, per_label, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    by_label = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                by_label[item["label"]].append(item)
    key = lambda item: hashlib.sha1((seed + item["id"]).encode()).hexdigest()
    for label in sorted(by_label):
        for item in sorted(by_label[label], key=key)[:per_label]:
            print(json.dumps(item))


if __name__ == "__main__":
    main()
