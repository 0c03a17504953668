"""Spiegelrapporten Beleidsinformatie Jeugd."""

import sys as _sys

__version__ = "0.1.0"

# jsonschema (through nbformat and papermill) imports the optional ``rfc3987_syntax`` when it is installed, and
# that module compiles a grammar at import: 2–6 s per process on our machines. Nothing we run validates IRI
# formats, so we tell Python the module is absent; jsonschema then skips that one format check.
_sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
