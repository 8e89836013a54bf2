"""The references page labels and orders entries as the text cites them.

The citations themselves are checked against references.bib in
test_prose_sources.py; the built pages (citation text against the label of
the entry it links to) in tests/browser/test_book.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pybtex.database import BibliographyData, Entry, Person, parse_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from bibliography_style import AuthorYearBibliography  # noqa: E402
from citations import citation_text  # noqa: E402


def _labels(bib: BibliographyData) -> dict[str, str]:
    formatted = AuthorYearBibliography().format_bibliography(bib)
    return {entry.key: entry.label for entry in formatted}


def test_every_label_is_the_parenthetical_citation_text() -> None:
    bib = parse_file(str(ROOT / "references.bib"))
    labels = _labels(bib)
    assert labels == {key: citation_text(entry, parenthetical=True) for key, entry in bib.entries.items()}
    assert "McCullagh and Nelder, 1989" in labels.values()


def test_entries_are_in_label_order() -> None:
    bib = parse_file(str(ROOT / "references.bib"))
    order = [entry.label.lower() for entry in AuthorYearBibliography().format_bibliography(bib)]
    assert order == sorted(order)


def test_same_authors_and_year_get_letters() -> None:
    bib = BibliographyData()
    for key, title in [("a1", "First"), ("a2", "Second"), ("b", "Other")]:
        author = "Nelder, John" if key != "b" else "Wedderburn, Robert"
        bib.add_entry(key, Entry("article", fields={"title": title, "year": "1972", "journal": "J"},
                                 persons={"author": [Person(author)]}))
    assert _labels(bib) == {"a1": "Nelder, 1972a", "a2": "Nelder, 1972b", "b": "Wedderburn, 1972"}


def test_the_references_page_lists_only_what_the_text_cites() -> None:
    page = (ROOT / "chapters" / "references.md").read_text(encoding="utf-8")
    assert "{bibliography}" in page
    assert ":all:" not in page
