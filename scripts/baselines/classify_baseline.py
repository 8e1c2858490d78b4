"""TF-IDF + logistic regression baseline for request-type classification.

What it computes
  Text = title + " " + body; dataset labels are mapped to library classes with a
  label map (items whose label is not in the map are dropped and counted).
  5-fold cross-validation with a fixed, deterministic split: fold f holds the
  items whose 0-based line index in the file satisfies index % 5 == f; the model
  is trained on the other four folds.  For each fold: macro-F1 (over the classes
  present in that fold's truth or predictions) and accuracy; then the mean over
  folds and the pooled macro-F1 / accuracy over all out-of-fold predictions,
  plus pooled per-class F1.  Run twice: class_weight=None and "balanced".

  Vectoriser: word 1-2 grams, sublinear tf, lowercase, min_df=2.
  Classifier: sklearn LogisticRegression (lbfgs, C=1.0, max_iter=5000).

How to run (from anywhere; the data is read at run time, never copied):
  python3 scripts/baselines/classify_baseline.py                 # Maalej app reviews
  python3 scripts/baselines/classify_baseline.py \
      /work/shared/data/github_issues/nlbse24_train.jsonl \
      --map bug=fault_correction,feature=market_driven,question=responsiveness
Requires: scikit-learn, numpy.
"""
import argparse
import json
import time
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

DEFAULT_PATH = "/work/shared/data/app_reviews/maalej.jsonl"
DEFAULT_MAP = ("Bug=fault_correction,Feature=market_driven,"
               "UserExperience=responsiveness,Rating=responsiveness")
N_FOLDS = 5


def parse_map(spec):
    out = {}
    for part in spec.split(","):
        if part.strip():
            src, dst = part.split("=", 1)
            out[src.strip()] = dst.strip()
    return out


def load(path, label_map):
    """Return (line_indices, texts, mapped_labels, dropped_label_counts)."""
    idx, texts, labels, dropped = [], [], [], Counter()
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                continue
            row = json.loads(line)
            lab = row.get("label")
            if lab not in label_map:
                dropped[lab] += 1
                continue
            idx.append(i)
            texts.append(f"{row.get('title') or ''} {row.get('body') or ''}".strip())
            labels.append(label_map[lab])
    return np.array(idx), texts, np.array(labels), dropped


def run_cv(line_idx, texts, y, class_weight):
    folds = line_idx % N_FOLDS
    oof = np.empty(len(y), dtype=object)
    per_fold = []
    for f in range(N_FOLDS):
        te = np.where(folds == f)[0]
        tr = np.where(folds != f)[0]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                              lowercase=True, strip_accents="unicode")
        Xtr = vec.fit_transform([texts[i] for i in tr])
        Xte = vec.transform([texts[i] for i in te])
        clf = LogisticRegression(C=1.0, max_iter=5000, class_weight=class_weight)
        clf.fit(Xtr, y[tr])
        pred = clf.predict(Xte)
        oof[te] = pred
        per_fold.append((f, len(te),
                         f1_score(y[te], pred, average="macro", zero_division=0),
                         accuracy_score(y[te], pred)))
    return per_fold, oof


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", default=DEFAULT_PATH)
    ap.add_argument("--map", default=DEFAULT_MAP,
                    help="comma-separated src=dst label map (default: Maalej map)")
    args = ap.parse_args()
    label_map = parse_map(args.map)

    line_idx, texts, y, dropped = load(args.path, label_map)
    print(f"data: {args.path}")
    print(f"label map: {label_map}")
    print(f"items used: {len(y)}; dropped (label not in map): "
          f"{sum(dropped.values())} {dict(dropped) if dropped else ''}")
    print("class counts:", {str(k): v for k, v in sorted(Counter(y).items())})
    tc = Counter(texts)
    dup = sum(c for c in tc.values() if c > 1)
    print(f"items whose exact text occurs more than once: {dup} "
          f"({len([c for c in tc.values() if c > 1])} distinct texts; may leak across folds)")
    print(f"folds: line_index % {N_FOLDS}; tfidf word 1-2gram sublinear min_df=2; "
          f"LogisticRegression C=1 lbfgs\n")

    summary = {}
    classes = sorted(set(y))
    for cw in (None, "balanced"):
        t0 = time.time()
        per_fold, oof = run_cv(line_idx, texts, y, cw)
        name = f"class_weight={cw}"
        print(f"== {name}")
        print(f"{'fold':>4} {'n':>5} {'macroF1':>8} {'acc':>7}")
        for f, n, mf1, acc in per_fold:
            print(f"{f:>4} {n:>5} {mf1:>8.4f} {acc:>7.4f}")
        mf1s = np.array([p[2] for p in per_fold])
        accs = np.array([p[3] for p in per_fold])
        pooled_f1 = f1_score(y, oof.astype(str), average="macro", zero_division=0)
        pooled_acc = accuracy_score(y, oof.astype(str))
        print(f"mean macroF1 {mf1s.mean():.4f} (sd {mf1s.std(ddof=1):.4f})   "
              f"mean acc {accs.mean():.4f} (sd {accs.std(ddof=1):.4f})")
        print(f"pooled OOF macroF1 {pooled_f1:.4f}   pooled OOF acc {pooled_acc:.4f}")
        per_class = f1_score(y, oof.astype(str), labels=classes, average=None,
                             zero_division=0)
        print("pooled per-class F1: " +
              ", ".join(f"{c}={v:.4f}" for c, v in zip(classes, per_class)))
        print(f"runtime {time.time() - t0:.1f}s\n")
        summary[name] = (mf1s.mean(), accs.mean(), pooled_f1)

    print("== summary")
    print(f"{'setting':<26} {'meanF1':>7} {'meanAcc':>8} {'pooledF1':>9}")
    for name, (mf1, acc, pf1) in summary.items():
        print(f"{name:<26} {mf1:>7.4f} {acc:>8.4f} {pf1:>9.4f}")
    best = max(summary, key=lambda k: summary[k][0])
    other = [k for k in summary if k != best][0]
    gap = summary[best][0] - summary[other][0]
    if gap < 5e-5:
        print(f"mean macro-F1: tie (difference {gap:.6f})")
    else:
        print(f"higher mean macro-F1: {best} (+{gap:.4f})")


if __name__ == "__main__":
    main()
