"""Sphinx configuration: the rtpredict API reference and its Markdown guides.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are errors).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not

import rtpredict  # noqa: E402

project = "rtpredict"
author = "rtpredict developers"
copyright = "rtpredict developers"
release = rtpredict.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# API pages: one stub page per public name, generated at build time from api/*.rst
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "signature"  # types come from the hints, as the docstrings omit them
# keep aliases short in signatures (the modules use postponed annotations)
autodoc_type_aliases = {"ArrayLike": "numpy.typing.ArrayLike"}
autodoc_member_order = "bysource"

# numpydoc: class members are listed by the autosummary class template, not by numpydoc
numpydoc_show_class_members = False
# every documented object is checked: a docstring, no missing or unknown parameters, a Returns
# (or Yields) section when something is returned, and a well-formed section layout
numpydoc_validation_checks = {
    "GL06",  # unknown section
    "GL07",  # sections in the wrong order
    "GL08",  # no docstring
    "PR01",  # a parameter is not documented
    "PR02",  # an unknown parameter is documented
    "PR03",  # parameters documented in another order
    "PR06",  # parameter types: "str", not "string"
    "RT01",  # no Returns section
    "YD01",  # no Yields section
    "SS01",  # no summary
}
# constants carry no docstring of their own (numpydoc would validate int's or dict's)
numpydoc_validation_exclude = {r"\.[A-Z][A-Z0-9_]+$"}

# MyST: the Markdown guides, with anchors for their headings (the README's contents list)
myst_heading_anchors = 3


def _defining_module_comment(app, what, name, obj, options, lines):
    """Give a re-exported constant the ``#:`` comment written where it is defined.

    ``rtpredict.io.STRANDEDNESS`` is defined (and commented) in ``rtpredict.io._qc``; autodoc
    looks for the comment only in ``rtpredict.io``, and otherwise shows the docstring of the
    value's type (``dict``). Search the package's loaded modules for one that binds the same
    object (under the same name first, as small ints are shared objects).
    """
    if what != "data":
        return
    package, _, attr = name.rpartition(".")
    found = []
    for modname, module in list(sys.modules.items()):
        if modname.startswith(package + ".") and module is not None:
            found += [
                (key != attr, modname, key) for key, value in vars(module).items() if value is obj
            ]
    for _, modname, key in sorted(found):
        try:
            comments = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:
            continue
        if ("", key) in comments:
            # replace what autodoc found otherwise: the docstring of the value's type
            lines[:] = comments[("", key)]
            return


def _only_rtpredict_members(app, what, name, obj, skip, options):
    """Skip inherited members defined outside rtpredict (scikit-learn's ``get_params``…).

    An estimator's template (``autosummary/estimator.rst``) documents inherited members, so
    that methods of its mixins (``Predictions``) appear on the class page.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and not module.startswith("rtpredict"):
        return True
    return None


def setup(app):
    # before numpydoc (priority 500) reads the lines
    app.connect("autodoc-process-docstring", _defining_module_comment, priority=400)
    app.connect("autodoc-skip-member", _only_rtpredict_members)


html_theme = "furo"
html_title = f"rtpredict {release}"
html_static_path: list[str] = []
