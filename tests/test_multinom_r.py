"""gl.fit_multinomial against R's nnet::multinom (fixtures from tests/r/multinom.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

FIXTURES = json.loads((Path(__file__).parent / "r" / "fixtures" / "multinom.json").read_text())


def _design(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    design = pd.get_dummies(frame[columns], drop_first=True).astype(float)
    design.insert(0, "Intercept", 1.0)
    return design


def _check(res, expected):
    classes = expected["classes"][1:]
    np.testing.assert_allclose(res.params[classes].to_numpy().T, expected["params"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.bse[classes].to_numpy().T, expected["bse"], rtol=1e-4)
    assert res.llf == pytest.approx(expected["llf"], rel=1e-10)
    assert res.aic == pytest.approx(expected["aic"], rel=1e-10)


def test_iris_sepal_length():
    iris = gl.datasets.load_iris()
    res = gl.fit_multinomial(_design(iris, ["sepal_length"]), iris["species"])
    _check(res, FIXTURES["iris_sepal_length"])


@pytest.mark.parametrize("key, columns", [("alligator_lake_size", ["lake", "size"]),
                                          ("alligator_lake_size_sex", ["lake", "size", "sex"])])
def test_alligator(key, columns):
    gators = gl.datasets.load_alligator()
    res = gl.fit_multinomial(_design(gators, columns), gators["food"], weights=gators["count"], baseline="fish")
    _check(res, FIXTURES[key])


def test_alligator_without_other():
    # the IIA refit of the softmax chapter: the same model on the animals whose food was not "other"
    gators = gl.datasets.load_alligator()
    keep = (gators["food"] != "other").to_numpy()
    res = gl.fit_multinomial(_design(gators, ["lake", "size"])[keep], gators.loc[keep, "food"].cat.remove_unused_categories(),
                             weights=gators.loc[keep, "count"], baseline="fish")
    _check(res, FIXTURES["alligator_lake_size_no_other"])
