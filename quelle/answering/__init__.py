"""Answering: ask() retrieves, drafts (the extractive reader or an LLM backend, chosen by name), assembles (cites and
checks) and applies the time-aware stage.

pipeline (ask), registry (answerers by name, their capabilities, the chain), answerers (the Answerer seam),
extractive (the no-LLM reader), grounded + llm + prompts (LLM answers), checked (the assembly: Draft → Answer),
citations (markers and support checks), conversation (follow-ups), abstain (the abstention), types (Draft, Answer)."""
