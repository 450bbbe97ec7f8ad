"""Bench results as JSON and Markdown (with a dated summary table for the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from index.durable import atomic_write_text


MISSING = "–"


@dataclass(frozen=True)
class ReportFiles:
    json: Path
    markdown: Path


def write_report(results: dict, out_dir: Path) -> ReportFiles:
    """``bench-<time>[-quick].json`` and ``.md`` in ``out_dir``, each written atomically."""
    stamp = results["started"][:19].replace(":", "").replace("-", "")
    name = f"bench-{stamp}{'-quick' if results.get('quick') else ''}"
    json_path, markdown_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json_path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")  # first: never lost
    try:
        markdown = render_markdown(results)
    except Exception as error:  # a rendering bug must not hide the measurements
        reason = f"{type(error).__name__}: {error}"
        markdown = f"# Bench report\n\nThe Markdown could not be rendered ({reason}); see {json_path.name}.\n"
    atomic_write_text(markdown_path, markdown)
    return ReportFiles(json_path, markdown_path)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def _ok(section: Any) -> bool:
    return isinstance(section, (dict, list)) and not (isinstance(section, dict) and "error" in section)


def _error(name: str, section: Any) -> str:
    if section is None:
        return f"_{name}: not run._"
    return f"_{name} failed: {section.get('error')}_"


def _ms(summary: dict | None, key: str = "p50_ms") -> float | None:
    return None if not summary else summary.get(key)


# --- headline ---------------------------------------------------------------------------------


def headline_rows(results: dict) -> list[tuple[str, str]]:
    """(figure, value) pairs: the numbers the README quotes."""
    sections = results["sections"]
    rows: list[tuple[str, str]] = []
    indexing = sections.get("indexing")
    if _ok(indexing):
        rows.append((
            "Full build vs raw encode throughput (target ≥ 0.95)",
            f"{indexing['ratio']:.3f} ({indexing['build_chunks_per_second']:.2f} vs "
            f"{indexing['raw_chunks_per_second']:.2f} chunks/s, {indexing['chunks']} chunks); "
            f"model share of build time {indexing['in_build_ratio']:.3f}",
        ))
        reindex = indexing.get("reindex") or {}
        rows.append((
            "Re-index after one release changes (seed corpus)",
            f"{reindex.get('seconds', 0):.2f} s, {reindex.get('chunks_embedded')} of {reindex.get('release_chunks')} "
            f"chunks re-embedded (full build {reindex.get('full_build_seconds', 0):.1f} s)",
        ))
    reindex_scale = sections.get("reindex_scale")
    if _ok(reindex_scale) and reindex_scale:
        largest = reindex_scale[-1]
        rows.append((
            f"Re-index one release in {largest['corpus_releases']:,} releases (no model)",
            f"{largest['seconds']:.1f} s vs full build {largest['full_build_seconds']:.1f} s",
        ))
    latency = sections.get("latency")
    if _ok(latency):
        first = latency["passes"][0]["summary"]
        rows.append((
            f"Answer latency p50 / p95 / p99 ({latency['mode']}, first ask)",
            f"{_fmt_ms(first['total'])}; encode {first['encode']['p50_ms']:.0f}, "
            f"search {first['search']['p50_ms']:.1f}, compose {first['compose']['p50_ms']:.0f} ms (p50)",
        ))
        for item in latency["passes"][1:]:
            rows.append((f"Answer latency p50 / p95 / p99, {item['name']}", _fmt_ms(item["summary"]["total"])))
    langchain = sections.get("langchain")
    if _ok(langchain):
        rows.append((
            "Project ÷ LangChain FAISS: build time, dense query p50",
            f"{langchain['build_ratio']:.2f}×, {langchain['query_ratio']:.2f}× (below 1: project faster)",
        ))
    for size in sections.get("scale") or [] if _ok(sections.get("scale")) else []:
        for dataset in ("clustered", "uniform"):
            exact = _variant(size, dataset, "exact")
            ivf = _variant(size, dataset, "ivf")
            if exact and ivf:
                chosen = _chosen(ivf)
                rows.append((
                    f"{size['n']:,} chunks, {dataset}: IVF nprobe={ivf['chosen']} vs exact",
                    f"recall@10 {chosen['recall_at_10']:.3f}, p50 {chosen['latency']['p50_ms']:.2f} vs "
                    f"{exact['settings'][0]['latency']['p50_ms']:.1f} ms",
                ))
    rows += _shipped_rows(sections.get("scale"))
    compression = sections.get("compression")
    if _ok(compression) and compression["results"]:
        base = compression["results"][0]
        for item in compression["results"][1:]:
            if item["name"].startswith(("fp16 × 768", "fp32 × 256")):
                changes = ", ".join(
                    f"{name} {item['metrics'][name] - base['metrics'][name]:+.3f}" for name in base["metrics"]
                )
                share = item["mib_per_million"] / base["mib_per_million"]
                rows.append((
                    f"{item['name']} vs fp32 × 768 on NTREX (memory {share:.2f}×)",
                    f"{changes}; same top-1 {item['same_top1_share']:.0%}",
                ))
    memory = sections.get("memory")
    if _ok(memory):
        label = "Peak RSS serving the seed corpus (model + index)"
        if memory.get("method") == "in-process":
            label = "Peak RSS of the quick bench process (model + index; upper bound)"
        rows.append((label, f"{memory['peak_rss_mib']:,.0f} MiB"))
    largest_serving = _largest_serving(sections)
    if largest_serving:
        n, serving = largest_serving
        rows.append((f"Peak RSS serving {n:,} chunks (index only, no model)", f"{serving['peak_rss_mib']:,.0f} MiB"))
        if _ok(memory):
            model = memory["encoder_rss_mib"] - memory["baseline_rss_mib"]
            estimate = f"{serving['peak_rss_mib'] + model:,.0f} MiB"
            rows.append((f"Estimated peak serving {n:,} chunks with the model", estimate))
    return rows


def _shipped_rows(scale: Any) -> list[tuple[str, str]]:
    """Recall and latency of the layout the product ships, at the largest size measured, per data set."""
    if not _ok(scale) or not scale:
        return []
    largest = max(scale, key=lambda size: size["n"])
    rows = []
    for variant in largest["variants"]:
        if variant["kind"] == "shipped":
            chosen = variant["settings"][0]
            rows.append((
                f"Shipped layout at {largest['n']:,} chunks, {variant['dataset']} ({_layout(variant['layout'])})",
                (f"recall@10 {chosen['recall_at_10']:.3f}, p50 {chosen['latency']['p50_ms']:.2f} ms "
                 f"(language filter: recall@10 {variant['filtered_recall_at_10']:.3f})"),
            ))
    return rows


def _layout(plan: dict) -> str:
    """``exact`` or ``IVF nlist=…, nprobe=…`` for an ``IndexPlan`` dict."""
    return "exact" if plan["kind"] != "ivf" else f"IVF nlist={plan['nlist']}, nprobe={plan['nprobe']}"


def _fmt_ms(summary: dict) -> str:
    return f"{summary['p50_ms']:.0f} / {summary['p95_ms']:.0f} / {summary['p99_ms']:.0f} ms"


def _variant(size: dict, dataset: str, kind: str) -> dict | None:
    return next((v for v in size["variants"] if v["dataset"] == dataset and v["kind"] == kind), None)


def _chosen(variant: dict) -> dict:
    return next(item for item in variant["settings"] if item["value"] == variant["chosen"])


def _largest_serving(sections: dict) -> tuple[int, dict] | None:
    sizes = sections.get("scale")
    if not _ok(sizes) or not sizes:
        return None
    size = max(sizes, key=lambda item: item["n"])
    return (size["n"], size["serving"]) if size.get("serving") else None


def readme_table(results: dict) -> str:
    """The dated table for the README."""
    machine = results["machine"]
    date = results["started"][:10]
    title = (
        f"Bench {date} ({'quick' if results.get('quick') else 'full'}; {machine.get('cpus')} shared CPU cores, "
        f"load {machine.get('load_average_start')}→{machine.get('load_average_end')}; "
        f"model {machine.get('model_id')})"
    )
    return f"**{title}**\n\n" + table(("figure", "value"), headline_rows(results))


# --- full report ------------------------------------------------------------------------------


def render_markdown(results: dict) -> str:
    sections = results["sections"]
    parts = [
        f"# Performance and scale bench — {results['started']}",
        "",
        _machine(results),
        "",
        *_quick_notice(results),
        "## Summary (README table)",
        "",
        readme_table(results),
        "",
        "## 1. Indexing",
        "",
        _indexing(sections.get("indexing"), sections.get("reindex_scale")),
        "",
        "## 2. Answer latency (Assistant.ask, the chat's entry point)",
        "",
        _latency(sections.get("latency")),
        "",
        "## 3. Scale curve (synthetic chunks, no model)",
        "",
        _scale(sections.get("scale"), sections.get("rule")),
        "",
        "## 4. Memory",
        "",
        _memory(sections.get("memory"), sections.get("compression"), sections),
        "",
        "## 5. Side by side: LangChain FAISS + HuggingFaceEmbeddings",
        "",
        _langchain(sections.get("langchain")),
        "",
        "## 6. Query-time model cost",
        "",
        _query_model(sections.get("query_model")),
        "",
        "## Section durations (s)",
        "",
        table(("section", "seconds"), list(results.get("seconds", {}).items())),
        "",
    ]
    return "\n".join(parts)


def _quick_notice(results: dict) -> list[str]:
    """A warning block on quick runs: small samples, indicative figures only."""
    if not results.get("quick"):
        return []
    samples = results.get("samples") or {}
    sizes = ", ".join(f"{n:,}" for n in samples.get("scale_sizes", [])) or MISSING
    notice = (
        f"> **Quick run with small samples: indicative figures only.** The model sections use "
        f"{len(samples.get('releases', []))} of {samples.get('corpus_releases', MISSING)} releases (the shortest "
        f"text) and {samples.get('questions', MISSING)} golden questions, one round; the scale curve stops at "
        f"{sizes} chunks; memory is measured inside the bench process and LangChain reuses the project's loaded model; "
        f"torch and FAISS on {samples.get('threads') or 'their default'} thread(s). "
        "Run `assistant bench` (full) for the figures the README quotes."
    )
    return [notice, ""]


def _machine(results: dict) -> str:
    machine = results["machine"]
    packages = ", ".join(f"{name} {value}" for name, value in machine.get("packages", {}).items())
    return (
        f"{'Quick' if results.get('quick') else 'Full'} run. {machine.get('cpus')} CPUs (shared with other work: "
        f"1-min load {machine.get('load_average_start')} at start, {machine.get('load_average_end')} at end), "
        f"torch threads {machine.get('torch_threads')}, FAISS threads {machine.get('faiss_threads')}, "
        f"Python {machine.get('python')}. Model {machine.get('model_id')} "
        f"(loaded in {machine.get('model_load_seconds')} s). "
        f"{packages}."
    )


def _indexing(indexing: Any, reindex_scale: Any) -> str:
    lines = []
    if _ok(indexing):
        lines.append(table(
            ("releases", "chunks", "distinct texts", "build s (each)", "embed s in build", "raw encode s (each)",
             "build chunks/s", "raw chunks/s", "ratio", "model share of build"),
            [(indexing["releases"], indexing["chunks"], indexing["distinct_texts"],
              ", ".join(f"{s:.2f}" for s in indexing["build_seconds"]),
              ", ".join(f"{s:.2f}" for s in indexing["build_embed_seconds"]),
              ", ".join(f"{s:.2f}" for s in indexing["raw_encode_seconds"]),
              indexing["build_chunks_per_second"], indexing["raw_chunks_per_second"], indexing["ratio"],
              indexing["in_build_ratio"])],
        ))
        lines.append("")
        lines.append(
            "Raw encode = `encoder.encode` with the document prompt on the same distinct chunk texts, in the "
            "build's call sizes, before and after each build (averaged); build = `index.build.build_index` into an "
            f"empty home and embedding cache; ratio = mean raw seconds ÷ median build seconds. Model share = seconds "
            "inside `encoder.encode` during the build ÷ build seconds (the same figure measured inside one build, so "
            f"immune to load drift between runs). Load averages during the section: {indexing.get('load_average')}."
        )
    else:
        lines.append(_error("indexing", indexing))
    lines.append("")
    lines.append(
        "Re-index after one release changes (a paragraph appended; unchanged chunk texts come from the embedding cache):"
    )
    lines.append("")
    rows = []
    if _ok(indexing) and indexing.get("reindex"):
        rows.append(_reindex_row("seed corpus, real model", indexing["reindex"]))
    if _ok(reindex_scale):
        rows += [_reindex_row("copies of the seeds, random vectors", item) for item in reindex_scale]
    lines.append(table(
        ("corpus", "releases", "chunks", "release chunks", "re-embedded", "cache hits", "re-index s", "full build s"),
        rows,
    ))
    return "\n".join(lines)


def _reindex_row(label: str, item: dict) -> tuple:
    return (label, item["corpus_releases"], item["corpus_chunks"], item["release_chunks"], item["chunks_embedded"],
            item["cache_hits"], item["seconds"], item["full_build_seconds"])


def _latency(latency: Any) -> str:
    if not _ok(latency):
        return _error("latency", latency)
    rows = []
    for item in latency["passes"]:
        for part, summary in item["summary"].items():
            rows.append(
                (item["name"], part, summary["p50_ms"], summary["p95_ms"], summary["p99_ms"], summary["mean_ms"])
            )
    statuses = "; ".join(f"{p['name']}: {p['statuses']} (load {p['load_average']})" for p in latency["passes"])
    return (
        f"Mode {latency['mode']}, {latency['index_chunks']} chunks, "
        f"{latency['passes'][0]['questions']} golden questions. "
        "encode = question → vector (model); search = FAISS + BM25 + SQLite without that encode; compose = the rest "
        "(relevance, quotes, highlighting, other versions), of which highlight_encode is model time on passage "
        "sentences. Passes: first ask (cold caches), new wording (same questions lower-cased: the question goes "
        "through the model, quoted sentences are cached), repeated question (query LRU).\n\n"
        + table(("pass", "part", "p50 ms", "p95 ms", "p99 ms", "mean ms"), rows)
        + f"\n\nAnswer statuses: {statuses}."
    )


def _scale(scale: Any, rule: Any) -> str:
    if not _ok(scale):
        return _error("scale", scale)
    lines = [
        "Random unit vectors (*uniform*) are the worst case for ANN recall: with no cluster structure a query's "
        "neighbours are scattered over all lists / graph regions, and the true top-10 barely stands out from the rest. "
        "*Clustered* data (Gaussian mixture, ~250 points per centroid, cosine ~0.5 within a cluster) is closer to "
        "text embeddings. Latencies are single queries (k=10) as the chat searches, on one FAISS thread (see the "
        "threads column below for why); recall@10 is against exact search. "
        f"The filtered columns restrict to one language (`{_filter_language()}`) with an `IDSelectorBatch`, as the "
        "chat's language filter does. Memory: RSS retained after the build and the on-disk (= serialised) size. "
        "*shipped* = the layout the product builds for that size (`index.faiss_layout.choose_index` + "
        "`build_index`, searched with its own nprobe); the other rows are the bench's sweeps.",
        "",
    ]
    rows = []
    for size in scale:
        for variant in size["variants"]:
            chosen = _chosen(variant)
            rows.append((
                size["n"], variant["dataset"], variant["kind"],
                _setting_cell(variant),
                variant["build_seconds"], variant["retained_mib"], variant["disk_mib"],
                chosen["latency"]["p50_ms"], chosen["latency"]["p95_ms"], chosen["latency"]["p99_ms"],
                chosen["recall_at_10"],
                variant["filtered_recall_at_10"], _ms(variant.get("filtered_latency")),
                "yes" if variant["supports_removal"] else "no",
            ))
    lines.append(table(
        ("chunks", "data", "index", "setting", "build s", "RSS MiB", "disk MiB", "p50 ms", "p95 ms", "p99 ms",
         "recall@10", "filtered recall@10", "filtered p50 ms", "remove_ids"), rows,
    ))
    lines += ["", "ANN sweeps (recall@10 / p50 ms per setting):", ""]
    sweep_rows = []
    for size in scale:
        for variant in size["variants"]:
            if variant["knob"]:
                cells = ", ".join(
                    f"{s['value']}: {s['recall_at_10']:.3f} / {s['latency']['p50_ms']:.2f}" for s in variant["settings"]
                )
                sweep_rows.append((size["n"], variant["dataset"], variant["kind"], variant["knob"], cells))
    lines.append(table(("chunks", "data", "index", "knob", "value: recall / p50"), sweep_rows))
    lines += ["", "Per size: chunk database, serving process (no model, random query vectors), FAISS threads:", ""]
    size_rows = []
    for size in scale:
        meta, serving = size["metadata"], size.get("serving") or {}
        threads = "; ".join(f"{name}: {value['p50_ms']:.1f}" for name, value in size.get("exact_threads", {}).items())
        size_rows.append((
            size["n"], meta["releases"], meta["build_seconds"], meta["disk_mib"], meta["fetch_latency"]["p50_ms"],
            meta["filter_latency"]["p50_ms"], meta["filter_share"], serving.get("open_seconds"),
            serving.get("open_peak_rss_mib"), serving.get("peak_rss_mib"), _ms(serving.get("answer_latency")),
            size.get("reconstruct_seconds_estimate"), threads,
        ))
    lines.append(table(
        ("chunks", "releases", "db build s", "db MiB", "fetch 10 rows p50 ms", "language filter p50 ms", "filter share",
         "serving open s", "open peak MiB", "serving peak MiB", "answer p50 ms (no model)",
         "reconstruct-all s (est.)", "exact p50 ms by FAISS threads"), size_rows,
    ))
    if _ok(rule):
        share = rule.get("nprobe_share", 0.03)
        rule_text = (f"Shipped rule (`index.faiss_layout.choose_index`): exact `IndexFlatIP` up to "
                     f"{rule['exact_limit']:,} chunks, IVF above (nlist ≈ √n, nprobe ≈ {share:.0%} of nlist):")
        lines += ["", rule_text, ""]
        lines.append(table(("chunks", "index", "nlist", "nprobe"),
                           [(int(n), p["kind"], p["nlist"], p["nprobe"]) for n, p in rule["plans"].items()]))
    hnsw = _hnsw_extrapolation(scale)
    if hnsw:
        lines += ["", hnsw]
    return "\n".join(lines)


def _setting_cell(variant: dict) -> str:
    if variant.get("layout"):
        return f"index.faiss_layout: {_layout(variant['layout'])}"
    return f"{variant['knob']}={variant['chosen']}" if variant["knob"] else ""


def _filter_language() -> str:
    from evaluation.bench.scale import FILTER_LANGUAGE

    return FILTER_LANGUAGE


def _hnsw_extrapolation(scale: list) -> str:
    from evaluation.bench.scale import hnsw_build_estimate

    built = [(size["n"], v) for size in scale for v in size["variants"] if v["kind"] == "hnsw"]
    if not built:
        return ""
    n, variant = max(built, key=lambda item: item[0])
    estimate = hnsw_build_estimate(n, variant["build_seconds"], 1_000_000)
    return (
        f"HNSW (M=32, efConstruction=40) was built up to {n:,} chunks ({variant['build_seconds']:.0f} s on "
        f"{variant['dataset']} data); n·log n extrapolation to 1,000,000 chunks: ~{estimate / 60:.0f} min per build, "
        "and HNSW cannot remove vectors, so each changed release would need that full rebuild."
    )


def _memory(memory: Any, compression: Any, sections: dict) -> str:
    lines = []
    if _ok(memory):
        lines.append(table(
            ("process", "baseline MiB", "after model MiB", "after index MiB", "peak MiB", "open s", "answer p50 ms"),
            [(_memory_label(memory), memory["baseline_rss_mib"], memory["encoder_rss_mib"],
              memory["open_rss_mib"], memory["peak_rss_mib"], memory["open_seconds"],
              _ms(memory.get("answer_latency")))],
        ))
    else:
        lines.append(_error("memory", memory))
    largest = _largest_serving(sections)
    if largest and _ok(memory):
        n, serving = largest
        model = memory["encoder_rss_mib"] - memory["baseline_rss_mib"]
        lines += ["", (
            f"At {n:,} chunks the serving process without the model peaks at {serving['peak_rss_mib']:,.0f} MiB "
            f"(open {serving['open_seconds']:.0f} s); adding the model's {model:,.0f} MiB gives an estimated "
            f"{serving['peak_rss_mib'] + model:,.0f} MiB peak."
        )]
    lines += ["", "Storage options (quality on NTREX-128, memory per million chunks for the vectors alone):", ""]
    if _ok(compression):
        names = list(compression["results"][0]["metrics"]) if compression["results"] else []
        rows = [
            (item["name"], item["mib_per_million"], *(item["metrics"].get(name) for name in names),
             item["same_top1_share"], item["same_top10_set_share"])
            for item in compression["results"]
        ]
        notes = " ".join(compression.get("notes", []))
        lines.append(f"{compression['data']}; queries {compression['queries']}. {notes}")
        lines.append("")
        lines.append(table(("storage", "MiB / 1M", *names, "same top-1", "same top-10 set"), rows))
    else:
        lines.append(_error("compression quality (full run only)", compression))
    return "\n".join(lines)


def _memory_label(memory: dict) -> str:
    if memory.get("method") == "in-process":
        return (f"the bench process (quick run: in-process; {memory.get('before_open_rss_mib'):,.0f} MiB before "
                "opening, peak over the whole run so far: upper bounds)")
    return "serving the seed corpus (real model, fresh process)"


def _langchain(langchain: Any) -> str:
    if not _ok(langchain):
        return _error("LangChain comparison", langchain)
    rows = [
        ("index build s", ", ".join(f"{s:.2f}" for s in langchain["project_build_seconds"]),
         ", ".join(f"{s:.2f}" for s in langchain["langchain_build_seconds"]), langchain["build_ratio"]),
        ("query p50 ms (dense)", _ms(langchain["project_dense"]), _ms(langchain["langchain_query"]),
         langchain["query_ratio"]),
        ("query p95 ms (dense)", _ms(langchain["project_dense"], "p95_ms"), _ms(langchain["langchain_query"], "p95_ms"),
         None),
        ("query p50 ms (project hybrid)", _ms(langchain["project_hybrid"]), None, None),
    ]
    notes = " ".join(note.rstrip(".") + "." for note in langchain.get("notes", []))
    if langchain.get("shared_model"):
        loaded = "the project's loaded model wrapped by LangChain (quick run: no second load)"
    else:
        loaded = f"model loaded by LangChain in {langchain['model_load_seconds']} s"
    return (
        f"{langchain['chunks']} chunks (this project's chunker), {loaded} "
        f"({langchain['embeddings_module']}). Project build = chunk + embed + "
        "cache + SQLite + BM25 + FAISS + checksums + fsync; LangChain build = `FAISS.from_documents` + `save_local`. "
        "Queries interleaved question by question, no query cache on either side. "
        f"Same top-1 passage: {langchain['same_top1_share']:.0%}. {notes}\n\n"
        + table(("figure", "project", "LangChain", "project ÷ LangChain"), rows)
    )


def _query_model(query_model: Any) -> str:
    if not _ok(query_model):
        return _error("query model", query_model)
    query = query_model["query"]
    rows = [
        (c["name"], c["baseline"]["p50_ms"], c["candidate"]["p50_ms"], c["speedup"], c["min_cosine"],
         "yes" if c["kept"] else "no")
        for c in query["candidates"]
    ]
    lines = [
        f"torch threads in this run: {query['torch_threads']}. Each candidate alternates with the baseline per text; "
        "kept = faster at p50 and every vector within cosine 0.999 of the baseline's.",
        "",
        table(("candidate", "baseline p50 ms", "candidate p50 ms", "speed-up", "min cosine", "kept"), rows),
        "",
        f"Query LRU hit (assistant.query_cache): {query['query_cache_hit_ms']} ms per repeated question. "
        f"Accelerated backends: {query['backends']}.",
    ]
    batches = query_model.get("document_batch_sizes")
    if batches:
        lines += ["", table(("passage batch size", "seconds", "passages/s", "min cosine vs first"),
                            [(b["batch_size"], b["seconds"], b["texts_per_second"], b["min_cosine"]) for b in batches])]
    return "\n".join(lines)
