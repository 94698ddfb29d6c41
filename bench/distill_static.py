"""Distil a static embedding (model2vec) from the bundled all-MiniLM-L6-v2 and save it as a sentence-transformers
folder that QUELLE_EMBEDDING_MODEL can name (issue 32, item 2; measured with bench/dense_side.py).

model2vec's `distill` extra pins transformers 5.3 (ours: 5.24), so the distillation runs once in a venv of its own
and the result is converted with our own packages — nothing of model2vec is needed to load it:

    python3.11 -m venv /tmp/m2v && /tmp/m2v/bin/pip install "model2vec[distill]" torch==2.13.0
    /tmp/m2v/bin/python bench/distill_static.py distill "$(.venv/bin/python -c \
        'from vectorstore.embeddings import bundled_model_path as p; print(p())')" /tmp/m2v-out [--pca-dims 256]
    .venv/bin/python bench/distill_static.py convert /tmp/m2v-out /tmp/m2v-st

`convert` builds a sentence-transformers StaticEmbedding from the model2vec files (the token vectors in
model.safetensors, tokenizer.json) and saves it with SentenceTransformer.save (mean of token vectors; Quelle's
Embedder normalises, as model2vec's `normalize` does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def distill_model(source: str, out: Path, pca_dims: int | None) -> None:
    from model2vec.distill import distill

    model = distill(model_name=source, pca_dims=pca_dims)
    model.save_pretrained(str(out))


def convert(source: Path, out: Path) -> None:
    import numpy as np
    from safetensors.numpy import load_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    weights = load_file(str(source / "model.safetensors"))
    vectors = np.asarray(weights.get("embeddings", next(iter(weights.values()))), dtype=np.float32)
    static = StaticEmbedding(Tokenizer.from_file(str(source / "tokenizer.json")), embedding_weights=vectors)
    SentenceTransformer(modules=[static], device="cpu").save(str(out))
    print(f"saved {out}: {vectors.shape[0]} tokens x {vectors.shape[1]} dimensions")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    d = sub.add_parser("distill")
    d.add_argument("source")
    d.add_argument("out", type=Path)
    d.add_argument("--pca-dims", type=int, default=256)
    c = sub.add_parser("convert")
    c.add_argument("source", type=Path)
    c.add_argument("out", type=Path)
    a = ap.parse_args()
    if a.step == "distill":
        distill_model(a.source, a.out, a.pca_dims or None)
    else:
        convert(a.source, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
