"""Files of a claims evaluation: tables (Markdown and LaTeX) and figures (PNG)."""

from __future__ import annotations

from pathlib import Path

from lrtbench.claims.results import ClaimsResult
from lrtbench.claims.tables import LATEX_SYMBOLS, SYMBOLS, claims_frame, sensitivity_frame
from lrtbench.report.survival_plots import plot_performance_profile, plot_time_to_target
from lrtbench.report.tables import to_latex, to_markdown

PROFILE_NAME = "performance_profile.png"


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_claims_report(result: ClaimsResult, out_dir: Path) -> list[Path]:
    """Write the claims and sensitivity tables and the time-to-target figures.

    ``out_dir/tables/``: ``claims.md``, ``claims.tex``, ``sensitivity.md``, ``sensitivity.tex``;
    ``out_dir/figures/``: ``km_<task>.png`` and ``performance_profile.png``. Returns the
    paths written. The output depends only on ``result``.
    """
    out_dir = Path(out_dir)
    tables, figures = out_dir / "tables", out_dir / "figures"
    claims = claims_frame(result.decisions)
    paths = [
        write_text(tables / "claims.md", to_markdown(claims)),
        write_text(tables / "claims.tex", to_latex(claims)),
        write_text(tables / "sensitivity.md", to_markdown(sensitivity_frame(result, SYMBOLS))),
        write_text(tables / "sensitivity.tex", to_latex(sensitivity_frame(result, LATEX_SYMBOLS))),
    ]
    paths += plot_time_to_target(result.measures, figures)
    paths.append(plot_performance_profile(result.measures, figures / PROFILE_NAME))
    return paths
