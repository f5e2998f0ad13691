"""Render the Jinja2 templates (autoescaped) into one self-contained HTML file, atomically."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rtpredict import _format as fmt
from rtpredict._files import write_text_atomic

logger = logging.getLogger("rtpredict.report")

#: a report larger than this is a defect (the issue's limit)
MAX_BYTES = 2 * 1024 * 1024


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the template environment: every value escaped, unknown names an error."""
    env = Environment(
        loader=PackageLoader("rtpredict.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        number=fmt.number,
        signed=fmt.signed,
        percent=fmt.percent,
        count=fmt.count,
        ordinal=fmt.ordinal,
        short_hash=fmt.short_hash,
    )
    env.globals["missing"] = fmt.MISSING
    return env


@lru_cache(maxsize=4)
def _script(name: str) -> tuple[Markup, str]:
    """Return a bundled script and its CSP source expression (``'sha256-…'``)."""
    source, _, _ = environment().loader.get_source(environment(), name)
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return Markup(source), f"'sha256-{digest}'"


def content_security_policy(script_hash: str | None) -> str:
    """Return the page's CSP: nothing may be fetched; only the bundled script may run."""
    scripts = script_hash or "'none'"
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {scripts}; base-uri 'none'; form-action 'none'"
    )


def render(template: str, *, script: str | None = None, **context) -> str:
    """Render ``template`` with ``context``; ``script`` names a bundled script to inline."""
    code, digest = _script(script) if script else (Markup(""), None)
    return (
        environment()
        .get_template(template)
        .render(csp=content_security_policy(digest), script=code, **context)
    )


def write_html(path: str | os.PathLike, html: str) -> int:
    """Write ``html`` atomically; return its size in bytes (a warning above 2 MB)."""
    size = len(html.encode("utf-8"))
    if size > MAX_BYTES:
        logger.warning(
            "%s is %.1f MB, above the 2 MB a report should stay under", path, size / 2**20
        )
    write_text_atomic(path, html)
    return size
