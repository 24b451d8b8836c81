"""The versioned JSON Schema of ``summary.json`` and a validator for it."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "summary-1.schema.json"


@functools.cache
def summary_schema() -> dict[str, Any]:
    """The JSON Schema of ``summary.json`` (major version 1)."""
    return json.loads(resources.files("gaitlab.schema").joinpath(SCHEMA_FILE).read_text())


def validation_errors(summary: dict[str, Any]) -> list[str]:
    """Every way ``summary`` breaks the schema (empty when valid), as readable strings."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(summary_schema())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in sorted(validator.iter_errors(summary), key=lambda e: list(e.absolute_path))
    ]
