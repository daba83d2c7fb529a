"""Two hot spots of Rasa 3.6 itself, found with py-spy under load
(docs/benchmarks.md has the profile and the figures before and after).

1. Every action-server response is checked with `jsonschema.validate`,
   which first validates the (constant) response schema against the JSON
   Schema metaschema, on every call. The check is kept once per schema.
2. Every stored event is turned back into an object through
   `Event.resolve_by_type`, which walks the whole Event class tree per
   event. The list of Event subclasses is computed once per class.

Both keep Rasa's behaviour; they only stop repeating work whose answer
cannot change while the server runs. Imported by the tracker store module,
which every Rasa server of this project loads.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, Tuple

import jsonschema
import rasa.shared.utils.common

_checked_schemas: Dict[Tuple[str, type], Any] = {}


def _validate_with_checked_schema(instance: Any, schema: Dict[str, Any], cls: Any = None, *args: Any,
                                  **kwargs: Any) -> None:
    if cls is None:
        cls = jsonschema.validators.validator_for(schema)
    key = (json.dumps(schema, sort_keys=True), cls)
    validator = _checked_schemas.get(key)
    if validator is None:
        cls.check_schema(schema)  # raises for a broken schema, as before
        validator = cls(schema, *args, **kwargs)
        _checked_schemas[key] = validator
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_original_all_subclasses = rasa.shared.utils.common.all_subclasses


@functools.lru_cache(maxsize=None)
def _all_subclasses_once(cls: Any) -> Tuple[Any, ...]:
    return tuple(_original_all_subclasses(cls))


def _all_subclasses(cls: Any) -> list:
    return list(_all_subclasses_once(cls))


def install() -> None:
    jsonschema.validate = _validate_with_checked_schema
    rasa.shared.utils.common.all_subclasses = _all_subclasses


install()
