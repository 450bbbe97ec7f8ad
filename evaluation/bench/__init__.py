"""``assistant bench``: indexing throughput, answer latency, scale curve, memory, LangChain side by side.

Every section measures in the current process (or a child probe for clean memory figures) and
returns plain dataclasses; ``run`` collects them and ``report`` writes JSON + Markdown.
Nothing here is imported by corpus, index or assistant.
"""
