"""Loading the R fixtures of tests/r/ (data frames exported by tests/r/_common.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parent / "r" / "fixtures"


def load_fixture(name: str) -> dict:
    """The JSON written by ``tests/r/NAME.R``."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def r_frame(exported: dict) -> pd.DataFrame:
    """A data frame exported by ``export_data``, with R's factor levels (and order)."""
    frame = pd.DataFrame(exported["columns"])
    for column, levels in exported["levels"].items():
        ordered = column in exported.get("ordered", [])
        frame[column] = pd.Categorical(frame[column], categories=levels, ordered=ordered)
    return frame


def as_array(values) -> np.ndarray:
    """A fixture's list as floats, R's NA (JSON null) as NaN."""
    return np.asarray([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)
