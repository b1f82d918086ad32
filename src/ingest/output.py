"""Rendering query results for people: table, csv, json (array of objects), or a bar chart."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl

_BAR = "█"
_PARTIAL = " ▏▎▍▌▋▊▉"


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns as JSON text, for formats that only hold scalars."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    if not nested:
        return frame
    return frame.with_columns(
        pl.Series(c, [json.dumps(v, ensure_ascii=False, default=str) for v in frame[c].to_list()])
        for c in nested
    )


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def render(frame: pl.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return (
            json.dumps(frame.to_dicts(), ensure_ascii=False, default=_json_default, indent=2) + "\n"
        )
    if fmt == "csv":
        return _flat(frame).write_csv()
    if fmt == "chart":
        return chart(frame)
    with pl.Config(
        tbl_rows=200,
        tbl_cols=30,
        fmt_str_lengths=80,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_width_chars=160,
    ):
        return f"{frame}\n({frame.height} rows)\n"


def chart(frame: pl.DataFrame, width: int = 50) -> str:
    """Horizontal bars: the last numeric column is the value, the others form the label."""
    numeric = [c for c, t in frame.schema.items() if t.is_numeric()]
    if not numeric or frame.height == 0:
        return render(frame, "table")
    value_col = numeric[-1]
    label_cols = [c for c in frame.columns if c != value_col] or [value_col]
    labels = [
        " · ".join("" if v is None else str(v) for v in row)
        for row in frame.select(label_cols).iter_rows()
    ]
    values = [float(v or 0) for v in frame[value_col].to_list()]
    top = max(max(values), 1e-12)
    pad = min(max(len(s) for s in labels), 40)
    lines = [f"{value_col} by {', '.join(label_cols)}"]
    for label, value in zip(labels, values, strict=True):
        cells = max(value, 0) / top * width
        bar = _BAR * int(cells) + (_PARTIAL[int((cells % 1) * 8)] if cells % 1 else "")
        shown = f"{value:g}"
        lines.append(f"{label[:pad]:>{pad}} │{bar} {shown}")
    return "\n".join(lines) + "\n"
