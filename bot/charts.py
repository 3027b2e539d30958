"""Charts of the evaluation figures (PNG). A suppressed count (under 5) is drawn as a hatched bar over the whole
range 0-5, "somewhere below 5", never its value."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen: render straight to files
import matplotlib.pyplot as plt

from bot.stats import SUPPRESS_BELOW, Figures, shown

GROUPS = ("forms", "routes", "feedback")


def chart_png(figures: Figures, title: str) -> bytes:
    """The same chart as PNG bytes, to send (Slack) rather than save."""
    import io

    buffer = io.BytesIO()
    chart(figures, buffer, title)
    return buffer.getvalue()


def chart(figures: Figures, path, title: str):
    """One horizontal bar chart per group; returns the figure (tests read its bars) after saving it."""
    groups = [g for g in GROUPS if any(row[0] == g and row[2] for row in figures.rows)]
    fig, axes = plt.subplots(len(groups) or 1, 1, figsize=(8, 2 + 2.2 * max(len(groups), 1)), squeeze=False)
    fig.suptitle(textwrap.fill(title, 80), fontsize=10)
    if not groups:
        axes[0, 0].axis("off")
        axes[0, 0].text(0.5, 0.5, figures.words["empty"], ha="center", va="center", fontsize=12)
    for ax, group in zip(axes[:, 0], groups, strict=False):
        rows = [(label, value) for g, label, value in figures.rows if g == group]
        labels = [f"{label} ({shown(value)})" for label, value in rows]
        heights = [value if (value or 0) >= SUPPRESS_BELOW or not value else SUPPRESS_BELOW for _, value in rows]
        bars = ax.barh(labels, heights, color="#2c4a6e")
        for bar, (_, value) in zip(bars, rows, strict=False):
            if 0 < (value or 0) < SUPPRESS_BELOW:
                bar.set_hatch("//")
                bar.set_facecolor("#c8d2de")
        ax.set_title(figures.titles[group], fontsize=10, loc="left")
        ax.invert_yaxis()
        ax.set_xlabel(figures.words["axis"])
    fig.tight_layout()
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)
    return fig
