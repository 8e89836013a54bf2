"""gl.tables.mantelhaen against R's mantelhaen.test (fixtures: tests/r/mantelhaen.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl
from rdata import load_fixture, r_frame

R = load_fixture("mantelhaen")
close = np.testing.assert_allclose
AXES = {"ucb": ("Admit", "Gender", "Dept"), "ucb_uncorrected": ("Admit", "Gender", "Dept"),
        "rabbits": ("Delay", "Response", "Penicillin.Level")}


@pytest.mark.parametrize("case", AXES)
def test_matches_r(case):
    r = R[case]
    rows, columns, strata = AXES[case]
    result = gl.tables.mantelhaen(r_frame(r["long"]), "Freq", rows, columns, strata, correct=case != "ucb_uncorrected")
    close([result.statistic, result.p_value, result.odds_ratio], [r["statistic"], r["p_value"], r["odds_ratio"]], rtol=1e-10)
    close(result.conf_int, r["conf_int"], rtol=1e-10)
    close([result.breslow_day, result.tarone], [r["breslow_day"], r["tarone"]], rtol=1e-8)
    assert result.breslow_day_df == r["df"]


def test_simpson_in_the_ucb_data():
    """Pooled over departments the odds of admission favour men; within them they do not."""
    ucb = gl.datasets.load_ucb_admissions()
    result = gl.tables.mantelhaen(ucb, "Freq", "Admit", "Gender", "Dept")
    pooled = ucb.groupby(["Admit", "Gender"], observed=True)["Freq"].sum().unstack()
    crude = pooled.iloc[0, 0] * pooled.iloc[1, 1] / (pooled.iloc[0, 1] * pooled.iloc[1, 0])
    assert crude > 1.5 and result.conf_int[0] < 1 < result.conf_int[1]
    assert result.breslow_day_p_value < 0.01
    assert "Mantel-Haenszel X-squared" in str(result)


def test_bad_input():
    ucb = gl.datasets.load_ucb_admissions()
    with pytest.raises(ValueError, match="no column"):
        gl.tables.mantelhaen(ucb, "Freq", "Admit", "Sex", "Dept")
    with pytest.raises(ValueError, match="exactly two levels"):
        gl.tables.mantelhaen(ucb, "Freq", "Admit", "Dept", "Gender")
    bad = ucb.assign(Freq=ucb["Freq"].astype(float))
    bad.loc[3, "Freq"] = -1
    with pytest.raises(ValueError, match="non-negative counts"):
        gl.tables.mantelhaen(bad, "Freq", "Admit", "Gender", "Dept")
    with pytest.raises(ValueError, match="conf_level"):
        gl.tables.mantelhaen(ucb, "Freq", "Admit", "Gender", "Dept", conf_level=95)
    with pytest.raises(TypeError):
        gl.tables.mantelhaen(ucb.to_numpy(), "Freq", "Admit", "Gender", "Dept")
    tiny = pd.DataFrame({"r": ["a", "b"] * 2, "c": ["x", "x", "y", "y"], "s": ["k"] * 4, "n": [1, 0, 0, 0]})
    with pytest.raises(ValueError, match="at least two observations"):
        gl.tables.mantelhaen(tiny, "n", "r", "c", "s")
