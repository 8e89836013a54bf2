"""Text and HTML summaries laid out like R's ``print.summary.glm``."""

from __future__ import annotations

import html
import math

import numpy as np

__all__ = ["InlineText", "inline", "format_column", "format_pvalue", "format_pvalues", "format_statistic", "significance_stars", "wald_table_lines", "summary_text", "summary_html", "warning_lines"]

_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."))
SIGNIF_LEGEND = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def format_column(values, digits: int = 4) -> list[str]:
    """Format numbers with a common number of decimals, as R's ``format`` does.

    Every value keeps at least ``digits`` significant digits; when that needs
    too many decimals the column switches to scientific notation. Values below
    1e-12 of the column's largest are rounding noise around an exact zero
    (Dobson's treatment effects) and print as 0, so that printed output does
    not depend on the BLAS (R prints the noise, e.g. ``1.338e-15``).
    """
    values = np.asarray(values, dtype=float)
    largest_abs = np.max(np.abs(values[np.isfinite(values)]), initial=0.0)
    values = np.where(np.abs(values) < 1e-12 * largest_abs, 0.0, values)
    finite = [abs(v) for v in values if np.isfinite(v) and v != 0]
    if not finite:
        return ["NA" if not np.isfinite(v) else "0" for v in values]
    decimals = max(0, max(digits - 1 - math.floor(math.log10(v)) for v in finite))
    largest = max(finite)
    if decimals > 8 or largest >= 1e15:
        return ["NA" if not np.isfinite(v) else f"{v:.{digits - 1}e}" for v in values]
    return ["NA" if not np.isfinite(v) else f"{v:.{decimals}f}" for v in values]


def format_statistic(value: float) -> str:
    """A Wald statistic to 3 decimals, never ``-0.000`` (the sign of rounding noise)."""
    if not np.isfinite(value):
        return "NA"
    rounded = round(float(value), 3)
    return f"{rounded if rounded != 0 else 0.0:.3f}"


def format_pvalue(p: float) -> str:
    """One p-value as R's ``format.pval`` shows it (3 significant digits, ``eps = 2e-16``)."""
    return format_pvalues([p])[0]


def format_pvalues(values, digits: int = 3) -> list[str]:
    """A column of p-values formatted together, as R's ``format.pval`` does.

    Values below 2e-16 print as ``<2e-16``; the rest share one number of
    decimals, or scientific notation when some are below 1e-4.
    """
    values = [float(p) for p in values]
    regular = [p for p in values if np.isfinite(p) and p >= 2e-16]
    scientific = any(p < 1e-4 for p in regular)
    decimals = max((digits - 1 - math.floor(math.log10(p)) for p in regular if p > 0), default=0)
    out = []
    for p in values:
        if not np.isfinite(p):
            out.append("NA")
        elif p < 2e-16:
            out.append("<2e-16")
        elif scientific:
            out.append(f"{p:.{digits - 1}e}")
        else:
            out.append(f"{p:.{max(decimals, 0)}f}")
    return out


def significance_stars(p: float) -> str:
    """R's significance codes."""
    if not np.isfinite(p):
        return ""
    for cutoff, stars in _STARS:
        if p < cutoff:
            return stars
    return ""


def wald_table_lines(labels, estimates, std_errors, z_values, p_values) -> list[str]:
    """R's coefficient table (Estimate, Std. Error, z value, Pr(>|z|), stars) as lines of text."""
    columns = [["Estimate", *format_column(np.asarray(estimates, dtype=float))],
               ["Std. Error", *format_column(np.asarray(std_errors, dtype=float))],
               ["z value", *[format_statistic(v) for v in z_values]],
               ["Pr(>|z|)", *[format_pvalue(v) for v in p_values]]]
    widths = [max(len(cell) for cell in col) for col in columns]
    width = max(len(label) for label in labels)
    lines = [" " * width + " " + " ".join(col[0].rjust(w) for col, w in zip(columns, widths))]
    for i, (label, p) in enumerate(zip(labels, p_values)):
        cells = " ".join(col[i + 1].rjust(w) for col, w in zip(columns, widths))
        lines.append(f"{label.ljust(width)} {cells} {significance_stars(p)}".rstrip())
    return lines


def _deviance_lines(res) -> list[str]:
    # R formats both deviances together, with five significant digits for each.
    decimals = max(_sig(res.null_deviance), _sig(res.deviance))
    null = f"{res.null_deviance:.{decimals}f}"
    resid = f"{res.deviance:.{decimals}f}"
    width = max(len(null), len(resid))
    return [
        f"    Null deviance: {null:>{width}}  on {res.df_null} degrees of freedom",
        f"Residual deviance: {resid:>{width}}  on {res.df_resid} degrees of freedom",
    ]


def _sig(value: float, digits: int = 5) -> int:
    """Decimals that show ``value`` to ``digits`` significant digits."""
    if value == 0 or not np.isfinite(value):
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


def _aic_text(res) -> str:
    if not res.family.has_likelihood:
        return "AIC: NA (quasi-likelihood)"
    return f"AIC: {res.aic:.{_sig(res.aic)}f}"


def _dispersion_text(res) -> str:
    if res.family.extra_params:
        # R's glm.nb prints theta; we print alpha = 1/theta, the family's parameter.
        return (
            f"(Dispersion parameter for {res.family.name} family taken to be 1; "
            f"alpha estimated: {res.family.alpha:.4g}, SE {res.family.alpha_se:.4g})"
        )
    if res.family.estimated_dispersion:
        return f"(Dispersion parameter for {res.family.name} family taken to be {res.dispersion:.7g})"
    return f"(Dispersion parameter for {res.family.name} family taken to be 1)"


def _iterations_text(res) -> str:
    solver = {"irls": "Fisher Scoring", "newton": "Newton", "gd": "gradient descent", "closed_form": "closed-form",
              "firth": "Firth-adjusted scoring"}[res.method]
    return f"Number of {solver} iterations: {res.n_iter}"


def _estimate_columns(table) -> tuple[list[str], list[str]]:
    """Estimates and standard errors formatted together, as R's ``printCoefmat``."""
    both = np.concatenate([table["Estimate"].to_numpy(), table["Std. Error"].to_numpy()])
    cells = format_column(both)
    return cells[: len(table)], cells[len(table) :]


def summary_text(res) -> str:
    """The plain-text summary of a :class:`~glm_lib.GLMResults`."""
    table = res.coef_table()
    names = list(table.index)
    stat = table.columns[2]
    estimates, errors = _estimate_columns(table)
    columns = [
        ["Estimate", *estimates],
        ["Std. Error", *errors],
        [stat, *[format_statistic(v) for v in table[stat]]],
        [table.columns[3], *format_pvalues(table[table.columns[3]])],
    ]
    name_width = max(len(n) for n in names)
    widths = [max(len(cell) for cell in col) for col in columns]
    lines = []
    header = f"Generalized linear model: {res.family.name} family, {res.family.link.name} link"
    lines.append(header)
    if res.formula:
        lines.append(f"Formula: {res.formula}")
    if res.method == "firth":
        lines.append("Estimator: Firth's bias-reduced (Jeffreys-prior penalised) likelihood, not the MLE")
        lines.append("Wald tests below; near separation use conf_int(method='profile') and "
                     "drop1(fit, test='Chisq') (penalised likelihood)")
    lines += ["", "Coefficients:"]
    lines.append(" " * name_width + " " + " ".join(col[0].rjust(w) for col, w in zip(columns, widths)))
    for i, name in enumerate(names):
        cells = " ".join(col[i + 1].rjust(w) for col, w in zip(columns, widths))
        stars = significance_stars(table.iloc[i, 3])
        lines.append(f"{name.ljust(name_width)} {cells} {stars}".rstrip())
    lines += ["---", SIGNIF_LEGEND, ""]
    if res.aliased:
        lines.insert(lines.index("Coefficients:") + 1, f"  ({len(res.aliased)} not defined because of singularities)")
    lines.append(_dispersion_text(res))
    lines.append("")
    lines += _deviance_lines(res)
    lines.append(_aic_text(res))
    lines.append("")
    lines.append(_iterations_text(res))
    lines += warning_lines(res.converged, res.separation)
    return "\n".join(lines)


def warning_lines(converged: bool, separation: dict | None) -> list[str]:
    """The closing warnings of a summary: non-convergence and separation."""
    lines = []
    if not converged:
        lines.append("WARNING: the solver did not converge.")
    if separation is not None:
        lines.append(f"WARNING: {separation['kind']} separation detected; the maximum-likelihood estimates do not exist (they diverge).")
    return lines


def summary_html(res) -> str:
    """An HTML table of the coefficients with the deviance lines, for notebooks."""
    table = res.coef_table()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["", *table.columns, ""])
    est, se = _estimate_columns(table)
    pvalues = format_pvalues(table.iloc[:, 3])
    rows = []
    for i, name in enumerate(table.index):
        stat = table.iloc[i, 2]
        p = table.iloc[i, 3]
        cells = [est[i], se[i], format_statistic(stat), pvalues[i], significance_stars(p)]
        rows.append(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            + "".join(f"<td style='text-align:right'>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    notes = [
        f"{res.family.name} family, {res.family.link.name} link"
        + (f"; formula <code>{html.escape(res.formula)}</code>" if res.formula else ""),
        html.escape(_dispersion_text(res)),
        *[html.escape(line.strip()) for line in _deviance_lines(res)],
        html.escape(_aic_text(res)) + "; " + html.escape(_iterations_text(res)),
    ]
    return (
        "<div><table><thead><tr>" + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        + "".join(f"<p style='margin:0'>{note}</p>" for note in notes)
        + f"<p style='margin:0;font-size:smaller'>{html.escape(SIGNIF_LEGEND)}</p></div>"
    )


class InlineText(str):
    """A string that displays without quotes: its ``repr`` is the text itself.

    Jupyter shows a value's ``text/plain`` form, which for a ``str`` is its
    quoted ``repr``; inline ``{eval}`` numbers in prose need the bare text.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def inline(value: float | int, spec: str = ".4g") -> InlineText:
    """Format a number for inline display in a chapter's prose.

    Parameters
    ----------
    value : float or int
        The computed number.
    spec : str, default ".4g"
        A format specification as for :func:`format` (``".3f"``, ``".2e"``,
        ``",d"``, ``".1%"``).

    Returns
    -------
    InlineText
        The formatted text; ``{eval}`name``` in a Markdown cell shows it
        without quotes in JupyterLab and in the book.

    Raises
    ------
    TypeError
        ``value`` is not a real number.
    ValueError
        ``value`` is NaN or infinite, or ``spec`` is not a valid format for it.

    Notes
    -----
    R: ``format(value, digits = )`` or ``sprintf``; R Markdown's inline R code
    is the counterpart of ``{eval}``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.inline(0.000123456, ".2e")
    1.23e-04
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"inline: value must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"inline: value must be finite, got {value!r}; a NaN or infinity in prose hides a failed computation")
    try:
        text = format(value.item() if isinstance(value, np.generic) else value, spec)
    except ValueError as exc:
        raise ValueError(f"inline: spec {spec!r} is not a valid format for {value!r}: {exc}") from None
    return InlineText(text)
