"""`make eval`: k-fold cross-validation of the NLU, with accuracy and macro F1 per language.

Rasa's own `rasa test nlu --cross-validation` reports one figure for the whole data set; a
bilingual assistant needs to know that French is as well understood as English. The folds are
stratified by intent *and* language; each fold trains the real pipeline (config.yml, with the
domain's retrieval responses) on the rest and parses the held-out examples with the trained
model. Retrieval intents count as their full name (`faq/tax_account`), as DESIGN.md lists them.

Run with the bot environment: `.venvs/bot/bin/python scripts/evaluate.py [--folds 5]`. To iterate
quickly, `--quick` trains and tests a single split (the first of the 5 folds held out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Case, accents and punctuation removed, as the intent classifier sees a text: "Bonne journée!"
# and "bonne journee" are one.
from bot.components.linear_intent import normalised as same_text  # noqa: E402

NLU = ROOT / "bot" / "data" / "nlu"


def load_examples() -> list[tuple[str, str, object]]:
    """(language, full intent name, Message) for every intent example, by language folder."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for language in ("fr", "en"):
        data = load_data(str(NLU / language))
        for message in data.intent_examples:
            full = message.get("intent_response_key") or message.get("intent")
            examples.append((language, full, message))
    return examples


def folds_of(examples: list, k: int, seed: int) -> list[list[int]]:
    """Stratified by (language, intent): each fold gets its share of every stratum.

    Examples that differ only by case, accents or punctuation (kept on purpose: citizens type
    without accents) go to the same fold, so no test example has its twin in training."""
    strata: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, (language, intent, message) in enumerate(examples):
        strata[(language, intent)][same_text(message.get("text"))].append(index)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for key in sorted(strata):
        groups = sorted(strata[key].values())
        rng.shuffle(groups)
        for position, group in enumerate(groups):
            folds[(position + offset) % k].extend(group)
        offset += len(groups)
    return folds


def predicted_name(parsed: dict, ignore_fallback: bool = False) -> str:
    intent = (parsed.get("intent") or {}).get("name") or ""
    if ignore_fallback and intent == "nlu_fallback":
        ranking = [r["name"] for r in parsed.get("intent_ranking") or []
                   if r["name"] != "nlu_fallback"]
        intent = ranking[0] if ranking else intent
    selector = (parsed.get("response_selector") or {}).get(intent)
    if selector:
        key = (selector.get("response") or {}).get("intent_response_key")
        if key:
            return str(key)
    return str(intent)


class Outcome(NamedTuple):
    """One held-out example: gold label, prediction, and prediction ignoring the fallback."""

    language: str
    gold: str
    predicted: str
    ranked: str
    text: str
    confidence: float
    margin: float  # over the second intent: what the fallback's ambiguity threshold looks at


def top_confidence(parsed: dict) -> float:
    ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
    return round(float(ranking[0]["confidence"]), 3) if ranking else 0.0


def top_margin(parsed: dict) -> float:
    ranking = [float(r["confidence"]) for r in parsed.get("intent_ranking") or []
               if r["name"] != "nlu_fallback"] + [0.0, 0.0]
    return round(ranking[0] - ranking[1], 3)


# (threshold, ambiguity_threshold) pairs of the FallbackClassifier worth comparing.
SWEEP = [(0.3, 0.05), (0.4, 0.05), (0.4, 0.1), (0.5, 0.1)]


def accuracy_at(outcomes: list[Outcome], threshold: float, ambiguity: float) -> float:
    """Accuracy had the fallback used these thresholds (the top intent is kept otherwise)."""
    right = sum(1 for o in outcomes if o.ranked == o.gold and o.confidence >= threshold
                and o.margin >= ambiguity)
    return right / len(outcomes) if outcomes else 0.0


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def domain_with_responses(work: Path) -> str:
    """domain.yml with the responses kept under bot/data (the FAQ answers), merged as
    `rasa train` merges them, so the ResponseSelector knows every retrieval response."""
    from rasa.shared.core.domain import Domain

    merged = work / "domain.yml"
    if not merged.exists():
        domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "bot" / "data" / "responses")])
        domain.persist(str(merged))
    return str(merged)


async def run_fold(number: int, train: list, test: list, work: Path,
                   config: Path, rankings: Path | None = None) -> list[Outcome]:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data_file = work / f"fold{number}.yml"
    RasaYAMLWriter().dump(data_file, TrainingData(training_examples=[m for _, _, m in train]))
    started = time.monotonic()
    model = train_nlu(config=str(config), nlu_data=str(data_file),
                      output=str(work / f"models{number}"), domain=domain_with_responses(work),
                      fixed_model_name=f"fold{number}")
    if model is None:
        raise SystemExit(f"fold {number}: training failed")
    print(f"    fold {number}: trained on {len(train)} examples in "
          f"{time.monotonic() - started:.0f} s; parsing {len(test)}", flush=True)
    agent = Agent.load(model)
    out = []
    held_out: list[dict] = []
    started = time.monotonic()
    for language, gold, message in test:
        parsed = await agent.parse_message(message.get("text"))
        out.append(Outcome(language, gold, predicted_name(parsed),
                           predicted_name(parsed, ignore_fallback=True), message.get("text"),
                           top_confidence(parsed), top_margin(parsed)))
        if rankings is not None:  # a line per example, written as each fold ends
            held_out.append({"fold": number, "language": language, "gold": gold,
                             "text": message.get("text"), "predicted": out[-1].predicted,
                             "ranking": {r["name"]: round(float(r["confidence"]), 5)
                                         for r in parsed.get("intent_ranking") or []}})
    elapsed = time.monotonic() - started
    if rankings is not None:
        with rankings.open("a") as lines:
            lines.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in held_out)
    print(f"    fold {number}: {1000 * elapsed / max(len(test), 1):.1f} ms per parse",
          flush=True)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--quick", action="store_true",
                        help="run only the first fold (one train/test split), for iterating")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml",
                        help="pipeline to evaluate (default: the bot's config.yml)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu-eval.json")
    parser.add_argument("--rankings", type=Path, default=None,
                        help="also write every held-out example's intent ranking (JSON lines)")
    args = parser.parse_args()

    examples = load_examples()
    folds = folds_of(examples, args.folds, args.seed)
    if args.quick:
        folds_run = folds[:1]
        print(f"==> {len(examples)} examples, quick: 1 of {args.folds} folds held out",
              flush=True)
    else:
        folds_run = folds
        print(f"==> {len(examples)} examples, {args.folds}-fold cross-validation", flush=True)
    results: list[Outcome] = []
    if args.rankings:
        args.rankings.parent.mkdir(parents=True, exist_ok=True)
        args.rankings.write_text("")
    with tempfile.TemporaryDirectory(prefix="city311-eval-") as tmp:
        for number, held_out in enumerate(folds_run, start=1):
            held = set(held_out)
            train = [e for i, e in enumerate(examples) if i not in held]
            test = [examples[i] for i in held_out]
            results += await run_fold(number, train, test, Path(tmp), args.config,
                                      args.rankings)

    report: dict[str, dict] = {}
    for language in ("fr", "en", "all"):
        pairs = [(o.gold, o.predicted) for o in results if language in ("all", o.language)]
        ranked = [(o.gold, o.ranked) for o in results if language in ("all", o.language)]
        accuracy = sum(1 for g, p in pairs if g == p) / len(pairs)
        ranked_accuracy = sum(1 for g, r in ranked if g == r) / len(ranked)
        report[language] = {"examples": len(pairs), "accuracy": round(accuracy, 4),
                            "macro_f1": round(macro_f1(pairs), 4),
                            "accuracy_ignoring_fallback": round(ranked_accuracy, 4),
                            "macro_f1_ignoring_fallback": round(macro_f1(ranked), 4)}
        print(f"    {language:>3}: intent accuracy {accuracy:.4f}, macro F1 "
              f"{report[language]['macro_f1']:.4f} ({len(pairs)} examples); top intent "
              f"ignoring the fallback threshold: accuracy {ranked_accuracy:.4f}, macro F1 "
              f"{report[language]['macro_f1_ignoring_fallback']:.4f}")
    for language in ("fr", "en"):
        mine = [o for o in results if o.language == language]
        sweep = {f"{t}/{a}": round(accuracy_at(mine, t, a), 4) for t, a in SWEEP}
        report[language]["accuracy_by_fallback_threshold"] = sweep
        print(f"    {language:>3}: accuracy by fallback threshold/ambiguity: "
              + ", ".join(f"{k} {v:.4f}" for k, v in sweep.items()))
    confusions: dict[str, int] = defaultdict(int)
    for o in results:
        if o.gold != o.predicted:
            confusions[f"{o.language}: {o.gold} -> {o.predicted}"] += 1
    misses = [{"language": o.language, "text": o.text, "gold": o.gold, "predicted": o.predicted,
               "top_ignoring_fallback": o.ranked, "confidence": o.confidence}
              for o in results if o.gold != o.predicted]
    worst = sorted(confusions.items(), key=lambda kv: -kv[1])[:15]
    if worst:
        print("    most frequent confusions:")
        for label, count in worst:
            print(f"      {count:3d}  {label}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"folds": args.folds, "quick": args.quick,
                                    "per_language": report,
                                    "confusions": dict(worst), "misses": misses},
                                   indent=2, ensure_ascii=False) + "\n")
    print(f"==> written to {args.out}")
    if args.rankings:
        print(f"==> held-out rankings written to {args.rankings}")
    target = min(report["fr"]["macro_f1"], report["en"]["macro_f1"], report["fr"]["accuracy"],
                 report["en"]["accuracy"])
    print(f"==> target 0.95 per language: {'met' if target >= 0.95 else 'NOT met'}")


def quiet_logs() -> None:
    """Rasa logs every parse at debug level through structlog; keep the report readable."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger().setLevel(logging.WARNING)


if __name__ == "__main__":
    quiet_logs()
    asyncio.run(main())
