"""Author–year bibliography for the book, matching the text's citations.

Chapters cite as "McCullagh and Nelder (1989)" and "(McCullagh and Nelder, 1989)"
(see ``citations.py``); JupyterLab shows exactly that text. Importing this module
registers two styles so that the Sphinx build reads the same:

* ``author_year_round`` (sphinxcontrib-bibtex referencing style): author–year
  citations in round brackets, where the stock ``author_year`` uses square ones,
  and several works in one parenthesis separated by semicolons;
* ``author_year_labels`` (pybtex formatting style): the references page labels
  each entry "McCullagh and Nelder, 1989" instead of alpha's "[MN89]" and lists
  them in the alphabetical order of those labels (institutional authors such as
  "R Core Team" included, which pybtex's author sorting puts last). The label text comes from :func:`citations.citation_text`,
  the same function the tests hold the chapters' citation links to.

``_config.yml`` selects them (``bibtex_reference_style``, ``bibtex_default_style``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from string import ascii_lowercase

import pybtex.plugin
from citations import citation_text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

REFERENCE_STYLE = "author_year_round"
FORMATTING_STYLE = "author_year_labels"


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


def _round_semicolons() -> BracketStyle:
    """Several works in one parenthesis are separated as the chapters write them: "(A, 2013; B, 2006)"."""
    return BracketStyle(left="(", right=")", sep="; ")


@dataclass
class RoundAuthorYearStyle(AuthorYearReferenceStyle):
    """``{cite:t}`` → McCullagh and Nelder (1989); ``{cite:p}`` → (McCullagh and Nelder, 1989)."""

    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_parenthetical: BracketStyle = field(default_factory=_round_semicolons)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


class AuthorYearLabels(BaseLabelStyle):
    """Labels as the text cites: 'Dobson, 1990', 'Bates et al., 2015'.

    Two works with the same authors and year get 'a', 'b' after the year, as
    author–year styles do.
    """

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [citation_text(entry, parenthetical=True) for entry in entries]
        counts = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if counts[label] > 1:
                suffix = ascii_lowercase[seen[label]]
                seen[label] += 1
                label += suffix
            yield label


class LabelOrder(BaseSortingStyle):
    """Alphabetical by the author–year label, then by title."""

    def sorting_key(self, entry):
        return citation_text(entry, parenthetical=True).lower(), entry.fields.get("title", "").lower()


class AuthorYearBibliography(PlainStyle):
    """pybtex's 'plain' entries with author–year labels, in label order."""

    default_label_style = AuthorYearLabels
    default_sorting_style = LabelOrder


def register() -> None:
    """Make both styles findable by the names ``_config.yml`` uses."""
    register_plugin("sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE, RoundAuthorYearStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", FORMATTING_STYLE, AuthorYearBibliography)
