"""glm_lib.derivations: natural forms printed in the book's notation, and the canonical-links table."""

from __future__ import annotations

import pytest
import sympy as sp

from glm_lib import symbolic as S
from glm_lib.derivations import THETA, MarkdownTable, canonical_links_table, describe, in_theta, same

y = sp.Symbol("y", nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
POISSON = S.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, support=sp.S.Naturals0, name="Poisson")


def test_in_theta_writes_the_cumulant_function_in_theta():
    assert in_theta(POISSON, POISSON.b) == sp.exp(THETA)
    assert in_theta(POISSON, POISSON.mean) == sp.exp(THETA)


def test_describe_uses_theta_and_b():
    line = describe(POISSON)
    assert "theta(lambda) = log(lambda)" in line and "b(theta) = exp(theta)" in line and "phi = 1" in line


def test_same_sees_split_logarithms():
    p = sp.Symbol("p", positive=True)
    assert same(sp.log(p / (1 - p)), sp.log(p) - sp.log(1 - p))
    assert not same(sp.log(p), sp.log(1 - p))


def test_table_rows_come_from_the_derivation():
    table = canonical_links_table({"Poisson": POISSON}, multinomial=S.multinomial_form(3))
    text = table._repr_markdown_()
    lines = text.strip().splitlines()
    assert len(lines) == 4 and lines[1] == "|---|---|---|---|---|"
    assert r"$\log{\left(\mu \right)}$" in lines[2] and lines[2].endswith(r"| $\mu$ |")
    assert "pi_{1}" in lines[3] and "phi" not in lines[3]   # class probabilities are pi, not phi
    # the last class is written pi_K and mu_K (K classes, as on the notation page), keeping the row narrow
    assert "$K = 3$" in lines[3] and r"\frac{\pi_{1}}{\pi_{3}}" in lines[3] and r"\frac{\mu_{1}}{\mu_{3}}" in lines[3]


def test_markdown_table_refuses_broken_rows():
    with pytest.raises(ValueError, match="row 0 has 1 cells"):
        MarkdownTable(["a", "b"], [["x"]])
    with pytest.raises(ValueError, match="contains '\\|'"):
        MarkdownTable(["a"], [["x | y"]])


def test_vector_form_is_refused_where_a_scalar_is_needed():
    with pytest.raises(ValueError, match="vector natural parameter"):
        describe(S.multinomial_form(3))
    with pytest.raises(TypeError, match="NaturalForm"):
        in_theta("not a form", THETA)


def test_glm_chain_gives_the_score_and_information_of_any_glm():
    from glm_lib.derivations import GLMChain

    chain = GLMChain(2)
    mu = chain.mu
    for x, beta in zip(chain.xs, chain.betas):
        score = chain.known_derivatives(sp.diff(chain.loglik, beta))
        assert sp.simplify(score - (chain.y - mu) * x / (chain.phi * chain.V(mu) * chain.gprime(mu))) == 0
    hessian = sp.diff(chain.loglik, *chain.betas)
    information = -chain.expected(hessian)
    expected = chain.xs[0] * chain.xs[1] / (chain.phi * chain.V(mu) * chain.gprime(mu) ** 2)
    assert sp.simplify(information - expected) == 0


def test_glm_chain_refuses_bad_input():
    from glm_lib.derivations import GLMChain

    with pytest.raises(ValueError, match="positive integer"):
        GLMChain(0)
    chain = GLMChain(1)
    with pytest.raises(ValueError, match="not linear in y"):
        chain.expected(chain.y**2)
