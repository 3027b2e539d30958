"""Charts of the evaluation figures (C7): PNG at print resolution for a chat, SVG (vector) for the yearly
report. Colours from the Okabe-Ito palette, which people with any common colour-vision deficiency tell apart.

A suppressed count (1 to 4, shown "<5") is never drawn as a bar of some length: it is the interval 1-4 as a
dashed outline labelled "<5" (the value lies somewhere in it). A part hidden beside it (so that it cannot be
worked out from the total) gets no bar at all, only its mark.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen: render straight to files
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from bot.stats import SUPPRESS_BELOW, Figures

# Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermillion.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
DPI = 200  # PNG at print resolution (A4 width at 8 inches: 1600 pixels)
GROUPS = ("forms", "routes", "feedback")
SMALL, HIDDEN = "small", "hidden"
INTERVAL = (1, SUPPRESS_BELOW - 1)  # what "<5" means

plt.rcParams.update({"font.family": "DejaVu Sans", "svg.fonttype": "path", "axes.spines.top": False})
plt.rcParams["axes.spines.right"] = False


def bars(
    ax: Axes,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | str | None]]],
    *,
    axis: str,
    hidden_mark: str = "\u00d7",  # the multiplication sign: hidden
) -> None:
    """Horizontal bars, one group per category and one bar per series in it (a year, say): numbers as filled
    bars with their value, SMALL as the dashed interval 1-4 labelled "<5", HIDDEN and None as their mark only."""
    n = max(len(series), 1)
    height = 0.8 / n
    top = 0
    for i, _ in enumerate(categories):
        for j, (_name, values) in enumerate(series):
            value = values[i]
            y = i + (j - (n - 1) / 2) * height
            colour = PALETTE[j % len(PALETTE)]
            if isinstance(value, int) and value > 0:
                (bar,) = ax.barh([y], [value], height=height * 0.9, color=colour)
                bar.set_gid(f"count-{i}-{j}")  # the SVG element's id
                ax.text(value, y, f" {value}", va="center", fontsize=7)
                top = max(top, value)
            elif value == SMALL:
                lo, hi = INTERVAL
                box = Rectangle(
                    (lo, y - height * 0.45), hi - lo, height * 0.9, fill=False, edgecolor=colour, linestyle="--"
                )
                box.set_gid(f"{SMALL}-{i}-{j}")
                ax.add_patch(box)
                ax.plot([lo, hi], [y, y], color=colour, linewidth=1)  # the whisker: somewhere from 1 to 4
                ax.text(hi, y, f" <{SUPPRESS_BELOW}", va="center", fontsize=7)
                top = max(top, SUPPRESS_BELOW)
            elif value == HIDDEN:
                ax.text(0, y, f" {hidden_mark}", va="center", fontsize=7)
            elif value == 0:
                ax.text(0, y, " 0", va="center", fontsize=7)
    ax.set_yticks(range(len(categories)), [textwrap.fill(c, 28) for c in categories], fontsize=8)
    ax.set_ylim(len(categories) - 0.5, -0.5)
    ax.set_xlim(0, max(top * 1.15, SUPPRESS_BELOW + 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if len(series) > 1:
        keys = [Patch(color=PALETTE[j % len(PALETTE)], label=name) for j, (name, _) in enumerate(series)]
        ax.legend(handles=keys, fontsize=7, frameon=False, loc="lower right")


def svg(fig: Figure, prefix: str) -> str:
    """The figure as inline SVG (vector: sharp at any print size), without its XML prologue; its element ids
    start with `prefix`, so that several charts in one page never share one."""
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = out.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r'(id="|href="#|url\(#)', lambda m: f"{m.group(1)}{prefix}-", text)


def chart_png(figures: Figures, title: str) -> bytes:
    """The period's chart as PNG bytes, to send (Slack) rather than save."""
    buffer = io.BytesIO()
    chart(figures, buffer, title)
    return buffer.getvalue()


def chart(figures: Figures, path, title: str) -> Figure:
    """One chart per group of the period's figures; returns the figure (tests read it) after saving it."""
    groups = [g for g in GROUPS if any(row[0] == g and row[2] for row in figures.rows)]
    fig, axes = plt.subplots(len(groups) or 1, 1, figsize=(8, 1.6 + 2.2 * max(len(groups), 1)), squeeze=False)
    fig.suptitle(textwrap.fill(title, 80), fontsize=10)
    if not groups:
        axes[0, 0].axis("off")
        axes[0, 0].text(0.5, 0.5, figures.words["empty"], ha="center", va="center", fontsize=12)
    for ax, group in zip(axes[:, 0], groups, strict=False):
        rows = [(label, value) for g, label, value in figures.rows if g == group]
        values = [SMALL if value and 0 < value < SUPPRESS_BELOW else value for _, value in rows]
        bars(ax, [label for label, _ in rows], [("", values)], axis=figures.words["axis"])
        ax.set_title(figures.titles[group], fontsize=10, loc="left")
    fig.tight_layout()
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)
    return fig
