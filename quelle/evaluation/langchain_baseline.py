"""The LangChain default recipe as a baseline: RecursiveCharacterTextSplitter(1000/200) + Chroma + the same
embedding model, similarity_search(k=10). Its "answer" is the text of the top chunk, so answer_contains and
the retrieval metrics are comparable with Quelle's pipeline; it never abstains.

The vector store is langchain-chroma's `Chroma` on an in-memory chromadb client (telemetry off), built
fresh for each evaluation run from the same articles the evaluated store holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ingest.models import Article
from vectorstore.embeddings import Embedder

BACKEND = "langchain-baseline"
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


@dataclass
class BaselineHit:
    article_id: str
    title: str
    text: str
    start: int
    end: int
    score: float  # Chroma's distance (lower is closer)


class LangChainBaseline:
    def __init__(self, articles: list[Article], embedder: Embedder):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from vectorstore.langchain_embeddings import QuelleEmbeddings

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        docs = splitter.create_documents(
            [a.text for a in articles], metadatas=[{"article_id": a.article_id, "title": a.title} for a in articles]
        )
        self.chunks = len(docs)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"langchain-baseline-{uuid.uuid4().hex[:8]}",
            embedding_function=QuelleEmbeddings(embedder),
            client=client,
        )
        if docs:
            self.store.add_documents(docs)

    def search(self, question: str, k: int = 10) -> list[BaselineHit]:
        hits = []
        for doc, distance in self.store.similarity_search_with_score(question, k=k):
            start = int(doc.metadata.get("start_index", 0))
            hits.append(
                BaselineHit(
                    doc.metadata.get("article_id", ""),
                    doc.metadata.get("title", ""),
                    doc.page_content,
                    start,
                    start + len(doc.page_content),
                    float(distance),
                )
            )
        return hits

    def close(self) -> None:
        try:
            self.store.delete_collection()
        except Exception:  # an in-memory collection; nothing to keep
            pass
