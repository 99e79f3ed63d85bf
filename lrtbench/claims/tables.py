"""The claims and sensitivity tables, as frames of text and as Markdown, LaTeX and console.

Numbers are formatted here once, with the helpers of ``lrtbench.report.tables``, so the
written files depend only on the result and are byte-identical across reruns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from lrtbench.claims.results import ClaimsResult, Decision, Detail, Format, Verdict
from lrtbench.report.tables import format_number
from lrtbench.stats.estimates import Estimate

#: One symbol per verdict in the sensitivity table (Markdown and console).
SYMBOLS: dict[Verdict, str] = {"supported": "+", "contradicted": "\u2212", "inconclusive": "\u00b7"}
#: The same for LaTeX: pdflatex has no U+2212 by default, so the minus is an en dash.
LATEX_SYMBOLS: dict[Verdict, str] = {**SYMBOLS, "contradicted": "--"}
VERDICTS: tuple[Verdict, ...] = ("supported", "contradicted", "inconclusive")


def format_value(value: float, kind: Format) -> str:
    """A number in exponent form, or a fraction with two decimals; NaN as n/a."""
    if kind == "number" or math.isnan(value) or math.isinf(value):
        return format_number(value)
    return f"{value:.2f}"


def format_estimate(estimate: Estimate, kind: Format) -> str:
    """``value [low, high]``, or the value alone when the interval was not computed."""
    text = format_value(estimate.value, kind)
    if math.isnan(estimate.low) and math.isnan(estimate.high):
        return text
    return f"{text} [{format_value(estimate.low, kind)}, {format_value(estimate.high, kind)}]"


def format_detail(detail: Detail) -> str:
    value = detail.value
    shown = (
        format_estimate(value, detail.format)
        if isinstance(value, Estimate)
        else format_value(value, detail.format)
    )
    return f"{detail.name} {shown}"


def format_pvalue(p: float) -> str:
    """Three decimals, or exponent form below 0.001 so small p-values keep their size."""
    return f"{p:.3f}" if p >= 1e-3 else f"{p:.1e}"


def identity_columns(decision: Decision) -> dict[str, str]:
    c = decision.comparison
    return {"Claim": c.claim_id, "Task": c.task, "lr": f"{c.lr:g}"}


def claims_frame(decisions: Sequence[Decision]) -> pd.DataFrame:
    """One row of text per expanded test: the full claims table."""
    rows = []
    for decision in decisions:
        c = decision.comparison
        rows.append(
            {
                **identity_columns(decision),
                "Test": c.test_name,
                "Effect": c.effect_name,
                "Estimate [95% CI]": format_estimate(c.effect, c.effect_format),
                "Secondary": "; ".join(format_detail(d) for d in c.details),
                "p": format_pvalue(c.pvalue),
                "Holm p": format_pvalue(decision.holm_pvalue),
                "Verdict": decision.verdict,
                "Minimum detectable effect": c.mde_text,
                "Note": c.note,
            }
        )
    frame = pd.DataFrame(rows)
    level = decisions[0].comparison.effect.confidence_level if decisions else 0.95
    return frame.rename(columns={"Estimate [95% CI]": f"Estimate [{level:.0%} CI]"})


def console_frame(decisions: Sequence[Decision]) -> pd.DataFrame:
    """What a reader needs at a glance: claim, task, lr, test, effect [CI], p, Holm p, verdict."""
    full = claims_frame(decisions)
    return full[["Claim", "Task", "lr", "Test", full.columns[5], "p", "Holm p", "Verdict"]]


def sensitivity_frame(result: ClaimsResult, symbols: dict[Verdict, str]) -> pd.DataFrame:
    """Rows = expanded tests, columns = settings, cells = verdict symbols; then a count row."""
    rows = [identity_columns(d) for d in result.decisions]
    frame = pd.DataFrame(rows, columns=["Claim", "Task", "lr"])
    for setting in result.sensitivity:
        frame[setting.setting.label] = [symbols[v] for v in setting.verdicts]
    legend = " / ".join(symbols[v] for v in VERDICTS)
    counts = {"Claim": "count", "Task": legend, "lr": ""}
    for setting in result.sensitivity:
        counts[setting.setting.label] = " / ".join(str(setting.count(v)) for v in VERDICTS)
    return pd.concat([frame, pd.DataFrame([counts])], ignore_index=True)


def mde_lines(decisions: Sequence[Decision], alpha: float) -> list[str]:
    """One line per (claim, lr): the minimum detectable effect, or its range over tasks."""
    lines = [
        f"Minimum detectable effects (two-sided alpha {alpha:g}, power 0.8, normal "
        "approximations; Schoenfeld for hazard ratios, arcsine for proportions):"
    ]
    groups: dict[tuple[str, float], list[Decision]] = {}
    for decision in decisions:
        c = decision.comparison
        groups.setdefault((c.claim_id, c.lr), []).append(decision)
    for (claim_id, lr), group in groups.items():
        comparisons = [d.comparison for d in group]
        if len(comparisons) == 1:
            text = comparisons[0].mde_text
        else:
            values = [c.mde for c in comparisons if not math.isnan(c.mde)]
            low, high = (min(values), max(values)) if values else (math.nan, math.nan)
            shown = f"{low:.3g}" if low == high else f"{low:.3g} to {high:.3g}"
            shown = "n/a" if not values else shown
            text = f"{comparisons[0].mde_label} {shown} over {len(comparisons)} tasks"
        lines.append(f"  {claim_id} lr={lr:g}: {text}")
    return lines


def console_report(result: ClaimsResult) -> str:
    """Everything ``lrtbench claims`` prints: tests, notes, MDE lines and sensitivity counts."""
    table = console_frame(result.decisions).to_markdown(
        index=False, tablefmt="simple", disable_numparse=True
    )
    parts = [
        f"{len(result.decisions)} tests, Holm over all, alpha {result.ledger.alpha:g}, "
        f"target tolerance {result.setting.tolerance:g}",
        table,
        "",
    ]
    notes = [
        f"  {d.comparison.claim_id} {d.comparison.task} lr={d.comparison.lr:g}: {d.comparison.note}"
        for d in result.decisions
        if d.comparison.note
    ]
    if notes:
        parts += ["Notes:", *notes, ""]
    parts += [*mde_lines(result.decisions, result.ledger.alpha), ""]
    parts.append("Sensitivity (supported / contradicted / inconclusive):")
    parts += [
        f"  {s.setting.label}: " + " / ".join(str(s.count(v)) for v in VERDICTS)
        for s in result.sensitivity
    ]
    return "\n".join(parts) + "\n"
