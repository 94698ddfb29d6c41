"""Answering: ask() retrieves, answers (extractive reader or an LLM backend), cites and checks.

pipeline (ask), extractive (the no-LLM reader), grounded + llm + prompts (LLM answers), citations (markers and
support checks), conversation (follow-ups), abstain (the abstention sentence), types (what ask() returns)."""
