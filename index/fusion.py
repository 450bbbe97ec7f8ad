"""Reciprocal rank fusion of the dense and lexical legs, and the rules weighting the lexical leg.

RRF (Cormack, Clarke and Büttcher, SIGIR 2009): an id's fused score is the sum over
rankings of ``weight / (k + rank)``, ranks counted from 1; a ranking that misses the
id adds nothing. It agrees with ``ranx.fusion.rrf`` (checked in the tests) but needs
no Run objects: ranx is an evaluation-only dependency and its first call compiles
numba code for seconds.

The lexical leg is blind to meaning: it ranks every chunk sharing words with the
question, and most shared words are in the question's own language. ``FusionConfig``
says how much it may count (``rule``):

- ``length``: weight 1 up to ``full_weight_tokens`` tokens, then ``full_weight_tokens / tokens``;
- ``language``: the length weight, times ``other_language_factor`` for candidates whose
  language family (and script, with ``match_script``) differs from the question's;
- ``exact``: a leg of its own for the question's rare exact terms (acronyms, numbers, names
  few chunks hold) at weight 1, the whole-question lexical leg only as a tie-breaker
  (``tie_break_weight``);
- ``balanced``: the length weight, with lexical ranks counted within each candidate
  language, so every language's best lexical match gets the same boost.

``experiments.fusion_tuning`` compares them on the NTREX-128 dev fold; ``DEFAULT_FUSION`` is
the setting chosen there (k 20, rule ``exact``, tie-breaker 0.3; the numbers are beside it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from index.folding import tokenize

DEFAULT_K = 60
# Queries up to this many tokens give the lexical leg full weight (see ``lexical_weight``).
FULL_WEIGHT_TOKENS = 6
RULES = ("length", "language", "exact", "balanced")

# (language family, script) of a question or a chunk, e.g. ("sh", "Cyrl"); see corpus.language.
LanguageKey = tuple[str, str]
UNKNOWN_SCRIPT = "Zyyy"

# Words of a question; digit groups ("170.900", "1,5") stay one word.
_WORD = re.compile(r"[^\W_]+(?:[.,'’][0-9]+)*")


@dataclass(frozen=True)
class FusionConfig:
    """How hybrid search fuses its legs; fields a rule does not use are ignored by it."""

    k: int = DEFAULT_K
    rule: str = "length"
    full_weight_tokens: int = FULL_WEIGHT_TOKENS
    other_language_factor: float = 0.5  # rule "language"
    match_script: bool = False  # rule "language": a script change alone also counts as another language
    tie_break_weight: float = 0.1  # rule "exact": weight of the whole-question lexical leg
    # rule "exact": a term is rare when at most max(rare_min_chunks, rare_share × chunks) chunks hold it.
    # 12 = a name in each of six language versions of a release, in two overlapping chunks each.
    rare_min_chunks: int = 12
    rare_share: float = 0.01

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown fusion rule {self.rule!r}; use one of {', '.join(RULES)}")
        if self.k < 0:
            raise ValueError(f"RRF k must be non-negative, got {self.k}")
        if self.full_weight_tokens < 1:
            raise ValueError(f"full_weight_tokens must be at least 1, got {self.full_weight_tokens}")
        for name in ("other_language_factor", "tie_break_weight", "rare_share"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.rare_min_chunks < 0:
            raise ValueError(f"rare_min_chunks must be non-negative, got {self.rare_min_chunks}")

    @property
    def name(self) -> str:
        """File-name-safe label, e.g. ``k60-length``, ``k20-language-0.5-family``, ``k60-exact-0.1``."""
        detail = ""
        if self.rule == "language":
            detail = f"-{self.other_language_factor:g}-{'family+script' if self.match_script else 'family'}"
        elif self.rule == "exact":
            detail = f"-{self.tie_break_weight:g}"
        return f"k{self.k}-{self.rule}{detail}"

    @property
    def uses_exact_terms(self) -> bool:
        return self.rule == "exact"

    @property
    def uses_languages(self) -> bool:
        """Whether fusion needs the candidates' languages (and the question's)."""
        return self.rule in {"language", "balanced"}

    def rare_limit(self, chunks: int) -> int:
        """Most chunks a term may occur in and still count as rare, in an index of ``chunks``."""
        return max(self.rare_min_chunks, math.floor(self.rare_share * chunks))

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class HybridLegs:
    """The rankings (chunk ids, best first) and facts a hybrid fusion needs.

    ``exact``: the lexical ranking of the question's rare exact terms alone (rule ``exact``);
    ``languages``: (family, script) of lexical candidates; ``question_language``: the question's,
    None when unknown (rules ``language`` and ``balanced``).
    """

    dense: Sequence[int]
    lexical: Sequence[int]
    exact: Sequence[int] = ()
    languages: Mapping[int, LanguageKey] = field(default_factory=dict)
    question_language: LanguageKey | None = None


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    k: int = DEFAULT_K,
    weights: Sequence[float] | None = None,
    item_weights: Sequence[Mapping[int, float] | None] | None = None,
) -> list[tuple[int, float]]:
    """Fuse ``rankings`` (ids, best first) into ``(id, score)`` pairs, best first.

    ``weights`` (one per ranking, default 1.0 each) scale each ranking's contribution;
    ``item_weights`` (one mapping or None per ranking) further scale the contribution of
    single ids in that ranking (ids not listed keep factor 1).
    Equal scores are ordered by the best rank the id reached, then by the earliest
    ranking that holds it (pass the leg you trust most first), then by id.
    """
    if k < 0:
        raise ValueError(f"RRF k must be non-negative, got {k}")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    if item_weights is None:
        item_weights = [None] * len(rankings)
    if len(item_weights) != len(rankings):
        raise ValueError(f"got {len(item_weights)} item weight maps for {len(rankings)} rankings")
    for weight in [*weights, *(value for factors in item_weights if factors for value in factors.values())]:
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"RRF weights must be finite and non-negative, got {weight}")

    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for leg, (ranking, weight, factors) in enumerate(zip(rankings, weights, item_weights)):
        seen_in_leg: set[int] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen_in_leg:
                raise ValueError(f"id {item} appears twice in ranking {leg}")
            seen_in_leg.add(item)
            factor = factors.get(item, 1.0) if factors else 1.0
            scores[item] = scores.get(item, 0.0) + weight * factor / (k + rank)
            if item not in first_seen or rank < first_seen[item][0]:
                first_seen[item] = (rank, leg)
    return sorted(scores.items(), key=lambda pair: (-pair[1], *first_seen[pair[0]], pair[0]))


def lexical_weight(query: str, full_weight_tokens: int = FULL_WEIGHT_TOKENS) -> float:
    """RRF weight for the lexical leg of ``query``, between 0 and 1 (the dense leg keeps 1).

    Short, keyword-like queries (names, acronyms, amounts) are where exact matching beats
    dense retrieval: up to ``full_weight_tokens`` tokens the weight is 1. A longer query
    matches common words in many same-language chunks, and at full weight that blind
    ranking crowds other-language answers out of the top; its weight falls as
    ``full_weight_tokens / tokens``.

    Measured on an NTREX-128 slice (474 three-sentence chunks in 6 languages, 144 queries,
    embeddinggemma-300m dense leg): for 5-word queries the weight stays 1 (nDCG@10 0.671 vs
    0.595 dense only); for whole-sentence queries (about 20 tokens) nDCG@10 rose from 0.753
    at weight 1 to 0.792, and recall@10 of other-family versions from 0.467 to 0.560.
    """
    if full_weight_tokens < 1:
        raise ValueError(f"full_weight_tokens must be at least 1, got {full_weight_tokens}")
    tokens = len(tokenize(query))
    return 1.0 if tokens <= full_weight_tokens else full_weight_tokens / tokens


def fuse_hybrid(config: FusionConfig, question: str, legs: HybridLegs) -> list[tuple[int, float]]:
    """Fuse the dense leg (weight 1, passed first) with the lexical leg(s) as ``config.rule`` says."""
    if config.rule == "exact":
        return reciprocal_rank_fusion(
            [legs.dense, legs.exact, legs.lexical], k=config.k, weights=[1.0, 1.0, config.tie_break_weight]
        )
    weight = lexical_weight(question, config.full_weight_tokens)
    if config.rule == "balanced":
        per_language = _split_by_language(legs.lexical, legs.languages)
        weights = [1.0] + [weight] * len(per_language)
        return reciprocal_rank_fusion([legs.dense, *per_language], k=config.k, weights=weights)
    factors = None
    if config.rule == "language":
        factors = {
            chunk: language_factor(legs.question_language, legs.languages.get(chunk), config)
            for chunk in legs.lexical
        }
    return reciprocal_rank_fusion(
        [legs.dense, legs.lexical], k=config.k, weights=[1.0, weight], item_weights=[None, factors]
    )


def language_factor(question: LanguageKey | None, candidate: LanguageKey | None, config: FusionConfig) -> float:
    """1 when the candidate is in the question's language (family, and script with ``match_script``),
    else ``config.other_language_factor``; 1 when either language is unknown."""
    if question is None or candidate is None:
        return 1.0
    same_family = question[0] == candidate[0]
    scripts_known = UNKNOWN_SCRIPT not in (question[1], candidate[1])
    same_script = question[1] == candidate[1] or not scripts_known
    if same_family and (same_script or not config.match_script):
        return 1.0
    return config.other_language_factor


def _split_by_language(ranking: Sequence[int], languages: Mapping[int, LanguageKey]) -> list[list[int]]:
    """``ranking`` cut into one ranking per candidate language, in order of first appearance."""
    groups: dict[LanguageKey | None, list[int]] = {}
    for chunk in ranking:
        groups.setdefault(languages.get(chunk), []).append(chunk)
    return list(groups.values())


def question_words(question: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", question))


def is_code(word: str) -> bool:
    """An acronym or a number: a word with a digit or at least two capital letters (WBJAST, COVID, 170.900)."""
    return any(char.isdigit() for char in word) or sum(char.isupper() for char in word) >= 2


def exact_term_candidates(question: str) -> list[str]:
    """Words of ``question`` that look like exact terms: acronyms, numbers, and capitalised words
    after the first (names). Whether they are rare in the index is for the caller to check."""
    found: list[str] = []
    for position, word in enumerate(question_words(question)):
        looks_exact = is_code(word) or (position > 0 and word[0].isupper())
        if looks_exact and tokenize(word) and word not in found:
            found.append(word)
    return found


def question_language(question: str) -> LanguageKey | None:
    """(family, script) of ``question`` by ``corpus.language``; acronyms and numbers are left out first
    ("Што е WBJAST?" is Macedonian, not Latin). None when no word is left or the language is ``other``."""
    from corpus.language import detect_languages

    text = " ".join(word for word in question_words(question) if not is_code(word))
    if not any(char.isalpha() for char in text):
        return None
    guess = detect_languages([text])[0]
    if guess.family == "other":
        return None
    return guess.family, guess.script


# The setting chosen on the NTREX-128 dev fold (``python -m experiments.fusion_tuning tune --limit 20``,
# first 20 dev articles, 331 chunks, embeddinggemma-300m; objective = mean of headline MRR@10,
# passage MRR@10 and mixed nDCG@10): k20-exact-0.3 scored 0.939 (0.966 / 0.906 / 0.946), dense
# 0.936, the former k60-length 0.922. The "language" rule scored worst of the hybrids on mixed
# (0.730-0.915): it keeps full weight for the question's own language, where the blind matches are.
DEFAULT_FUSION = FusionConfig(k=20, rule="exact", tie_break_weight=0.3)
