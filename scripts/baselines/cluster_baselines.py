"""Lexical clustering baselines for duplicate / intent grouping.

What it computes
  For each dataset (text = title + " " + body, true group = `label`):
  a. TF-IDF (word unigrams, sublinear tf, english stop words, l2-normalised) +
     agglomerative clustering with cosine distance and average linkage, cut at
     distance thresholds 0.3/0.4/0.5/0.6/0.7/0.8/0.9/0.95.  The dendrogram is
     built once with scipy (linkage 'average' on the condensed 1 - cosine matrix) and cut with
     fcluster(criterion='distance'); this is what sklearn
     AgglomerativeClustering(metric='cosine', linkage='average',
     distance_threshold=t, n_clusters=None) computes, without refitting per t.
     Items whose TF-IDF vector is empty (only stop words) are at distance 1
     from everything (sklearn refuses them; on the non-empty items the cuts
     were checked to match sklearn exactly).
  b. rapidfuzz fuzz.token_set_ratio on default_process'ed text (lower-case,
     non-alphanumerics to spaces); edge i-j when ratio >= T (T = 70/80/90,
     plus 95); groups = connected components.  Scores come from process.cdist
     (workers=-1) in row chunks, stored as a sparse edge list.
  Metrics per setting: NMI (arithmetic), ARI, pairwise precision/recall/F1 over
  item pairs (same predicted group vs same true group, from the contingency
  table), number of predicted groups, share of items in predicted groups of
  size >= 2, size of the largest predicted group, and runtime (time = shared
  build time + the cut; the build is vectorise+linkage for (a), the full cdist pass for (b)).
  Then best-by-pairwise-F1 and best-by-ARI setting per method and dataset.

How to run (data is read at run time, never copied):
  python3 scripts/baselines/cluster_baselines.py                # all three sets
  python3 scripts/baselines/cluster_baselines.py --only hadoop  # one set
  python3 scripts/baselines/cluster_baselines.py --subsample 5000  # cap n
Requires: scikit-learn, scipy, numpy, rapidfuzz.  ~2.5-3 minutes on 2 cores
(banking77 fuzzy pass ~70-105 s).
"""
import argparse
import json
import time

import numpy as np
from rapidfuzz import fuzz, process, utils
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

DATA = {
    "banking77": "/work/shared/data/banking77/train.jsonl",
    "clinc150_val": "/work/shared/data/clinc150/val.jsonl",
    "hadoop": "/work/shared/data/duplicate_bugs/hadoop.jsonl",
}
AGG_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
FUZZ_THRESHOLDS = (70, 80, 90, 95)
CHUNK = 500


def load(path, subsample, seed):
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                texts.append(f"{r.get('title') or ''} {r.get('body') or ''}".strip())
                labels.append(r["label"])
    if subsample and len(texts) > subsample:
        keep = np.sort(np.random.default_rng(seed).choice(len(texts), subsample,
                                                          replace=False))
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
    return texts, np.unique(labels, return_inverse=True)[1]


def pairs(counts):
    counts = np.asarray(counts, dtype=np.int64)
    return int((counts * (counts - 1) // 2).sum())


def evaluate(y_true, y_pred):
    c = contingency_matrix(y_true, y_pred, sparse=True)
    tp = pairs(c.data)
    pred_pairs = pairs(np.asarray(c.sum(axis=0)).ravel())
    true_pairs = pairs(np.asarray(c.sum(axis=1)).ravel())
    p = tp / pred_pairs if pred_pairs else 0.0
    r = tp / true_pairs if true_pairs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    sizes = np.bincount(y_pred)
    sizes = sizes[sizes > 0]
    return {
        "nmi": normalized_mutual_info_score(y_true, y_pred, average_method="arithmetic"),
        "ari": adjusted_rand_score(y_true, y_pred),
        "p": p, "r": r, "f1": f1,
        "groups": len(sizes),
        "multi": sizes[sizes >= 2].sum() / len(y_pred),
        "largest": int(sizes.max()),
    }


def agglomerative(texts, y):
    t0 = time.time()
    X = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    n_empty = int((X.getnnz(axis=1) == 0).sum())
    sim = (X @ X.T).toarray()          # rows are l2-normalised -> cosine
    np.clip(sim, 0.0, 1.0, out=sim)
    dist = 1.0 - sim
    del sim
    dist = (dist + dist.T) / 2.0
    np.fill_diagonal(dist, 0.0)
    Z = linkage(squareform(dist, checks=False), method="average")
    del dist
    build = time.time() - t0
    rows = []
    for t in AGG_THRESHOLDS:
        t1 = time.time()
        pred = fcluster(Z, t=t, criterion="distance") - 1
        rows.append((f"dist<={t}", evaluate(y, pred), build + time.time() - t1))
    return rows, n_empty


def fuzzy_graph(texts, y):
    t0 = time.time()
    proc = [utils.default_process(t) for t in texts]
    n = len(proc)
    lo = min(FUZZ_THRESHOLDS)
    ri, ci, vi = [], [], []
    for s in range(0, n, CHUNK):
        m = process.cdist(proc[s:s + CHUNK], proc, scorer=fuzz.token_set_ratio,
                          processor=None, score_cutoff=lo, dtype=np.uint8, workers=-1)
        r, c = np.nonzero(m >= lo)
        keep = r + s < c               # upper triangle, no self pairs
        ri.append(r[keep] + s); ci.append(c[keep]); vi.append(m[r[keep], c[keep]])
    ri, ci, vi = np.concatenate(ri), np.concatenate(ci), np.concatenate(vi)
    build = time.time() - t0
    rows = []
    for T in FUZZ_THRESHOLDS:
        t1 = time.time()
        sel = vi >= T
        g = coo_matrix((np.ones(sel.sum(), dtype=np.int8), (ri[sel], ci[sel])), shape=(n, n))
        _, pred = connected_components(g, directed=False)
        rows.append((f"ratio>={T}", evaluate(y, pred), build + time.time() - t1))
    return rows


def show(name, n, y, results, n_empty):
    tsizes = np.bincount(y)
    print(f"\n=== {name}: n={n}, true groups={len(tsizes)}, "
          f"share in true groups>=2={tsizes[tsizes >= 2].sum() / n:.3f}, "
          f"true same-group pairs={pairs(tsizes)}, empty tf-idf rows={n_empty}")
    hdr = (f"{'method':<8} {'setting':<11} {'NMI':>6} {'ARI':>6} {'pairP':>6} {'pairR':>6} "
           f"{'pairF1':>6} {'groups':>6} {'in>=2':>6} {'largest':>7} {'time_s':>6}")
    print(hdr)
    print("-" * len(hdr))
    for method, rows in results.items():
        for setting, m, secs in rows:
            print(f"{method:<8} {setting:<11} {m['nmi']:>6.3f} {m['ari']:>6.3f} {m['p']:>6.3f} "
                  f"{m['r']:>6.3f} {m['f1']:>6.3f} {m['groups']:>6d} {m['multi']:>6.3f} "
                  f"{m['largest']:>7d} {secs:>6.1f}")
    for method, rows in results.items():
        bf = max(rows, key=lambda x: x[1]["f1"])
        ba = max(rows, key=lambda x: x[1]["ari"])
        print(f"best {method}: by pairF1 {bf[0]} (F1 {bf[1]['f1']:.3f}, ARI {bf[1]['ari']:.3f}, "
              f"{bf[1]['groups']} groups); by ARI {ba[0]} (ARI {ba[1]['ari']:.3f}, "
              f"F1 {ba[1]['f1']:.3f}, {ba[1]['groups']} groups)")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(DATA), help="run one dataset")
    ap.add_argument("--subsample", type=int, default=0,
                    help="cap items per dataset (random, seeded); 0 = all")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for name, path in DATA.items():
        if args.only and name != args.only:
            continue
        texts, y = load(path, args.subsample, args.seed)
        ag_rows, n_empty = agglomerative(texts, y)
        results = {"tfidf-ag": ag_rows, "fuzz-cc": fuzzy_graph(texts, y)}
        show(name + (f" (subsample {args.subsample})" if args.subsample and
                     len(y) == args.subsample else ""), len(y), y, results, n_empty)


if __name__ == "__main__":
    main()
