"""The public namespaces of rtpredict, shared by the API structure and API docs tests."""

from __future__ import annotations

import rtpredict

#: every subpackage whose ``__all__`` is public API (``rtpredict.<name>``)
NAMESPACES = rtpredict._SUBMODULES
