"""Figures: the rounds of one measurement, summarized as median, min and max."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Figure:
    name: str
    unit: str
    rounds: list[float]
    target: float | None = None
    at_least: bool = True  # met when value >= target (else <=)

    @property
    def value(self) -> float:
        return statistics.median(self.rounds)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.at_least else self.value <= self.target

    def record(self) -> dict[str, Any]:
        """One entry of bench-results.json."""
        entry: dict[str, Any] = {
            "name": self.name,
            "value": round(self.value, 6),
            "unit": self.unit,
        }
        if self.target is not None:
            entry["target"] = round(self.target, 6)
            entry["met"] = self.met
        entry["min"] = round(min(self.rounds), 6)
        entry["max"] = round(max(self.rounds), 6)
        return entry


def ratios(top: list[float], bottom: list[float]) -> list[float]:
    """Per-round ratios of two interleaved series."""
    return [a / b for a, b in zip(top, bottom, strict=False) if b > 0]
