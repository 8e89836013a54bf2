"""glm_lib's reference pages are its docstrings: each public function and class must
say what R calls it and show a short example, and every example must run as shown.

The public API is ``gl.__all__`` and the ``__all__`` of the public modules
(``gl.links``, ``gl.diagnostics``, ...). For each object the docstring needs:

- a ``Parameters`` section for a function that takes arguments (a class: its
  constructor's, or ``Attributes``);
- a ``Returns`` section for a function;
- the R counterpart: a line ``R: ...`` (in ``Notes``) naming the R function, or
  ``R: none`` where R has no counterpart;
- an ``Examples`` section with at least one ``>>>`` line, run by doctest here.
"""

from __future__ import annotations

import doctest
import inspect
import re
import types

import pytest

import glm_lib as gl

MODULES = [gl] + [getattr(gl, name) for name in gl.__all__ if isinstance(getattr(gl, name), types.ModuleType)]


def _public_objects():
    seen = set()
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", obj


OBJECTS = dict(_public_objects())


def docstring_problems(obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    problems = []
    if not doc:
        return ["no docstring"]
    is_class = inspect.isclass(obj)
    if is_class and issubclass(obj, Warning):
        needs_params = False
    elif is_class:
        needs_params = len(inspect.signature(obj).parameters) > 0 and "Attributes" not in doc
    else:
        needs_params = len(inspect.signature(obj).parameters) > 0
    if needs_params and not re.search(r"^Parameters\n-+$", doc, flags=re.M):
        problems.append("no Parameters section")
    if not is_class and not re.search(r"^Returns\n-+$", doc, flags=re.M):
        problems.append("no Returns section")
    if not re.search(r"^R: \S", doc, flags=re.M):
        problems.append("no 'R: ...' line naming the R counterpart (or 'R: none')")
    if not re.search(r"^Examples\n-+\n(.|\n)*>>> ", doc, flags=re.M):
        problems.append("no Examples section with a >>> line")
    return problems


def test_the_checker_finds_a_bare_docstring():
    def bare(x):
        """Do a thing."""

    assert len(docstring_problems(bare)) == 4


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_public_docstring_is_a_reference_entry(name):
    problems = docstring_problems(OBJECTS[name])
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_examples_run_as_shown(name):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    obj = OBJECTS[name]
    for test in finder.find(obj, name, globs={"gl": gl}):
        runner.run(test)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) do not give the output shown"
