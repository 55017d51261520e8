"""Reading a schemathesis NDJSON event report into the figures a fuzz run prints."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES_PER_CHECK = 5


@dataclass
class Failure:
    check: str
    code: str
    title: str
    method: str
    path: str
    query: Any
    body: Any
    status: int | None
    message: str

    def line(self) -> str:
        request = f"{self.method} {self.path}"
        if self.query:
            request += f" query={json.dumps(self.query, ensure_ascii=True)[:200]}"
        if self.body is not None:
            request += f" body={json.dumps(self.body, ensure_ascii=True)[:200]}"
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{request} -> {self.status}: {first[:200]}"


@dataclass
class RunReport:
    identity: str
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # check name -> number of failing cases, and the first few of them
    failure_counts: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    guard: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    timed_out: bool = False

    def add(self, other: RunReport) -> None:
        self.cases += other.cases
        self.statuses.update(other.statuses)
        self.failure_counts.update(other.failure_counts)
        for check, examples in other.failures.items():
            kept = self.failures.setdefault(check, [])
            kept.extend(examples[: EXAMPLES_PER_CHECK - len(kept)])
        self.server_errors.extend(other.server_errors)
        self.errors.extend(other.errors)
        self.seconds += other.seconds
        for key, value in other.guard.items():
            if isinstance(value, int):
                self.guard[key] = self.guard.get(key, 0) + value
        self.timed_out |= other.timed_out


def read_ndjson(path: Path, identity: str) -> RunReport:
    report = RunReport(identity)
    if not path.exists():
        report.errors.append("schemathesis wrote no event report")
        return report
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            name, payload = next(iter(event.items()))
            if name == "ScenarioFinished":
                _scenario(report, payload.get("recorder") or {})
            elif name in ("NonFatalError", "FatalError"):
                report.errors.append(_error_text(payload))
            elif name == "EngineFinished":
                report.seconds = float(payload.get("running_time") or 0.0)
    return report


def _scenario(report: RunReport, recorder: dict[str, Any]) -> None:
    cases = recorder.get("cases") or {}
    interactions = recorder.get("interactions") or {}
    for case_id, interaction in interactions.items():
        response = interaction.get("response")
        status = response.get("status_code") if response else None
        report.cases += 1
        if status is None:
            continue
        report.statuses[status] += 1
        if status >= 500:
            report.server_errors.append(_describe(interaction["request"], cases.get(case_id)))
    for case_id, checks in (recorder.get("checks") or {}).items():
        for check in checks:
            if check.get("status") != "failure":
                continue
            name = check["name"]
            report.failure_counts[name] += 1
            examples = report.failures.setdefault(name, [])
            if len(examples) < EXAMPLES_PER_CHECK:
                examples.append(_failure(check, cases.get(case_id), interactions.get(case_id)))


def _failure(
    check: dict[str, Any], case: dict[str, Any] | None, interaction: dict[str, Any] | None
) -> Failure:
    info = (check.get("failure_info") or {}).get("failure") or {}
    value = (case or {}).get("value") or {}
    response = (interaction or {}).get("response") or {}
    return Failure(
        check=check["name"],
        code=str(info.get("code", "")),
        title=str(info.get("title", "")),
        method=str(value.get("method", "?")),
        path=_path(value),
        query=value.get("query"),
        body=value.get("body"),
        status=response.get("status_code"),
        message=str(info.get("message", "")),
    )


def _path(value: dict[str, Any]) -> str:
    path = str(value.get("path", "?"))
    for name, parameter in (value.get("path_parameters") or {}).items():
        path = path.replace("{" + name + "}", str(parameter))
    return path


def _describe(request: dict[str, Any], case: dict[str, Any] | None) -> str:
    text = f"{request.get('method')} {str(request.get('uri'))[:200]}"
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
        text += f" body={raw[:300]!r}"
    elif body is not None:
        text += f" body={str(body)[:300]}"
    elif case is not None and (case.get("value") or {}).get("body") is not None:
        text += f" body={json.dumps(case['value']['body'], ensure_ascii=True)[:300]}"
    return text


def _error_text(payload: dict[str, Any]) -> str:
    info = payload.get("info") or payload.get("value") or payload
    return json.dumps(info, ensure_ascii=True)[:500]


def format_report(report: RunReport, *, checks: list[str]) -> str:
    statuses = ", ".join(f"{code} x{count}" for code, count in sorted(report.statuses.items()))
    lines = [
        f"[{report.identity}] {report.cases} cases in {report.seconds:.0f} s; statuses: {statuses}",
        f"  checks: {', '.join(checks)}",
    ]
    if report.guard:
        guard = report.guard
        lines.append(
            f"  admin guard: {guard.get('checks', 0)} checks, {guard.get('restored', 0)} "
            f"documents restored, {guard.get('logins', 0)} logins, "
            f"{guard.get('lost', 0)} cases sent with a lost identity"
        )
    lines.append(f"  5xx responses: {len(report.server_errors)}")
    lines.extend(f"    {text}" for text in report.server_errors[:20])
    for check in sorted(report.failure_counts):
        lines.append(f"  FAILED {check}: {report.failure_counts[check]} cases, e.g.")
        lines.extend(f"    {failure.line()}" for failure in report.failures.get(check, []))
    if not report.failure_counts:
        lines.append("  no check failed")
    lines.extend(f"  error: {error}" for error in report.errors[:10])
    if report.timed_out:
        lines.append("  TIMED OUT: the run was stopped at its time limit")
    return "\n".join(lines)
