"""Tests of glm_lib.symbolic: derivations, error cases, and derived families vs the built-in ones."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, special, stats

import glm_lib as gl
from glm_lib import symbolic as S

# --------------------------------------------------------------------------- #
# Densities, written the way a textbook writes them
# --------------------------------------------------------------------------- #
y = sp.Symbol("y", nonnegative=True)
y_real = sp.Symbol("y", real=True)
p, lam, mu, nu, sigma, r = sp.symbols("p lambda mu nu sigma r", positive=True)
mu_real = sp.Symbol("mu", real=True)
n = sp.Symbol("n", positive=True, integer=True)
positive_line = sp.Interval.open(0, sp.oo)

DENSITIES = {
    "Bernoulli": (p**y * (1 - p) ** (1 - y), y, p, None, sp.FiniteSet(0, 1)),
    "Binomial": (sp.binomial(n, y) * p**y * (1 - p) ** (n - y), y, p, None, sp.Range(0, n + 1)),
    "Poisson": (lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, None, sp.S.Naturals0),
    "Gaussian": (
        sp.exp(-((y_real - mu_real) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2),
        y_real, mu_real, sigma, sp.S.Reals,
    ),
    "Gaussian, sigma = 1": (
        sp.exp(-((y_real - mu_real) ** 2) / 2) / sp.sqrt(2 * sp.pi), y_real, mu_real, None, sp.S.Reals,
    ),
    "Gaussian, known sigma": (
        sp.exp(-((y_real - mu_real) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2),
        y_real, mu_real, None, sp.S.Reals,
    ),
    "Gamma": (
        y ** (nu - 1) * sp.exp(-nu * y / mu) * (nu / mu) ** nu / sp.gamma(nu), y, mu, nu, positive_line,
    ),
    "Exponential": (lam * sp.exp(-lam * y), y, lam, None, positive_line),
    "InverseGaussian": (
        sp.sqrt(lam / (2 * sp.pi * y**3)) * sp.exp(-lam * (y - mu) ** 2 / (2 * mu**2 * y)),
        y, mu, lam, positive_line,
    ),
    "NegativeBinomial": (
        sp.gamma(y + r) / (sp.gamma(r) * sp.factorial(y)) * (1 - p) ** r * p**y, y, p, None, sp.S.Naturals0,
    ),
    "NegativeBinomial (mean)": (
        sp.gamma(y + r) / (sp.gamma(r) * sp.factorial(y)) * (r / (r + mu)) ** r * (mu / (r + mu)) ** y,
        y, mu, None, sp.S.Naturals0,
    ),
    "Geometric": (p * (1 - p) ** y, y, p, None, sp.S.Naturals0),
    "Rayleigh": (y / sigma**2 * sp.exp(-(y**2) / (2 * sigma**2)), y, sigma, None, positive_line),
}


@functools.lru_cache(maxsize=None)
def form(name: str) -> S.NaturalForm:
    density, response, param, dispersion, support = DENSITIES[name]
    return S.natural_form(density, response, param, dispersion=dispersion, support=support, name=name)


def same(a, b) -> bool:
    """Equal as functions on the parameter domain (logs split as on paper)."""
    difference = sp.sympify(a) - sp.sympify(b)
    return sp.simplify(difference) == 0 or sp.simplify(sp.expand_log(difference, force=True)) == 0


def at_mu(f: S.NaturalForm, lam_expr) -> sp.Expr:
    """The Lambda's value as an expression in a plain positive symbol m."""
    return lam_expr(f.mu_symbol)


# --------------------------------------------------------------------------- #
# The derivations, piece by piece
# --------------------------------------------------------------------------- #
def test_bernoulli_pieces():
    f = form("Bernoulli")
    theta, m = f.theta_symbol, f.mu_symbol
    assert same(f.theta, sp.log(p / (1 - p)))
    assert f.T == y
    assert same(f.b, sp.log(1 + sp.exp(theta)))
    assert same(f.h, 1)
    assert same(f.params_of_theta, 1 / (1 + sp.exp(-theta)))
    assert same(f.mean, 1 / (1 + sp.exp(-theta)))  # the sigmoid
    assert same(f.variance, sp.exp(theta) / (1 + sp.exp(theta)) ** 2)
    assert same(f.canonical_link(m), sp.log(m / (1 - m)))
    assert same(f.variance_function(m), m * (1 - m))
    assert f.dispersion is None and f.nuisance == ()


def test_binomial_pieces():
    f = form("Binomial")
    theta, m = f.theta_symbol, f.mu_symbol
    assert same(f.theta, sp.log(p / (1 - p)))
    assert same(f.b, n * sp.log(1 + sp.exp(theta)))
    assert same(f.h, sp.binomial(n, y))
    assert same(f.mean, n * sp.exp(theta) / (1 + sp.exp(theta)))
    assert same(f.canonical_link(m), sp.log(m / (n - m)))
    assert same(f.variance_function(m), m * (1 - m / n))
    assert f.nuisance == (n,)


def test_poisson_pieces():
    f = form("Poisson")
    theta, m = f.theta_symbol, f.mu_symbol
    assert f.theta == sp.log(lam) and f.T == y
    assert f.b == sp.exp(theta)
    assert same(f.h, 1 / sp.factorial(y))
    assert f.mean == sp.exp(theta) and f.variance == sp.exp(theta)
    assert f.canonical_link(m) == sp.log(m)
    assert f.variance_function(m) == m


def test_gaussian_with_dispersion():
    f = form("Gaussian")
    theta, m = f.theta_symbol, f.mu_symbol
    assert f.theta == mu_real and f.T == y_real
    assert f.b == theta**2 / 2
    assert f.dispersion == sigma**2 and f.dispersion_symbol == sigma
    assert f.mean == theta
    assert f.variance == sigma**2  # phi * a''(theta)
    assert f.canonical_link(m) == m
    assert f.variance_function(m) == 1
    assert same(f.log_h, -(y_real**2) / (2 * sigma**2) - sp.log(2 * sp.pi * sigma**2) / 2)


def test_gaussian_unit_variance_is_cs229_form():
    f = form("Gaussian, sigma = 1")
    assert f.theta == mu_real and f.b == f.theta_symbol**2 / 2
    assert same(f.h, sp.exp(-(y_real**2) / 2) / sp.sqrt(2 * sp.pi))


def test_gaussian_known_sigma_is_a_nuisance_parameter():
    f = form("Gaussian, known sigma")
    assert same(f.theta, mu_real / sigma**2)
    assert same(f.b, sigma**2 * f.theta_symbol**2 / 2)
    assert f.nuisance == (sigma,) and f.dispersion is None
    assert same(f.canonical_link(f.mu_symbol), f.mu_symbol / sigma**2)
    assert same(f.variance_function(f.mu_symbol), sigma**2)


def test_gamma_with_shape_as_dispersion():
    f = form("Gamma")
    theta, m = f.theta_symbol, f.mu_symbol
    assert same(f.theta, -1 / mu) and f.T == y
    assert same(f.b, -sp.log(-theta))
    assert same(f.dispersion, 1 / nu)
    assert same(f.mean, -1 / theta)
    assert same(f.variance, 1 / (nu * theta**2))
    assert same(f.canonical_link(m), -1 / m)
    assert same(f.variance_function(m), m**2)


def test_exponential_pieces():
    f = form("Exponential")
    m = f.mu_symbol
    assert same(f.theta, -lam) and same(f.b, -sp.log(-f.theta_symbol))
    assert same(f.canonical_link(m), -1 / m) and same(f.variance_function(m), m**2)


def test_inverse_gaussian_pieces():
    f = form("InverseGaussian")
    theta, m = f.theta_symbol, f.mu_symbol
    assert same(f.theta, -1 / (2 * mu**2))
    assert same(f.b, -sp.sqrt(-2 * theta))
    assert same(f.dispersion, 1 / lam)
    assert same(f.mean, 1 / sp.sqrt(-2 * theta))
    assert same(f.canonical_link(m), -1 / (2 * m**2))
    assert same(f.variance_function(m), m**3)


@pytest.mark.parametrize("name", ["NegativeBinomial", "NegativeBinomial (mean)"])
def test_negative_binomial_pieces(name):
    f = form(name)
    theta, m = f.theta_symbol, f.mu_symbol
    assert f.nuisance == (r,)
    assert same(f.mean, r * sp.exp(theta) / (1 - sp.exp(theta)))
    assert same(f.canonical_link(m), sp.log(m / (m + r)))
    assert same(f.variance_function(m), m + m**2 / r)


def test_geometric_pieces():
    f = form("Geometric")
    theta, m = f.theta_symbol, f.mu_symbol
    assert same(f.theta, sp.log(1 - p))
    assert same(f.b, -sp.log(1 - sp.exp(theta)))
    assert same(f.canonical_link(m), sp.log(m / (1 + m)))
    assert same(f.variance_function(m), m * (1 + m))


def test_rayleigh_has_statistic_y_squared():
    f = form("Rayleigh")
    assert f.T == y**2
    assert same(f.theta, -1 / (2 * sigma**2))
    assert same(f.b, -sp.log(-2 * f.theta_symbol))
    assert same(f.mean.subs(f.theta_symbol, f.theta), 2 * sigma**2)  # E[y^2]


@pytest.mark.parametrize("name", sorted(DENSITIES))
def test_form_reassembles_the_density(name):
    """b(y, phi) exp((theta T - a(theta)) / phi) is the density we started from."""
    f = form(name)
    density = DENSITIES[name][0]
    phi = 1 if f.dispersion is None else f.dispersion
    rebuilt = f.h * sp.exp((f.theta * f.T - f.b.subs(f.theta_symbol, f.theta)) / phi)
    values = {p: sp.Rational(3, 10), lam: sp.Rational(17, 10), mu: sp.Rational(6, 5), nu: sp.Rational(5, 2),
              sigma: sp.Rational(7, 5), r: sp.Rational(5, 2), n: 6, mu_real: sp.Rational(-1, 3)}
    for value in (1, 2, 5):
        point = {**values, y: value, y_real: value}
        assert abs(float(sp.N(rebuilt.subs(point) - density.subs(point)))) < 1e-12


@pytest.mark.parametrize("name", sorted(DENSITIES))
def test_mean_function_inverts_canonical_link(name):
    f = form(name)
    m = f.mu_symbol
    assert same(f.mean_function(f.canonical_link(m)), m)


@pytest.mark.parametrize("name", sorted(DENSITIES))
def test_variance_is_derivative_of_mean(name):
    f = form(name)
    phi = 1 if f.dispersion is None else f.dispersion
    assert same(f.variance, phi * sp.diff(f.mean, f.theta_symbol))


def test_poisson_mean_and_variance_match_scipy():
    f = form("Poisson")
    theta_value = np.log(3.7)
    assert float(f.mean.subs(f.theta_symbol, theta_value)) == pytest.approx(stats.poisson(3.7).mean())
    assert float(f.variance.subs(f.theta_symbol, theta_value)) == pytest.approx(stats.poisson(3.7).var())


def test_density_as_piecewise_with_support_in_y_only():
    density = sp.Piecewise((lam * sp.exp(-lam * y_real), y_real >= 0), (0, True))
    f = S.natural_form(density, y_real, lam)
    assert same(f.theta, -lam)
    assert f.support == sp.Interval(0, sp.oo)


# --------------------------------------------------------------------------- #
# The multinomial (vector statistic)
# --------------------------------------------------------------------------- #
@functools.lru_cache(maxsize=None)
def multinomial(k):
    return S.multinomial_form(k)


def test_multinomial_is_softmax():
    f = multinomial(3)
    pis, thetas = f.params, f.theta_symbol
    last = 1 - sum(pis)
    for i in range(2):
        assert same(f.theta[i], sp.log(pis[i] / last))
        assert f.T[i] == f.y[i]
    assert same(f.b, sp.log(1 + sum(sp.exp(e) for e in thetas)))
    softmax = [sp.exp(e) / (1 + sum(sp.exp(x) for x in thetas)) for e in thetas]
    for i in range(2):
        assert same(f.mean[i], softmax[i])
        assert same(f.params_of_theta[pis[i]], softmax[i])
    mus = f.mu_symbol
    link = f.canonical_link(*mus)
    for i in range(2):
        assert same(link[i], sp.log(mus[i] / (1 - sum(mus))))
    V = f.variance_function(*mus)
    expected = sp.diag(*mus) - sp.Matrix(mus) * sp.Matrix(mus).T
    assert (V - expected).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert f.is_vector


def test_multinomial_with_two_classes_is_the_bernoulli():
    f = multinomial(2)
    assert same(f.b.subs(f.theta_symbol[0], sp.Symbol("theta")), sp.log(1 + sp.exp(sp.Symbol("theta"))))


def test_multinomial_has_no_scalar_family():
    with pytest.raises(NotImplementedError, match="scalar"):
        multinomial(3).to_family()


def test_multinomial_rejects_bad_k():
    with pytest.raises(ValueError, match="at least 2"):
        S.multinomial_form(1)


# --------------------------------------------------------------------------- #
# Densities that are not exponential families
# --------------------------------------------------------------------------- #
psi = sp.Symbol("psi", real=True)


def test_error_class_is_a_value_error():
    assert issubclass(S.NotExponentialFamilyError, ValueError)


def test_cauchy_location_is_refused_and_the_term_named():
    cauchy = 1 / (sp.pi * (1 + (y_real - psi) ** 2))
    with pytest.raises(S.NotExponentialFamilyError, match=r"the term .*log\(.*psi.*y") as info:
        S.natural_form(cauchy, y_real, psi)
    # the message names the conclusion but does not claim a proof: the split is a heuristic
    assert "not an exponential family" in str(info.value)
    assert "suggests, but does not prove" in str(info.value)


def test_uniform_piecewise_support_is_refused():
    t = sp.Symbol("psi", positive=True)
    uniform = sp.Piecewise((1 / t, (y >= 0) & (y <= t)), (0, True))
    with pytest.raises(S.NotExponentialFamilyError, match="support depends on the parameter"):
        S.natural_form(uniform, y, t)


def test_uniform_heaviside_support_is_refused():
    t = sp.Symbol("psi", positive=True)
    with pytest.raises(S.NotExponentialFamilyError, match="support depends"):
        S.natural_form(sp.Heaviside(t - y) / t, y, t)


def test_uniform_support_argument_is_refused():
    t = sp.Symbol("psi", positive=True)
    with pytest.raises(S.NotExponentialFamilyError, match="support .* depends on the parameter"):
        S.natural_form(1 / t + 0 * y, y, t, support=sp.Interval(0, t))


def test_weibull_unknown_shape_is_refused():
    k, scale = sp.symbols("k lambda", positive=True)
    weibull = k / scale * (y / scale) ** (k - 1) * sp.exp(-((y / scale) ** k))
    with pytest.raises(S.NotExponentialFamilyError, match=r"y\*\*k"):
        S.natural_form(weibull, y, k)


def test_weibull_known_shape_two_is_an_exponential_family():
    scale = sp.Symbol("lambda", positive=True)
    weibull2 = 2 / scale * (y / scale) * sp.exp(-((y / scale) ** 2))
    f = S.natural_form(weibull2, y, scale)
    assert f.T == y**2 and same(f.theta, -1 / scale**2)


def test_curved_family_is_refused():
    # N(psi, psi^2): two statistics (y, y^2) with non-proportional coefficients.
    t = sp.Symbol("psi", positive=True)
    density = sp.exp(-((y_real - t) ** 2) / (2 * t**2)) / sp.sqrt(2 * sp.pi * t**2)
    with pytest.raises(S.NotExponentialFamilyError, match="curved"):
        S.natural_form(density, y_real, t)


def test_dispersion_entangled_with_the_parameter_is_refused():
    # The negative binomial's size r enters theta = log(mu / (mu + r)): not a dispersion.
    density = DENSITIES["NegativeBinomial (mean)"][0]
    with pytest.raises(S.NotExponentialFamilyError, match="entangled"):
        S.natural_form(density, y, mu, dispersion=r)


def test_dispersion_absent_from_the_cross_term_is_refused():
    # Gamma with the rate as parameter: the shape multiplies log(y), not beta * y.
    rate = sp.Symbol("beta", positive=True)
    gamma_rate = rate**nu * y ** (nu - 1) * sp.exp(-rate * y) / sp.gamma(nu)
    with pytest.raises(ValueError, match="not a dispersion"):
        S.natural_form(gamma_rate, y, rate, dispersion=nu)


def test_parameter_absent_from_density():
    with pytest.raises(ValueError, match="does not involve"):
        S.natural_form(sp.exp(-y), y, lam)


def test_no_cross_term():
    with pytest.raises(ValueError, match="no term"):
        S.natural_form(lam * sp.exp(-y), y, lam)


# --------------------------------------------------------------------------- #
# Derived families vs glm_lib's hand-written ones
# --------------------------------------------------------------------------- #
GRID = np.linspace(0.05, 0.95, 19)
POSITIVE_GRID = np.linspace(0.2, 6.0, 30)
ALPHA = 0.5  # NegativeBinomial(alpha) has r = 1 / alpha

# name, derived-family factory, built-in family, grid of means, the built-in
# canonical link written in sympy (m -> g(m)), the built-in variance function.
m_sym = sp.Symbol("m", positive=True)
BUILTIN = {
    "Gaussian": (lambda: form("Gaussian").to_family(), gl.Gaussian(), np.linspace(-3, 3, 25), m_sym, 1),
    "Binomial": (lambda: form("Bernoulli").to_family(), gl.Binomial(), GRID, sp.log(m_sym / (1 - m_sym)),
                 m_sym * (1 - m_sym)),
    "Poisson": (lambda: form("Poisson").to_family(), gl.Poisson(), POSITIVE_GRID, sp.log(m_sym), m_sym),
    "Gamma": (lambda: form("Gamma").to_family(), gl.Gamma(), POSITIVE_GRID, 1 / m_sym, m_sym**2),
    "InverseGaussian": (lambda: form("InverseGaussian").to_family(), gl.InverseGaussian(), POSITIVE_GRID,
                        1 / m_sym**2, m_sym**3),
    "NegativeBinomial": (lambda: form("NegativeBinomial").to_family(r=1 / ALPHA), gl.NegativeBinomial(ALPHA),
                         POSITIVE_GRID, sp.log(m_sym / (m_sym + 1 / sp.Float(ALPHA))),
                         m_sym + ALPHA * m_sym**2),
}
# NegativeBinomial: glm_lib's default link is the log; its docstring gives the
# canonical link log(mu / (mu + 1/alpha)), which is what the derivation must find.


def affine(derived: np.ndarray, builtin: np.ndarray) -> tuple[float, float]:
    """(c, d) with derived = c * builtin + d, asserting the fit is exact."""
    c, d = np.polyfit(builtin, derived, 1)
    np.testing.assert_allclose(derived, c * builtin + d, rtol=1e-10, atol=1e-10)
    return c, d


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_variance_function_equals_builtin(name):
    make, builtin, grid, _, variance = BUILTIN[name]
    family = make()
    np.testing.assert_allclose(family.variance(grid), builtin.variance(grid), rtol=1e-12)
    np.testing.assert_allclose(family.variance_deriv(grid), builtin.variance_deriv(grid), rtol=1e-12, atol=1e-14)
    symbolic = family.form.variance_function(family.form.mu_symbol).subs(
        {sp.Symbol(k, positive=True): sp.Float(v) for k, v in family.values.items()}
    )
    assert sp.simplify(symbolic.subs(family.form.mu_symbol, m_sym) - variance) == 0


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_canonical_link_equals_builtin_up_to_an_affine_map(name):
    """Canonical links are defined up to theta -> c * theta + d; R takes 1/mu for the Gamma, we get -1/mu."""
    make, builtin, grid, g_builtin, _ = BUILTIN[name]
    family = make()
    builtin_link = (
        gl.links.get_link(type(builtin).canonical_link) if name != "NegativeBinomial" else None
    )
    reference = sp.lambdify(m_sym, g_builtin)(grid) * np.ones_like(grid)
    if builtin_link is not None:
        np.testing.assert_allclose(reference, builtin_link.link(grid), rtol=1e-12, atol=1e-14)
    c, d = affine(family.link.link(grid), reference)
    assert c != 0
    # Symbolically: g_derived(m) - c * g_builtin(m) is a constant.
    derived = family.form.canonical_link(family.form.mu_symbol).subs(family.form.mu_symbol, m_sym)
    derived = derived.subs({sp.Symbol(k, positive=True): sp.Float(v) for k, v in family.values.items()})
    c_exact = sp.nsimplify(c, rational=True)
    assert sp.diff(sp.simplify(derived - c_exact * g_builtin), m_sym).equals(0)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_unit_deviance_and_loglike_equal_builtin(name):
    make, builtin, grid, _, _ = BUILTIN[name]
    family = make()
    ys = {
        "Binomial": np.array([0.0, 1.0, 0.0, 1.0]),
        "Poisson": np.array([0.0, 1.0, 4.0, 9.0]),
        "NegativeBinomial": np.array([0.0, 1.0, 4.0, 9.0]),
        "Gaussian": np.array([-1.5, 0.0, 0.3, 2.0]),
    }.get(name, np.array([0.3, 1.0, 2.5, 7.0]))
    mus = {"Binomial": np.array([0.2, 0.7, 0.9, 0.05]), "Gaussian": np.array([0.1, -0.4, 0.3, 1.0])}.get(
        name, np.array([0.5, 1.2, 3.0, 6.0])
    )
    np.testing.assert_allclose(family.unit_deviance(ys, mus), builtin.unit_deviance(ys, mus), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(family.unit_deviance(ys, ys), 0.0, atol=1e-12)
    weights = np.ones_like(ys)
    for scale in (1.0, 0.4):
        assert family.loglike(ys, mus, weights, scale) == pytest.approx(builtin.loglike(ys, mus, weights, scale), rel=1e-12)


def _simulate(name: str, rng: np.random.Generator):
    """Design and response drawn from the built-in family's model with its canonical link."""
    N = 300
    x = rng.uniform(0, 1, N)
    X = np.column_stack([np.ones(N), x])
    theta = -0.5 + 1.5 * x
    if name == "Gaussian":
        y_sim = theta + rng.normal(scale=0.7, size=N)
    elif name == "Binomial":
        y_sim = rng.binomial(1, 1 / (1 + np.exp(-theta))).astype(float)
    elif name == "Poisson":
        y_sim = rng.poisson(np.exp(theta)).astype(float)
    elif name == "Gamma":
        m = 1 / (0.5 + x)
        y_sim = rng.gamma(2.0, m / 2.0)
    elif name == "InverseGaussian":
        y_sim = rng.wald(1 / np.sqrt(0.5 + x), 3.0)
    else:
        m = np.exp(theta)
        y_sim = rng.negative_binomial(1 / ALPHA, (1 / ALPHA) / (1 / ALPHA + m)).astype(float)
    return X, y_sim


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_fit_with_derived_canonical_link_reproduces_builtin(name):
    make, builtin, grid, g_builtin, _ = BUILTIN[name]
    family = make()
    X, y_sim = _simulate(name, np.random.default_rng(20240607))
    if name == "NegativeBinomial":
        # glm_lib's NegativeBinomial has no canonical link of its own: give it the derived one.
        builtin = gl.NegativeBinomial(ALPHA, link=family.link)
        start = [-1.0, -0.5]
    else:
        start = None
    reference = sp.lambdify(m_sym, g_builtin)(grid) * np.ones_like(grid)
    c, d = affine(family.link.link(grid), reference)
    derived_fit = gl.fit(X, y_sim, family=family, tol=1e-13, start=start)
    builtin_fit = gl.fit(X, y_sim, family=builtin, tol=1e-13, start=start)
    # eta_derived = c * eta_builtin + d: the slope scales by c, the intercept by c and shifts by d.
    expected = c * builtin_fit.params.to_numpy()
    expected[0] += d
    np.testing.assert_allclose(derived_fit.params.to_numpy(), expected, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(derived_fit.bse.to_numpy(), abs(c) * builtin_fit.bse.to_numpy(), rtol=1e-8, atol=1e-8)
    assert derived_fit.deviance == pytest.approx(builtin_fit.deviance, rel=1e-8, abs=1e-8)
    assert derived_fit.null_deviance == pytest.approx(builtin_fit.null_deviance, rel=1e-8)
    assert derived_fit.dispersion == pytest.approx(builtin_fit.dispersion, rel=1e-8)
    assert derived_fit.aic == pytest.approx(builtin_fit.aic, rel=1e-8)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_fit_with_builtin_link_reproduces_builtin(name):
    """The same model exactly: the derived family with glm_lib's own default link."""
    make, builtin, *_ = BUILTIN[name]
    X, y_sim = _simulate(name, np.random.default_rng(7))
    derived = make()
    same_link = derived.form.to_family(link=builtin.link, **derived.values)
    # A common start: with a non-canonical link (the NegativeBinomial's log) Fisher
    # scoring converges linearly, so different paths would differ in the 8th digit.
    start = gl.fit(X, y_sim, family=builtin).params.to_numpy() * 0.9
    derived_fit = gl.fit(X, y_sim, family=same_link, tol=1e-13, start=start)
    builtin_fit = gl.fit(X, y_sim, family=builtin, tol=1e-13, start=start)
    np.testing.assert_allclose(derived_fit.params, builtin_fit.params, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(derived_fit.bse, builtin_fit.bse, rtol=1e-8, atol=1e-8)
    assert derived_fit.deviance == pytest.approx(builtin_fit.deviance, rel=1e-8, abs=1e-8)


def test_binomial_counts_with_fixed_n_match_proportions_with_weights():
    family = form("Binomial").to_family(n=5)
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 200)
    X = np.column_stack([np.ones_like(x), x])
    counts = rng.binomial(5, 1 / (1 + np.exp(0.5 - 1.5 * x))).astype(float)
    derived = gl.fit(X, counts, family=family, tol=1e-13)
    builtin = gl.fit(X, counts / 5, family=gl.Binomial(), weights=np.full_like(x, 5.0), tol=1e-13)
    np.testing.assert_allclose(derived.params, builtin.params, rtol=1e-8)
    np.testing.assert_allclose(derived.bse, builtin.bse, rtol=1e-8)
    assert derived.deviance == pytest.approx(builtin.deviance, rel=1e-8)
    assert family.mean_bounds == (0.0, 5.0)


# --------------------------------------------------------------------------- #
# The numeric family's own behaviour
# --------------------------------------------------------------------------- #
def test_family_and_link_types():
    family = form("Poisson").to_family()
    assert isinstance(family, gl.Family) and isinstance(family.link, gl.links.Link)
    assert isinstance(family.link, S.DerivedLink)
    theta = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(family.link.inverse(theta), np.exp(theta))
    np.testing.assert_allclose(family.link.inverse_deriv(theta), np.exp(theta))
    np.testing.assert_allclose(family.link.inverse_deriv2(theta), np.exp(theta))
    np.testing.assert_allclose(family.link.deriv(np.array([0.5, 2.0])), [2.0, 0.5])
    assert family.link.name == "log(mu)"
    assert "Poisson" in repr(family)


def test_constant_functions_broadcast():
    family = form("Gaussian").to_family()
    assert family.variance(np.zeros(4)).shape == (4,)
    assert family.link.inverse_deriv(np.zeros(3)).shape == (3,)


def test_estimated_dispersion_follows_the_form():
    assert form("Gaussian").to_family().estimated_dispersion
    assert form("Gamma").to_family().estimated_dispersion
    assert not form("Poisson").to_family().estimated_dispersion


def test_mean_bounds_come_from_the_support():
    assert form("Bernoulli").to_family().mean_bounds == (0.0, 1.0)
    assert form("Poisson").to_family().mean_bounds == (0.0, None)
    assert form("Gaussian").to_family().mean_bounds == (None, None)
    assert form("Rayleigh").to_family().mean_bounds == (0.0, None)


@pytest.mark.parametrize(
    "name, bad",
    [("Poisson", -1.0), ("Poisson", 1.5), ("Bernoulli", 2.0), ("Gamma", 0.0), ("Gamma", -2.0)],
)
def test_check_response_rejects_values_outside_the_support(name, bad):
    family = form(name).to_family()
    y_bad = np.array([0.5, bad, 1.0]) if name == "Gamma" else np.array([0.0, bad, 1.0])
    with pytest.raises(ValueError, match="family needs responses"):
        family.check_response(y_bad, np.ones(3))


def test_valid_mu_and_starting_mu():
    family = form("Bernoulli").to_family()
    assert family.valid_mu(np.array([0.2, 0.8])) and not family.valid_mu(np.array([0.0, 0.5]))
    np.testing.assert_allclose(family.starting_mu(np.array([0.0, 1.0]), np.ones(2)), [0.25, 0.75])
    poisson = form("Poisson").to_family()
    np.testing.assert_allclose(poisson.starting_mu(np.array([0.0, 3.0]), np.ones(2)), [0.1, 3.0])


def test_missing_and_unknown_nuisance_values():
    with pytest.raises(ValueError, match="give a value for the fixed parameter"):
        form("NegativeBinomial").to_family()
    with pytest.raises(ValueError, match="not a nuisance parameter"):
        form("Poisson").to_family(r=2)


def test_other_links_are_accepted():
    family = form("Poisson").to_family(link="sqrt")
    assert family.link.name == "sqrt"


def test_rayleigh_regression_recovers_coefficients():
    """A family glm_lib does not have: the response is T(y) = y^2 and the mean is 2 sigma^2."""
    family = form("Rayleigh").to_family()
    rng = np.random.default_rng(11)
    N = 2000
    x = rng.uniform(0, 1, N)
    X = np.column_stack([np.ones(N), x])
    beta = np.array([-0.4, -0.8])
    sigma2 = -1 / (2 * (X @ beta))  # theta = -1 / (2 sigma^2)
    y_sim = rng.rayleigh(np.sqrt(sigma2))
    fit = gl.fit(X, y_sim**2, family=family)
    mu_link = -1 / np.asarray(X @ beta)  # the derived link -1/mu, on the scale of mu = 2 sigma^2
    assert np.allclose(2 * sigma2, mu_link)
    # On the derived link, theta = -1/mu = -1/(2 sigma^2) = X beta exactly.
    assert np.all(np.abs(fit.params.to_numpy() - beta) < 4 * fit.bse.to_numpy())
    expected_llf = np.sum(stats.rayleigh(scale=np.sqrt(fit.mu / 2)).logpdf(y_sim))
    assert fit.llf == pytest.approx(expected_llf, rel=1e-10)


def test_unit_deviance_is_non_negative_and_zero_at_the_mean():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    family = form("NegativeBinomial").to_family(r=2.0)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 50), st.floats(0.01, 50.0))
    def check(count, mean):
        d = family.unit_deviance(np.array([float(count)]), np.array([mean]))[0]
        assert d >= -1e-10
        assert family.unit_deviance(np.array([float(count)]), np.array([float(count)]))[0] == pytest.approx(0, abs=1e-10)

    check()


# --------------------------------------------------------------------------- #
# Piecewise densities, supports sympy cannot describe, means with no closed-form inverse
# --------------------------------------------------------------------------- #
def test_support_from_a_zero_branch_of_piecewise():
    density = sp.Piecewise((0, y_real < 0), (lam * sp.exp(-lam * y_real), True))
    form = S.natural_form(density, y_real, lam)
    assert form.support == sp.Interval(0, sp.oo)
    family = form.to_family()
    assert family.mean_bounds == (0.0, None)
    with pytest.raises(ValueError, match=r"responses T\(y\) in Interval\(0, oo\)"):
        family.check_response(np.array([1.0, -0.5]), np.ones(2))


def test_support_from_heaviside():
    form = S.natural_form(sp.Heaviside(y_real - 2) * lam * sp.exp(-lam * (y_real - 2)), y_real, lam)
    assert form.support == sp.Interval(2, sp.oo)


def test_support_from_the_symbols_assumptions():
    """The docstring's Poisson declares y nonnegative and no support; the family knows y >= 0."""
    form = S.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam)
    assert form.support == sp.Interval(0, sp.oo)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    assert S.natural_form(lam**k * sp.exp(-lam) / sp.factorial(k), k, lam).support == sp.S.Naturals0


def test_docstring_poisson_fits_counts_with_zeros_without_start():
    form = S.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam)
    rng = np.random.default_rng(12)
    x = rng.normal(size=80)
    X = np.column_stack([np.ones(80), x])
    counts = rng.poisson(np.exp(0.1 + 0.6 * x)).astype(float)
    assert (counts == 0).sum() > 5
    derived = gl.fit(X, counts, family=form.to_family(), tol=1e-12)
    builtin = gl.fit(X, counts, family=gl.Poisson(), tol=1e-12)
    np.testing.assert_allclose(derived.params, builtin.params, rtol=1e-9)
    np.testing.assert_allclose(derived.llf, builtin.llf, rtol=1e-10)


def test_piecewise_pieces_differing_in_y_only_go_into_the_base_measure():
    """Every piece counts, not just the first: b(y) is piecewise and the support is their union."""
    c = sp.Symbol("c", positive=True)
    density = sp.Piecewise(
        (0, y_real < 0), (lam * sp.exp(-lam * y_real) / (1 + c), y_real < 1),
        (c * lam * sp.exp(-lam * y_real) / (1 + c), True),
    )
    form = S.natural_form(density, y_real, lam)
    assert form.support == sp.Interval(0, sp.oo)
    assert form.b == -sp.log(-form.theta_symbol)
    for value in (sp.Rational(1, 2), 3):
        reassembled = form.h * sp.exp(form.theta * form.T - form.b_of_params)
        expected = density.subs(y_real, value)
        assert sp.simplify(reassembled.subs(y_real, value) - expected) == 0


def test_piecewise_pieces_with_different_parameter_dependence_are_refused():
    density = sp.Piecewise((lam * sp.exp(-lam * y_real), y_real < 1), (lam**2 * sp.exp(-lam * y_real), True))
    with pytest.raises(S.NotExponentialFamilyError, match=r"depend on lambda differently"):
        S.natural_form(density, y_real, lam)


def test_laplace_scale_with_abs():
    """T(y) = |y - mu|: sympy's image set has no bounds, function_range finds [0, oo)."""
    b = sp.Symbol("b", positive=True)
    form = S.natural_form(sp.exp(-sp.Abs(y_real - mu_real) / b) / (2 * b), y_real, b, name="Laplace")
    assert form.T in (sp.Abs(y_real - mu_real), sp.Abs(mu_real - y_real))
    family = form.to_family(mu=0)
    assert family.mean_bounds == (0.0, None)
    values = np.array([0.5, 2.0, -1.0])
    np.testing.assert_allclose(family.loglike(np.abs(values), np.full(3, 1.5), np.ones(3)),
                               stats.laplace.logpdf(values, scale=1.5).sum(), rtol=1e-12)


# The von Mises density with concentration nu (nu is positive, as the concentration must be).
VON_MISES = sp.Piecewise(
    (sp.exp(nu * sp.cos(y_real - mu_real)) / (2 * sp.pi * sp.besseli(0, nu)), (y_real >= -sp.pi) & (y_real < sp.pi)),
    (0, True),
)


def test_von_mises_concentration_derivation_and_numeric_family():
    form = S.natural_form(VON_MISES, y_real, nu, name="von Mises")
    assert form.support == sp.Interval.Ropen(-sp.pi, sp.pi)
    assert sp.simplify(form.mean - sp.besseli(1, form.theta_symbol) / sp.besseli(0, form.theta_symbol)) == 0
    # I1/I0 has no closed-form inverse: no symbolic link or variance function.
    assert form.canonical_link is None and form.variance_function is None
    family = form.to_family(mu=0)
    assert isinstance(family.link, S.NumericCanonicalLink)
    m = np.array([0.2, 0.5, 0.9])
    kappa = family.link.link(m)
    np.testing.assert_allclose(special.i1(kappa) / special.i0(kappa), m, rtol=1e-12)
    # Var cos(y) = 1 - A/kappa - A^2 with A = I1/I0 (Mardia & Jupp 2000, eq. 3.5.21).
    np.testing.assert_allclose(family.variance(m), 1 - m / kappa - m**2, rtol=1e-9)
    angles = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(family.loglike(np.cos(angles), np.full(3, 0.5), np.ones(3)),
                               stats.vonmises.logpdf(angles, kappa[1]).sum(), rtol=1e-12)


def test_von_mises_location_is_curved_and_refused():
    kappa = sp.Symbol("kappa", positive=True)
    density = VON_MISES.subs(nu, kappa)
    with pytest.raises(S.NotExponentialFamilyError, match=r"mixes y and mu .* not a product f\(mu\) \* T\(y\)"):
        S.natural_form(density, y_real, mu_real)


LOG_SERIES_K = sp.Symbol("k", integer=True, positive=True)
PSI = sp.Symbol("psi", positive=True)


@functools.lru_cache
def log_series_form():
    return S.natural_form(-(PSI**LOG_SERIES_K) / (LOG_SERIES_K * sp.log(1 - PSI)), LOG_SERIES_K, PSI,
                          name="Logarithmic series")


def test_log_series_derivation():
    form = log_series_form()
    theta = form.theta_symbol
    assert form.theta == sp.log(PSI) and form.T == LOG_SERIES_K
    # a(theta) = log(-log(1 - e^theta)) is real: the split log(-1) is taken back.
    assert sp.simplify(form.b - sp.log(-sp.log(1 - sp.exp(theta)))) == 0
    assert form.support == sp.S.Naturals
    assert form.canonical_link is None and form.params_of_mu is None
    # The mean against scipy's.
    value = float(sp.N(form.mean.subs(theta, sp.log(sp.Rational(3, 10)))))
    assert value == pytest.approx(stats.logser.mean(0.3), rel=1e-12)


def test_log_series_family_inverts_the_mean_numerically():
    family = log_series_form().to_family()
    mu_values = np.array([1.0001, 1.5, 3.0, 50.0])
    theta = family.link.link(mu_values)
    np.testing.assert_allclose(family.link.inverse(theta), mu_values, rtol=1e-13)
    np.testing.assert_allclose(family.variance(mu_values), [stats.logser.var(np.exp(e)) for e in theta], rtol=1e-7)
    ks = np.array([1.0, 2.0, 5.0])
    np.testing.assert_allclose(family.loglike(ks, np.full(3, 2.0), np.ones(3)),
                               stats.logser.logpmf(ks, np.exp(family.link.link(np.array([2.0])))).sum(), rtol=1e-12)
    deviance = family.unit_deviance(ks, ks)
    np.testing.assert_allclose(deviance, 0.0, atol=1e-10)
    assert np.all(family.unit_deviance(ks[[0, 2]], np.full(2, 2.0)) > 0)


def test_log_series_regression_is_the_maximum_likelihood_fit():
    family = log_series_form().to_family()
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 300)
    X = np.column_stack([np.ones(300), x])
    counts = stats.logser.rvs(np.exp(-0.7 + 0.5 * x), random_state=rng).astype(float)
    res = gl.fit(X, counts, family=family, start=[-1.0, 0.0], tol=1e-12)
    assert res.converged

    def minus_loglik(beta):
        theta = np.exp(np.minimum(X @ beta, 0.0))
        return -stats.logser.logpmf(counts, theta).sum() if np.all(X @ beta < 0) else np.inf

    direct = optimize.minimize(minus_loglik, [-1.0, 0.0], method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    np.testing.assert_allclose(res.params, direct.x, atol=1e-6)
    assert res.llf == pytest.approx(-direct.fun, abs=1e-8)


# --------------------------------------------------------------------------- #
# Argument checks
# --------------------------------------------------------------------------- #
def test_natural_form_argument_types():
    density = lam**y * sp.exp(-lam) / sp.factorial(y)
    with pytest.raises(TypeError, match=r"y must be a sympy Symbol"):
        S.natural_form(density, "y", lam)
    with pytest.raises(TypeError, match=r"params must be a sympy Symbol"):
        S.natural_form(density, y, 2.0)
    with pytest.raises(TypeError, match=r"support must be a sympy Set"):
        S.natural_form(density, y, lam, support=[0, 1, 2])
    with pytest.raises(TypeError, match=r"density must be a sympy expression"):
        S.natural_form(object(), y, lam)
    with pytest.raises(ValueError, match=r"no term of the log-density involves both y"):
        S.natural_form(lam * sp.exp(-lam), y, lam)
    with pytest.raises(ValueError, match=r"y and params share"):
        S.natural_form(density, y, y)


def test_to_family_values_must_be_numbers():
    binomial = form("Binomial")
    with pytest.raises(TypeError, match=r"must be finite numbers"):
        binomial.to_family(n="ten")
    with pytest.raises(TypeError, match=r"must be finite numbers"):
        binomial.to_family(n=float("nan"))


# Densities a learner might write, each with the clear outcome it must get: a
# form, or a ValueError (NotExponentialFamilyError is one) saying why not.
TRICKY = {
    "sin(lambda y) e^-y": (sp.sin(lam * y_real) * sp.exp(-y_real), y_real, r"log\(sin\(lambda\*y\)\).*not a product"),
    "gamma(y + lambda) e^-y": (sp.gamma(y_real + lam) * sp.exp(-y_real), y_real, r"not a product"),
    "shifted exponential": (sp.Heaviside(y_real - lam) * sp.exp(-(y_real - lam)), y_real,
                            r"support depends on the parameter"),
    "Laplace location": (sp.exp(-sp.Abs(y_real - lam)) / 2, y_real, r"Abs\(lambda - y\).*not a product"),
    "unnormalised y^lambda e^-y": (y_real**lam * sp.exp(-y_real), y_real, r"not normalised"),
    "unnormalised von Mises": (sp.exp(lam * sp.cos(y_real)), y_real, r"not normalised"),
    "no y": (lam * sp.exp(-lam), y_real, r"no term of the log-density involves both y"),
    "no parameter": (sp.exp(-y_real), y_real, r"does not involve the parameter"),
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_densities_get_a_clear_refusal(name):
    density, response, message = TRICKY[name]
    with pytest.raises(ValueError, match=message):
        S.natural_form(density, response, lam)


# --------------------------------------------------------------------------- #
# The book's notation: theta, b(theta), h(y), pi_k
# --------------------------------------------------------------------------- #
def test_attributes_use_the_books_names_and_the_old_ones_are_gone():
    f = form("Poisson")
    assert f.theta_symbol.name == "theta" and f.b == sp.exp(f.theta_symbol)
    assert same(f.b_of_params, lam) and same(f.params_of_theta, sp.exp(f.theta_symbol))
    assert same(f.params_of_mu, f.mu_symbol)
    for old in ("eta", "eta_symbol", "a", "a_theta", "theta_of_eta", "theta_of_mu"):
        assert not hasattr(f, old), old
    text = repr(f)
    assert "theta = log(lambda)" in text and "b(theta) = exp(theta)" in text and "eta" not in text.replace("theta", "")
    latex = f._repr_latex_()
    assert r"\theta" in latex and "h(y)" in latex and r"\eta" not in latex


def test_multinomial_probabilities_are_pi_not_phi():
    f = multinomial(3)
    assert [p.name for p in f.params] == ["pi_1", "pi_2"]
    assert [t.name for t in f.theta_symbol] == ["theta_1", "theta_2"]
    assert not any("phi" in str(s) for s in f.theta.free_symbols | f.b.free_symbols)


def test_a_density_written_in_theta_is_refused_with_advice():
    t = sp.Symbol("theta", positive=True)
    with pytest.raises(ValueError, match=r"theta names the natural parameter.*psi"):
        S.natural_form(t**y * sp.exp(-t) / sp.factorial(y), y, t)
