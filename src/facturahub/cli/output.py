"""Printing results: aligned text for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def emit(obj: Any, data: Any, *, text: str | None = None) -> None:
    if obj.as_json:
        click.echo(json.dumps(_plain(data), indent=2, ensure_ascii=False))
    elif text is not None:
        click.echo(text)
    elif isinstance(data, dict):
        click.echo(render_record(data))
    else:
        click.echo(str(data))


def render_record(data: dict[str, Any]) -> str:
    width = max((len(key) for key in data), default=0)
    lines = []
    for key, value in data.items():
        shown = _plain(value)
        if isinstance(shown, list):
            shown = ", ".join(str(item) for item in shown) if shown else "-"
        elif shown is None or shown == "":
            shown = "-"
        lines.append(f"{key.ljust(width)}  {shown}")
    return "\n".join(lines)


def emit_table(obj: Any, rows: Sequence[dict[str, Any]], columns: Sequence[str], *, empty: str) -> None:
    if obj.as_json:
        click.echo(json.dumps([_plain(row) for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(empty)
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    click.echo("  ".join(column.upper().ljust(widths[i]) for i, column in enumerate(columns)).rstrip())
    for line in cells:
        click.echo("  ".join(value.ljust(widths[i]) for i, value in enumerate(line)).rstrip())


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "-"
    return str(value)
