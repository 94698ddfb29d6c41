"""Each private of a library that Quelle relies on is used in exactly one place; these tests fail loudly when an
upgrade of that library (or of Python) changes it, instead of the product silently slowing down or going stale."""

import re

import numpy as np


def test_chromadb_caches_one_system_per_persistent_path_and_quelle_can_forget_it(tmp_path):
    """vectorstore.store.forget_persistent_client: without it a reader keeps searching a stale vector index
    after another process wrote (chroma-core/chroma#3792)."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    from vectorstore.store import forget_persistent_client

    path = str(tmp_path / "chroma")
    chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
    assert isinstance(SharedSystemClient._identifier_to_system, dict)
    assert path in SharedSystemClient._identifier_to_system and path in SharedSystemClient._identifier_to_refcount
    forget_persistent_client(path)
    assert path not in SharedSystemClient._identifier_to_system
    assert path not in SharedSystemClient._identifier_to_refcount


def test_bm25s_keeps_term_scores_as_columns_of_a_csc_matrix():
    """vectorstore.segment.term_postings: segments rescale each term's stored scores to the whole index's idf."""
    import bm25s

    from vectorstore.segment import term_postings

    index = bm25s.BM25(k1=1.2, b=0.75)
    index.index([["rhein", "koblenz"], ["rhein"], ["mosel", "rhein", "rhein"]], show_progress=False)
    indptr, indices, data = term_postings(index)
    terms = [t for t in index.vocab_dict if t]  # bm25s adds an empty token without a column
    assert len(indptr) == len(terms) + 1 and all(index.vocab_dict[t] < len(terms) for t in terms)
    tid = index.vocab_dict["rhein"]
    a, b = int(indptr[tid]), int(indptr[tid + 1])
    assert sorted(int(i) for i in indices[a:b]) == [0, 1, 2]  # one entry per document holding the term
    want = index.get_scores(["rhein"])
    got = np.zeros(3, dtype=np.float32)
    got[np.asarray(indices[a:b])] = data[a:b]
    assert np.allclose(got, want) and got.min() > 0


def test_python_re_cache_size_is_the_module_attribute_re_compile_reads():
    """ingest.sentences raises re._MAXCACHE so pysbd's ~1,600 abbreviation regexes stay compiled."""
    from ingest.sentences import split_sentences

    assert "_MAXCACHE" in re._compile.__code__.co_names  # re._compile still reads the module attribute
    split_sentences("Dr. Müller kam um 9 Uhr. Er ging um 10 Uhr.", "de")
    assert re._MAXCACHE >= 4096
