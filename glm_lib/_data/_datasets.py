"""Classic small data sets shipped inside the package (no network at run time).

Each loader returns a fresh ``pandas.DataFrame``; categorical variables come back
as pandas categoricals with R's level order, so formulas give R's coefficient
names and reference levels. ``describe(name)`` gives the source.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = [
    "describe",
    "load_salary",
    "load_dobson",
    "load_budworm",
    "load_challenger",
    "load_crabs",
    "load_horsekicks",
    "load_horsekick_table",
    "load_ships",
    "load_insurance",
    "load_clotting",
    "load_alligator",
    "load_cbpp",
    "load_housing",
    "load_wine",
    "load_ohio",
    "load_epil",
    "load_dietox",
    "load_ucb_admissions",
    "load_iris",
    "load_pima",
    "load_endometrial",
    "load_quine",
    "load_mtcars",
    "load_biochemists",
    "load_lirat",
    "load_birthweight",
    "load_engel",
    "load_lung",
    "load_sleepstudy",
    "load_penicillin",
    "load_grouseticks",
]

_SOURCES = {
    "salary": "Years of experience and salary, 30 employees; the teaching table of the course's seed document 004 (maximum-likelihood linear regression).",
    "dobson": "Dobson (1990), An Introduction to Generalized Linear Models, p. 93: counts by outcome and treatment in a 3x3 design; the example in R's ?glm.",
    "budworm": "Collett (1991), Modelling Binary Data; Venables & Ripley (2002), MASS 4th ed., sec. 7.2: tobacco budworms killed out of 20 per batch by log2 dose of trans-cypermethrin and sex.",
    "challenger": "Dalal, Fowlkes & Hoadley (1989), JASA 84, Table 1: field-joint O-rings (of 6) with thermal distress on the 23 shuttle flights before the Challenger accident whose boosters were recovered, by launch temperature (deg F) and leak-check pressure (psi); via R package vcd (SpaceShuttle).",
    "crabs": "Brockmann (1996), Ethology 102: satellite males of 173 nesting female horseshoe crabs with the female's carapace width (cm) and weight (kg); Agresti, Categorical Data Analysis.",
    "horsekicks": "von Bortkiewicz (1898), Das Gesetz der kleinen Zahlen: deaths by horse kick in 14 Prussian army corps, 1875-1894; 'fisher' marks the 10 corps Fisher used.",
    "ships": "McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed., sec. 6.3.2: damage incidents of cargo ships by type, construction year, operation period and aggregate months of service; via R package MASS.",
    "insurance": "Baxter, Coutts & Ross (1980): car insurance claims by district, car group and driver age, with the number of policy holders; via R package MASS.",
    "clotting": "McCullagh & Nelder (1989), pp. 300-302: blood clotting times (s) of plasma at nine concentrations (%) for two lots of thromboplastin; the example in R's ?glm.",
    "alligator": "Delany & Moore (1987), in Agresti, Categorical Data Analysis: primary food choice of 219 alligators by lake, sex and size; via R package vcdExtra.",
    "cbpp": "Lesnoff et al. (2004), Preventive Veterinary Medicine 64: new cases of contagious bovine pleuropneumonia in 15 herds over 4 periods; via R package lme4.",
    "housing": "Madsen (1976), Scandinavian Journal of Statistics 3: satisfaction with housing (low, medium, high) of 1681 Copenhagen tenants by perceived influence, type of housing and contact with other residents; via R package MASS (housing).",
    "wine": "Randall (1989), Biometrical Journal 31: bitterness of white wine rated 1-5 by 9 judges, by temperature and skin contact during pressing; via R package ordinal (wine).",
    "ohio": "Ware et al. (1984), American Review of Respiratory Disease 129; Fitzmaurice & Laird (1993): wheeze (0/1) of 537 Ohio children at ages 7-10 (coded -2..1) by maternal smoking; via R package geepack (ohio).",
    "epil": "Thall & Vail (1990), Biometrics 46: seizure counts of 59 epileptics in four two-week periods, progabide vs placebo, with 8-week baseline counts and age; via R package MASS (epil).",
    "dietox": "Lauridsen et al. (1999), Journal of Animal Science 77: weekly weights (kg) of 72 pigs over 12 weeks by vitamin E and copper dose; via R package geepack (dietox).",
    "iris": "Anderson (1935), Bulletin of the American Iris Society 59; Fisher (1936), Annals of Eugenics 7: sepal and petal length and width (cm) of 50 flowers of each of three iris species; via R's datasets (iris).",
    "ucb_admissions": "Bickel, Hammel & O'Connell (1975), Science 187: graduate applicants to the six largest departments of UC Berkeley in 1973 by admission, gender and department; via R's datasets (UCBAdmissions).",
    "pima": "Smith et al. (1988), Proc. Symposium on Computer Applications in Medical Care: diabetes (WHO criteria) in 532 Pima Indian women aged 21 or over near Phoenix, with complete records; R package MASS, Pima.tr + Pima.te.",
    "endometrial": "Heinze & Schemper (2002), Statistics in Medicine 21: histology grade of endometrial cancer in 79 patients with neovasculation, pulsatility index and endometrium height; R package brglm2.",
    "biochemists": "Long (1990), Social Forces 68: articles by 915 biochemistry PhD students in the last three years of the PhD, by sex, marriage, young children, PhD prestige and mentor's articles; R package pscl (bioChemists).",
    "lirat": "Shepard, Mackler & Finch (1980), Teratology 22; Moore & Tsiatis (1991), Biometrics 47: dead fetuses in 58 litters of iron-deficient rats by the mother's hemoglobin and iron-supplement group; R package VGAM (lirat).",
    "quine": "Quine (1975), via Aitkin (1978), J. R. Statist. Soc. A 141: days absent from school of 146 children in a New South Wales town by ethnicity, sex, school form and learner status; R package MASS.",
    "mtcars": "Henderson & Velleman (1981), Biometrics 37: fuel consumption and ten design variables of 32 cars from Motor Trend (1974); R package datasets.",
    "birthweight": "Dobson & Barnett (2008), An Introduction to Generalized Linear Models, 3rd ed., Table 2.3: birthweight (g) and gestational age (weeks) of 12 boys and 12 girls.",
    "lung": "Loprinzi et al. (1994), Journal of Clinical Oncology 12: survival (days) of 228 patients with advanced lung cancer from the North Central Cancer Treatment Group, 63 of them censored, with age, sex and performance scores; via R package survival (lung), status recoded 1 died / 0 censored.",
    "sleepstudy": "Belenky et al. (2003), Journal of Sleep Research 12: average reaction time (ms) of 18 truck drivers on each of 10 days (0-9) of sleep restricted to 3 hours a night; via R package lme4 (sleepstudy), the random-slope example of Bates et al. (2015).",
    "penicillin": "Davies & Goldsmith (1972), Statistical Methods in Research and Production, 4th ed., Table 6.6: diameter (mm) of the zone of growth inhibition of B. subtilis by 6 penicillin samples, each on 24 agar plates (a crossed design); via R package lme4 (Penicillin).",
    "grouseticks": "Elston et al. (2001), Parasitology 122: ticks counted on the heads of 403 red grouse chicks (INDEX) in 118 broods at 63 locations, by year (1995-97) and altitude (HEIGHT, m; cHEIGHT centred); via R package lme4 (grouseticks).",
    "engel": "Engel (1857), via Koenker & Bassett (1982), Econometrica 50: annual income and annual food expenditure (Belgian francs) of 235 Belgian working-class households; R package quantreg (engel), as statsmodels distributes it.",
}


def describe(name: str) -> str:
    """Return the source and contents of data set ``name`` (e.g. ``"ships"``).

    Parameters
    ----------
    name : str
        The data set's name: the loader's name without ``load_``.

    Returns
    -------
    str
        One paragraph: who collected the data, where, and which package it comes from.

    Raises
    ------
    ValueError
        An unknown ``name``; the message lists the available ones.

    Notes
    -----
    R: none (R's data sets document themselves in their help pages, e.g. ``?MASS::ships``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.describe("ships")[:45]
    'McCullagh & Nelder (1989), Generalized Linear'
    """
    try:
        return _SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; available: {', '.join(sorted(_SOURCES))}") from None


def _read(filename: str, dtype: dict | None = None) -> pd.DataFrame:
    with resources.files("glm_lib").joinpath("data", filename).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=dtype)


def _categorical(frame: pd.DataFrame, column: str, levels=None) -> None:
    values = frame[column]
    levels = sorted(values.unique()) if levels is None else levels
    frame[column] = pd.Categorical(values, categories=levels)


def load_salary() -> pd.DataFrame:
    """Salary against years of experience (30 rows): ``years_experience``, ``salary``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("salary")`` gives the source.

    Notes
    -----
    R: none (a teaching table; R has no copy)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_salary().shape
    (30, 2)
    """
    return _read("salary.csv")


def load_dobson() -> pd.DataFrame:
    """Dobson's 3x3 table (9 rows): ``counts``, ``outcome`` and ``treatment`` (categoricals 1-3).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("dobson")`` gives the source.

    Notes
    -----
    R: none (typed in by the example of ``?glm``)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_dobson().shape
    (9, 3)
    """
    frame = _read("dobson.csv")
    for column in ("outcome", "treatment"):
        _categorical(frame, column)
    return frame


def load_budworm() -> pd.DataFrame:
    """Budworm dose-response (12 rows): ``ldose`` (log2 dose), ``sex`` (F, M), ``dead``, ``alive``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("budworm")`` gives the source.

    Notes
    -----
    R: none (typed in by MASS's section 7.2)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_budworm().shape
    (12, 4)
    """
    frame = _read("budworm.csv")
    _categorical(frame, "sex", ["F", "M"])
    return frame


def load_challenger() -> pd.DataFrame:
    """Challenger O-rings: the 23 shuttle flights before the accident with their field joints recovered.

    Columns: ``flight`` (as NASA numbered it), ``temp`` (launch temperature,
    deg F), ``pressure`` (leak-check pressure, psi), ``distressed`` (field-joint
    O-rings with thermal distress, of ``n`` = 6). From Dalal, Fowlkes & Hoadley
    (1989), Table 1, as R's ``vcd::SpaceShuttle`` carries it.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("challenger")`` gives the source.

    Notes
    -----
    R: ``vcd::SpaceShuttle``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_challenger().shape
    (23, 5)
    """
    return _read("challenger.csv", dtype={"flight": str})


def load_crabs() -> pd.DataFrame:
    """Horseshoe crabs (173 females): ``satellites``, ``width`` (cm), ``weight`` (kg).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("crabs")`` gives the source.

    Notes
    -----
    R: none (Agresti's table; no base or recommended package carries it)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_crabs().shape
    (173, 3)
    """
    return _read("crabs.csv")


def load_horsekicks() -> pd.DataFrame:
    """Prussian horse-kick deaths (280 corps-years): ``year``, ``corps``, ``deaths``, ``fisher``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("horsekicks")`` gives the source.

    Notes
    -----
    R: ``pscl::prussian`` (``y``, ``year``, ``corp``)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_horsekicks().shape
    (280, 4)
    """
    return _read("horsekicks.csv")


def load_horsekick_table() -> pd.DataFrame:
    """Fisher's frequency table of the horse kicks: ``deaths`` (0-4) and ``corps_years`` observed.

    Computed from the 200 corps-years of the 10 corps Fisher used.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("horsekick_table")`` gives the source.

    Notes
    -----
    R: none (``table(pscl::prussian$y)`` counts all 14 corps)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_horsekick_table().shape
    (5, 2)
    """
    kicks = load_horsekicks()
    fisher = kicks[kicks["fisher"] == "yes"]
    table = fisher["deaths"].value_counts().sort_index()
    return pd.DataFrame({"deaths": table.index.to_numpy(), "corps_years": table.to_numpy()})


def load_ships() -> pd.DataFrame:
    """Ship damage (40 rows): ``type`` (A-E), ``year``, ``period``, ``service`` (months), ``incidents``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("ships")`` gives the source.

    Notes
    -----
    R: ``MASS::ships``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_ships().shape
    (40, 5)
    """
    frame = _read("ships.csv")
    _categorical(frame, "type")
    return frame


def load_insurance() -> pd.DataFrame:
    """Car insurance claims (64 rows): ``District``, ``Group``, ``Age``, ``Holders``, ``Claims``.

    ``Group`` and ``Age`` are ordered as in MASS (small to large cars, young to old drivers).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("insurance")`` gives the source.

    Notes
    -----
    R: ``MASS::Insurance``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_insurance().shape
    (64, 5)
    """
    frame = _read("insurance.csv")
    _categorical(frame, "District")
    _categorical(frame, "Group", ["<1l", "1-1.5l", "1.5-2l", ">2l"])
    _categorical(frame, "Age", ["<25", "25-29", "30-35", ">35"])
    return frame


def load_clotting() -> pd.DataFrame:
    """Clotting times (9 rows): ``u`` (plasma concentration, %), ``lot1``, ``lot2`` (seconds).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("clotting")`` gives the source.

    Notes
    -----
    R: none (typed in by the example of ``?glm``)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_clotting().shape
    (9, 3)
    """
    return _read("clotting.csv")


def load_alligator() -> pd.DataFrame:
    """Alligator food choice (80 rows, 219 animals): ``lake``, ``sex``, ``size``, ``food``, ``count``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("alligator")`` gives the source.

    Notes
    -----
    R: ``vcdExtra::Alligator``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_alligator().shape
    (80, 5)
    """
    frame = _read("alligator.csv")
    for column in ("lake", "sex", "size", "food"):
        _categorical(frame, column)
    return frame


def load_cbpp() -> pd.DataFrame:
    """CBPP in zebu herds (56 rows): ``herd`` (1-15), ``incidence``, ``size``, ``period`` (1-4).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("cbpp")`` gives the source.

    Notes
    -----
    R: ``lme4::cbpp``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_cbpp().shape
    (56, 4)
    """
    frame = _read("cbpp.csv")
    _categorical(frame, "herd")
    _categorical(frame, "period")
    return frame


def load_housing() -> pd.DataFrame:
    """Copenhagen housing (72 rows, 1681 tenants): ``Sat`` (ordered Low < Medium < High), ``Infl``, ``Type``, ``Cont``, ``Freq``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("housing")`` gives the source.

    Notes
    -----
    R: ``MASS::housing``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_housing().shape
    (72, 5)
    """
    frame = _read("housing.csv")
    frame["Sat"] = pd.Categorical(frame["Sat"], categories=["Low", "Medium", "High"], ordered=True)
    _categorical(frame, "Infl", ["Low", "Medium", "High"])
    _categorical(frame, "Type", ["Tower", "Apartment", "Atrium", "Terrace"])
    _categorical(frame, "Cont", ["Low", "High"])
    return frame


def load_wine() -> pd.DataFrame:
    """Wine bitterness (72 ratings): ``rating`` (ordered 1 < ... < 5), ``response`` (a 0-100 score), ``temp``, ``contact``, ``bottle``, ``judge``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("wine")`` gives the source.

    Notes
    -----
    R: ``ordinal::wine``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_wine().shape
    (72, 6)
    """
    frame = _read("wine.csv")
    frame["rating"] = pd.Categorical(frame["rating"], categories=[1, 2, 3, 4, 5], ordered=True)
    _categorical(frame, "temp", ["cold", "warm"])
    _categorical(frame, "contact", ["no", "yes"])
    _categorical(frame, "judge")
    return frame


def load_ohio() -> pd.DataFrame:
    """Ohio wheeze (2148 rows, 537 children x 4 ages): ``resp`` (0/1), ``id``, ``age`` (years minus 9), ``smoke`` (mother smoked, 0/1).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("ohio")`` gives the source.

    Notes
    -----
    R: ``geepack::ohio``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_ohio().shape
    (2148, 4)
    """
    return _read("ohio.csv")


def load_epil() -> pd.DataFrame:
    """Seizure counts (236 rows, 59 patients x 4 periods): ``y``, ``trt``, ``base``, ``age``, ``V4``, ``subject``, ``period``, ``lbase``, ``lage``.

    ``lbase`` and ``lage`` are MASS's centred log(base / 4) and log(age).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("epil")`` gives the source.

    Notes
    -----
    R: ``MASS::epil``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_epil().shape
    (236, 9)
    """
    frame = _read("epil.csv")
    _categorical(frame, "trt", ["placebo", "progabide"])
    return frame


def load_dietox() -> pd.DataFrame:
    """Pig growth (861 rows, 72 pigs): ``Pig``, ``Evit``, ``Cu``, ``Litter``, ``Start``, ``Weight`` (kg), ``Time`` (week 1-12).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("dietox")`` gives the source.

    Notes
    -----
    R: ``geepack::dietox``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_dietox().shape
    (861, 7)
    """
    frame = _read("dietox.csv")
    _categorical(frame, "Evit")
    _categorical(frame, "Cu")
    return frame


def load_ucb_admissions() -> pd.DataFrame:
    """Berkeley admissions, 1973 (24 cells, 4526 applicants): ``Admit``, ``Gender``, ``Dept`` (A-F), ``Freq``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("ucb_admissions")`` gives the source.

    Notes
    -----
    R: ``as.data.frame(datasets::UCBAdmissions)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_ucb_admissions().shape
    (24, 4)
    """
    frame = _read("ucb_admissions.csv")
    _categorical(frame, "Admit", ["Admitted", "Rejected"])
    _categorical(frame, "Gender", ["Male", "Female"])
    _categorical(frame, "Dept")
    return frame


def load_iris() -> pd.DataFrame:
    """Fisher's iris (150 flowers): ``sepal_length``, ``sepal_width``, ``petal_length``, ``petal_width`` (cm), ``species``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("iris")`` gives the source.

    Notes
    -----
    R: ``datasets::iris``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_iris().shape
    (150, 5)
    """
    frame = _read("iris.csv")
    _categorical(frame, "species", ["setosa", "versicolor", "virginica"])
    return frame


def load_pima() -> pd.DataFrame:
    """Pima women tested for diabetes (532 complete records): ``npreg``, ``glu`` (mg/dl), ``bp`` (mm Hg),
    ``skin`` (mm), ``bmi`` (kg/m^2), ``ped`` (pedigree function), ``age`` (years), ``diabetes`` (0/1).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("pima")`` gives the source.

    Notes
    -----
    R: ``rbind(MASS::Pima.tr, MASS::Pima.te)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_pima().shape
    (532, 8)
    """
    return _read("pima.csv")


def load_endometrial() -> pd.DataFrame:
    """Endometrial cancer grade (79 patients): ``NV`` (neovasculation 0/1), ``PI`` (pulsatility index),
    ``EH`` (endometrium height, mm), ``HG`` (high grade, 0/1); NV separates HG quasi-completely.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("endometrial")`` gives the source.

    Notes
    -----
    R: ``brglm2::endometrial``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_endometrial().shape
    (79, 4)
    """
    return _read("endometrial.csv")


def load_quine() -> pd.DataFrame:
    """Days absent from school (146 children, New South Wales): ``Eth`` (A Aboriginal, N not), ``Sex``,
    ``Age`` (F0-F3 school form), ``Lrn`` (AL average, SL slow learner), ``Days``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("quine")`` gives the source.

    Notes
    -----
    R: ``MASS::quine``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_quine().shape
    (146, 5)
    """
    frame = _read("quine.csv")
    for column, levels in (("Eth", ["A", "N"]), ("Sex", ["F", "M"]), ("Age", ["F0", "F1", "F2", "F3"]), ("Lrn", ["AL", "SL"])):
        _categorical(frame, column, levels)
    return frame


def load_biochemists() -> pd.DataFrame:
    """Articles published by 915 biochemistry PhD students in the last three years of their PhD (Long 1990).

    Columns: ``art`` (articles), ``fem`` (Men, Women), ``mar`` (Single,
    Married), ``kid5`` (children aged 5 or younger), ``phd`` (prestige of the
    PhD department), ``ment`` (articles by the mentor in the last three years).
    Many students published nothing: the classic data for zero-inflated and
    hurdle count models.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("biochemists")`` gives the source.

    Notes
    -----
    R: ``pscl::bioChemists``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_biochemists().shape
    (915, 6)
    """
    frame = _read("biochemists.csv")
    for column, levels in (("fem", ["Men", "Women"]), ("mar", ["Single", "Married"])):
        _categorical(frame, column, levels)
    return frame


def load_lirat() -> pd.DataFrame:
    """Low-iron rat teratology (Shepard et al. 1980; Moore and Tsiatis 1991): 58 litters.

    Columns: ``N`` (litter size), ``R`` (dead fetuses), ``hb`` (the mother's
    hemoglobin level), ``grp`` (1 untreated low-iron group; 2 iron injections
    on day 7 or 10 only; 3 on days 0 and 7; 4 weekly). Litters differ beyond
    what a binomial allows: the classic data for overdispersed proportions.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("lirat")`` gives the source.

    Notes
    -----
    R: ``VGAM::lirat``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_lirat().shape
    (58, 4)
    """
    frame = _read("lirat.csv")
    _categorical(frame, "grp", [1, 2, 3, 4])
    return frame


def load_mtcars() -> pd.DataFrame:
    """Motor Trend road tests of 32 cars (1973-74): ``model``, ``mpg``, ``cyl``, ``disp`` (cu. in.), ``hp``,
    ``drat``, ``wt`` (1000 lb), ``qsec`` (s), ``vs``, ``am`` (1 manual), ``gear``, ``carb``.

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("mtcars")`` gives the source.

    Notes
    -----
    R: ``datasets::mtcars``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_mtcars().shape
    (32, 12)
    """
    return _read("mtcars.csv")


def load_birthweight() -> pd.DataFrame:
    """Dobson's birthweights (24 babies): ``sex`` (categorical boy, girl), ``age`` (gestational age, weeks),
    ``weight`` (birthweight, g).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("birthweight")`` gives the source.

    Notes
    -----
    R: none (Dobson and Barnett's Table 2.3, typed in)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_birthweight().shape
    (24, 3)
    """
    frame = _read("birthweight.csv")
    _categorical(frame, "sex", ["boy", "girl"])
    return frame


def load_engel() -> pd.DataFrame:
    """Engel's food expenditure (235 households): ``income``, ``foodexp`` (annual, Belgian francs).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("engel")`` gives the source.

    Notes
    -----
    R: ``quantreg::engel``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_engel().shape
    (235, 2)
    """
    return _read("engel.csv")


def load_lung() -> pd.DataFrame:
    """Advanced lung cancer (228 patients, NCCTG): ``inst``, ``time`` (days from enrolment to death or
    censoring), ``status`` (1 died, 0 censored; R's 2/1), ``age`` (years), ``sex`` (categorical male,
    female), ``ph_ecog`` (ECOG score 0-4, by the physician), ``ph_karno``, ``pat_karno`` (Karnofsky
    score by physician and by patient), ``meal_cal`` (calories at meals), ``wt_loss`` (weight lost in
    the last six months, lb). Missing values are NaN (in ``inst``, the scores, ``meal_cal``, ``wt_loss``).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("lung")`` gives the source.

    Notes
    -----
    R: ``survival::lung`` (with ``status`` recoded)

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_lung().shape
    (228, 10)
    """
    frame = _read("lung.csv")
    frame["status"] = (frame["status"] == 2).astype(int)
    frame["sex"] = pd.Categorical(frame["sex"].map({1: "male", 2: "female"}), categories=["male", "female"])
    return frame


def load_sleepstudy() -> pd.DataFrame:
    """Sleep deprivation (180 rows): ``Reaction`` (ms), ``Days`` (0-9), ``Subject`` (18 levels, as lme4 orders them).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("sleepstudy")`` gives the source.

    Notes
    -----
    R: ``lme4::sleepstudy``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_sleepstudy().shape
    (180, 3)
    """
    frame = _read("sleepstudy.csv")
    _categorical(frame, "Subject")
    return frame


def load_penicillin() -> pd.DataFrame:
    """Penicillin assay (144 rows): ``diameter`` (mm), ``plate`` (24 levels a-x), ``sample`` (6 levels A-F).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("penicillin")`` gives the source.

    Notes
    -----
    R: ``lme4::Penicillin``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_penicillin().shape
    (144, 3)
    """
    frame = _read("penicillin.csv")
    _categorical(frame, "plate")
    _categorical(frame, "sample")
    return frame


def load_grouseticks() -> pd.DataFrame:
    """Ticks on red grouse chicks (403 rows): ``INDEX`` (one level per chick), ``TICKS``, ``BROOD`` (118),
    ``HEIGHT``, ``YEAR`` (95, 96, 97), ``LOCATION`` (63), ``cHEIGHT``; factors as lme4 orders them (numerically).

    Returns
    -------
    pandas.DataFrame
        A fresh copy, one row per observation; ``describe("grouseticks")`` gives the source.

    Notes
    -----
    R: ``lme4::grouseticks``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.datasets.load_grouseticks().shape
    (403, 7)
    """
    frame = _read("grouseticks.csv")
    for column in ("INDEX", "BROOD", "YEAR", "LOCATION"):
        _categorical(frame, column)
    return frame
