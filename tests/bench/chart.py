"""The bench's chart (SVG, matplotlib): the scale curves (p50 against users,
per operation, log scales) and the service against its database floor
(median bars, min-max whiskers). Written by every ``scripts/bench`` run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.bench.stats import Figure

SCALE = re.compile(r"^scale\.(?P<metric>\w+)\.p50@(?P<k>\d+)k$")
# (label, service figure, floor figure, their ratio): the same unit on both
# sides. The label over a pair is the ratio figure (the median of the per-round
# ratios, as the report prints it), not the ratio of the two medians, which can
# differ from it when rounds vary.
FLOORS = (
    (
        "GET by ID\n(req/s)",
        "get_by_id.granian.rate",
        "get_by_id.floor.find_one_rate",
        "get_by_id.granian.vs_floor",
    ),
    (
        "batch-get of 100\n(documents/s)",
        "batch_get.documents_rate",
        "batch_get.floor.find_in_rate",
        "batch_get.vs_floor",
    ),
)


def plain(axis: Any, minor: bool = True) -> None:
    """Tick labels of a log axis as plain numbers (6, 4,000), not 6×10⁰."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    label = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 10 else f"{value:g}")
    axis.set_major_formatter(label)
    axis.set_minor_formatter(label if minor else NullFormatter())


def write_chart(figures: list[Figure], path: Path, title: str) -> bool:
    """Draw what the run measured; False (nothing written) without matplotlib
    or without anything to draw."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    by_name = {figure.name: figure for figure in figures}
    curves: dict[str, list[tuple[int, Figure]]] = {}
    for figure in figures:
        if match := SCALE.match(figure.name):
            curves.setdefault(match["metric"], []).append((int(match["k"]) * 1000, figure))
    bars = [
        (label, by_name[a], by_name[b], by_name.get(ratio))
        for label, a, b, ratio in FLOORS
        if a in by_name and b in by_name
    ]
    if not curves and not bars:
        return False
    plt.rcParams["svg.hashsalt"] = "panel-users-bench"  # stable ids: diffs show data changes
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for metric, points in sorted(curves.items()):
        points.sort()
        users = [size for size, _ in points]
        values = [f.value for _, f in points]
        low = [f.value - min(f.rounds) for _, f in points]
        high = [max(f.rounds) - f.value for _, f in points]
        left.errorbar(users, values, yerr=[low, high], marker="o", capsize=3, label=metric)
    left.set(xscale="log", yscale="log", xlabel="users", ylabel="p50 (ms)", title="Scale curves")
    left.grid(True, which="both", alpha=0.3)
    plain(left.xaxis, minor=False)  # users: 1,000, 10,000, 100,000
    plain(left.yaxis)
    if curves:
        left.legend(fontsize=8)
    width = 0.38
    for index, (_, service, floor, ratio) in enumerate(bars):
        for offset, figure, name, colour in (
            (-width / 2, service, "service", "tab:blue"),
            (width / 2, floor, "database floor", "tab:gray"),
        ):
            right.bar(
                index + offset,
                figure.value,
                width,
                yerr=[[figure.value - min(figure.rounds)], [max(figure.rounds) - figure.value]],
                capsize=3,
                color=colour,
                label=name if index == 0 else None,
            )
        right.annotate(
            f"{ratio.value if ratio else service.value / floor.value:.2f}×",
            (index, max(service.value, floor.value)),
            ha="center",
            va="bottom",
            xytext=(0, 6),
            textcoords="offset points",
        )
    right.set_xticks(range(len(bars)), [label for label, *_ in bars])
    right.set(yscale="log", title="Service vs database floor (median, min-max; ratio per round)")
    right.grid(True, axis="y", which="both", alpha=0.3)
    plain(right.yaxis)
    if bars:
        right.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True
