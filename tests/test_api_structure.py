"""The public API follows scanpy's conventions, checked name by name (as scanpy's own tests do).

For every name in a public namespace's ``__all__``:

- an AnnData tool takes ``adata`` first; every function of ``rtpredict.tl`` is one;
- options after the first three positional parameters are keyword-only;
- a tool that writes into the AnnData (returns ``AnnData | None``) takes keyword-only ``copy``
  (default False) and ``key_added``;
- every parameter and every return value has a type hint;
- the docstring's Parameters section names exactly the parameters, in order, and a function
  that returns something has a Returns (or Yields) section. Public methods of public classes
  are held to the same documentation rules.

Departures that would need an API change are listed in ``POSITIONAL_EXCEPTIONS`` with the
reason; an entry that no longer departs fails, so the list cannot go stale.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _public_api import NAMESPACES
from numpydoc.docscrape import ClassDoc, FunctionDoc

import rtpredict

MAX_POSITIONAL = 3
#: functions with more than three positional parameters, kept as they are (an API change)
POSITIONAL_EXCEPTIONS = {
    "io.build_cohort": "`clinical` is a 4th positional parameter (quant, genes, qc, clinical), "
    "passed positionally by `rtpredict aggregate`; keyword-only would break callers",
    **{
        f"kernels.{name}": "array kernel: every argument is a required array or number in the "
        "math's order (X, indptr, indices, per-gene statistics), called positionally as NumPy "
        "functions are"
        for name in ("geometric_mean", "mean_z", "median_dichotomy", "weighted_sum", "set_scores")
    },
}
#: tools known to write into an AnnData: the detection below must find at least these
KNOWN_WRITERS = {
    "tl.dna_features",
    "tl.gard",
    "tl.score_rsi",
    "tl.score_signatures",
    "tl.predict",
}
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def public_objects() -> Iterator[tuple[str, object]]:
    """Yield ``("namespace.name", object)`` for every name in every public ``__all__``."""
    for namespace in NAMESPACES:
        module = importlib.import_module(f"rtpredict.{namespace}")
        for name in module.__all__:
            yield f"{namespace}.{name}", getattr(module, name)


def is_function(obj: object) -> bool:
    return inspect.isfunction(inspect.unwrap(obj)) if callable(obj) else False


def functions() -> list[tuple[str, Callable]]:
    return [(name, obj) for name, obj in public_objects() if is_function(obj)]


def classes() -> list[tuple[str, type]]:
    return [(name, obj) for name, obj in public_objects() if inspect.isclass(obj)]


def methods() -> list[tuple[str, Callable]]:
    """Public methods defined by the public classes themselves (not inherited)."""
    out = []
    for name, cls in classes():
        for attr, raw in vars(cls).items():
            if attr.startswith("_") or isinstance(raw, property):
                continue
            if isinstance(raw, staticmethod | classmethod) or inspect.isfunction(raw):
                out.append((f"{name}.{attr}", getattr(cls, attr)))
    return out


def parameters(obj: Callable) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(obj).parameters.values() if p.name not in {"self"}]


def documented_parameters(obj: object) -> list[str]:
    """Names in the Parameters section (``a, b`` entries split, ``*args`` stars dropped)."""
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    names = []
    for entry in doc["Parameters"]:
        names += [part.strip().lstrip("*") for part in entry.name.split(",")]
    return names


def returns_something(obj: Callable) -> bool:
    annotation = inspect.signature(obj).return_annotation
    return annotation not in (inspect.Signature.empty, None, "None")


def writes_anndata(obj: Callable) -> bool:
    annotation = str(inspect.signature(obj).return_annotation).replace(" ", "")
    return annotation in {"AnnData|None", "ad.AnnData|None", "anndata.AnnData|None"}


def cases(pairs: list[tuple[str, object]]) -> list:
    """Parametrize over ``(name, object)`` pairs, each test id being the public name."""
    return [pytest.param(name, obj, id=name) for name, obj in pairs]


def test_namespaces_cover_the_package():
    """Every public subpackage is reachable as ``rtpredict.<name>`` without importing it first
    (``rp.privacy`` raised AttributeError until ``rp.io`` was touched)."""
    root = Path(rtpredict.__file__).parent
    packages = {p.parent.name for p in root.glob("*/__init__.py")} - {"commands"}
    packages = {name for name in packages if not name.startswith("_")}  # private: _workflow
    assert packages <= set(NAMESPACES)
    for name in NAMESPACES:
        assert getattr(rtpredict, name).__name__ == f"rtpredict.{name}"


def test_there_is_something_to_check():
    assert len(functions()) > 100
    assert len(classes()) > 20
    assert len(methods()) > 30


@pytest.mark.parametrize(("name", "func"), cases(functions()))
def test_adata_comes_first(name, func):
    params = [p.name for p in parameters(func)]
    if "adata" in params or name.startswith("tl."):
        assert params[0] == "adata", f"{name}: adata must be the first parameter: {params}"


@pytest.mark.parametrize(("name", "func"), cases(functions()))
def test_options_are_keyword_only(name, func):
    positional = [p.name for p in parameters(func) if p.kind in POSITIONAL]
    if name in POSITIONAL_EXCEPTIONS:
        assert len(positional) > MAX_POSITIONAL, f"{name} no longer needs its exception"
        return
    assert len(positional) <= MAX_POSITIONAL, (
        f"{name}: parameters after the first {MAX_POSITIONAL} must be keyword-only "
        f"(add '*'): {positional}"
    )


def test_exceptions_are_public_functions():
    assert set(POSITIONAL_EXCEPTIONS) <= {name for name, _ in functions()}


def test_known_writers_are_detected():
    writers = {name for name, func in functions() if writes_anndata(func)}
    assert writers >= KNOWN_WRITERS


@pytest.mark.parametrize(
    ("name", "func"), cases([(n, f) for n, f in functions() if writes_anndata(f)])
)
def test_writers_take_copy_and_key_added(name, func):
    params = {p.name: p for p in parameters(func)}
    assert next(iter(params)) == "adata", name
    for option in ("copy", "key_added"):
        assert option in params, f"{name}: an AnnData tool that writes takes {option}="
        assert params[option].kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: {option}"
    assert params["copy"].default is False, f"{name}: copy defaults to False"


@pytest.mark.parametrize(("name", "func"), cases(functions()))
def test_copy_means_a_writer(name, func):
    if "copy" in {p.name for p in parameters(func)}:
        assert writes_anndata(func), f"{name} takes copy= but does not return AnnData | None"


@pytest.mark.parametrize(("name", "func"), cases(functions() + methods()))
def test_type_hints(name, func):
    signature = inspect.signature(func)
    untyped = [
        p.name
        for p in signature.parameters.values()
        if p.name not in {"self", "cls"} and p.annotation is inspect.Parameter.empty
    ]
    assert not untyped, f"{name}: parameters without a type hint: {untyped}"
    assert signature.return_annotation is not inspect.Signature.empty, f"{name}: no return type"


def docstring_cases() -> list[tuple[str, object]]:
    cases = functions() + methods()
    for name, cls in classes():
        try:
            inspect.signature(cls)
        except (TypeError, ValueError):  # warnings and exceptions: no parameters of their own
            continue
        cases.append((name, cls))
    return cases


@pytest.mark.parametrize(("name", "obj"), cases(docstring_cases()))
def test_parameters_section_names_the_parameters(name, obj):
    assert inspect.getdoc(obj), f"{name} has no docstring"
    actual = [p.name for p in parameters(obj) if p.name != "cls"]
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        actual = [f.name for f in dataclasses.fields(obj) if f.init]
    assert documented_parameters(obj) == actual, (
        f"{name}: the Parameters section must name exactly the parameters, in order"
    )


@pytest.mark.parametrize(("name", "func"), cases(functions() + methods()))
def test_returns_section(name, func):
    if returns_something(func):
        doc = FunctionDoc(func)
        assert doc["Returns"] or doc["Yields"], f"{name} returns a value: add a Returns section"
