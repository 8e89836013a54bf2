"""anova() refuses what it cannot compare, with an error that says why (issue 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl


@pytest.fixture(scope="module")
def crabs():
    return gl.datasets.load_crabs()


@pytest.fixture(scope="module")
def poisson_pair(crabs):
    return (gl.glm("satellites ~ width", crabs, family=gl.Poisson()),
            gl.glm("satellites ~ width + weight", crabs, family=gl.Poisson()))


@pytest.mark.parametrize("bad", [None, 3.0, "model", pd.DataFrame({"a": [1]})])
def test_not_a_fitted_model(poisson_pair, bad):
    small, _ = poisson_pair
    with pytest.raises(TypeError, match="model 2 is a .*, not a fitted GLM"):
        gl.anova(small, bad)


def test_a_multinomial_fit_is_not_a_glm(poisson_pair):
    iris_like = np.random.default_rng(0)
    X = np.column_stack([np.ones(30), iris_like.normal(size=30)])
    y = iris_like.integers(0, 3, 30)
    multinomial = gl.fit_multinomial(X, y)
    with pytest.raises(TypeError, match="not a fitted GLM"):
        gl.anova(poisson_pair[0], multinomial)


def test_no_model():
    with pytest.raises(ValueError, match="needs a fitted model"):
        gl.anova()


def test_one_model_is_its_sequential_table(poisson_pair):
    table = gl.anova(poisson_pair[0])
    assert list(table.index) == ["NULL", "width"]
    assert table["Resid. Dev"].iloc[-1] == poisson_pair[0].deviance


def test_different_kinds(crabs, poisson_pair):
    nb = gl.glm_nb("satellites ~ width + weight", crabs)
    with pytest.raises(ValueError, match="different kinds"):
        gl.anova(poisson_pair[0], nb)
    fixed_alpha = gl.glm("satellites ~ width", crabs, family=gl.NegativeBinomial(1.0))
    with pytest.raises(ValueError, match="different kinds"):
        gl.anova(fixed_alpha, nb)


def test_different_families_and_links(crabs, poisson_pair):
    quasi = gl.glm("satellites ~ width + weight", crabs, family=gl.QuasiPoisson())
    with pytest.raises(ValueError, match="same family and link"):
        gl.anova(poisson_pair[0], quasi)
    sqrt_link = gl.glm("satellites ~ width + weight", crabs, family=gl.Poisson(link="sqrt"))
    with pytest.raises(ValueError, match="same family and link"):
        gl.anova(poisson_pair[0], sqrt_link)


def test_different_data(crabs, poisson_pair):
    other = gl.glm("satellites ~ width + weight", crabs.iloc[::-1].reset_index(drop=True), family=gl.Poisson())
    with pytest.raises(ValueError, match="same responses"):
        gl.anova(poisson_pair[0], other)
    fewer = gl.glm("satellites ~ width + weight", crabs.iloc[:-1], family=gl.Poisson())
    with pytest.raises(ValueError, match="same responses"):
        gl.anova(poisson_pair[0], fewer)
    weighted = gl.glm("satellites ~ width + weight", crabs, family=gl.Poisson(), weights=np.full(len(crabs), 2.0))
    with pytest.raises(ValueError, match="other prior weights"):
        gl.anova(poisson_pair[0], weighted)


def test_order_and_test_argument(crabs, poisson_pair):
    small, big = poisson_pair
    with pytest.raises(ValueError, match="smallest to largest"):
        gl.anova(big, small)
    with pytest.raises(ValueError, match="test must be"):
        gl.anova(small, big, test="Rao")
    nb_small, nb_big = gl.glm_nb("satellites ~ width", crabs), gl.glm_nb("satellites ~ width + weight", crabs)
    with pytest.raises(ValueError, match="test='F' does not apply to glm_nb"):
        gl.anova(nb_small, nb_big, test="F")
