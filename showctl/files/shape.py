"""Shape validation: pydantic's errors turned into lines an AV technician can act on.

Each error points at the YAML node it is about: an unknown key at the key itself
(with "did you mean"), a missing key at the mapping that lacks it, a bad value at
the value.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from showctl.files.errors import FileError
from showctl.files.yamlsrc import Document, Loc

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "list_type": "a list",
    "tuple_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "ip_v4_network": "a network such as 127.0.0.0/8",
    "ip_v6_network": "a network such as ::1/128",
    "ip_any_network": "a network such as 127.0.0.0/8",
}

_BOUNDS = {
    "greater_than_equal": "at least",
    "greater_than": "more than",
    "less_than_equal": "at most",
    "less_than": "less than",
}
_FIELD_EXPECTED = {"screens": "`all`, a group, a screen number or a list of them"}
_ITEM_EXPECTED = {"screens": "a screen number, a screen id or a group"}


def validate(model: type[M], doc: Document) -> tuple[M | None, list[FileError]]:
    """The model built from `doc`, or None with every shape error found."""
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {_kind(doc.data)}"
        return None, [doc.error((), f"the file is {what}: expected keys such as "
                                     f"{', '.join(_example_keys(model))}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, _errors(model, doc, exc.errors())


def _errors(model: type[BaseModel], doc: Document, raw: list[Any]) -> list[FileError]:
    raw = [e for e in raw if not _follows_from_others(e, raw)]
    located = [(err, *_data_loc(err["loc"], doc)) for err in raw]
    inner = {loc[:n] for _, loc, _ in located for n in range(len(loc))}
    found: dict[object, tuple[str, FileError]] = {}
    for err, loc, key in located:
        if err["type"] in _EXPECTED and isinstance(err.get("input"), list) and loc in inner:
            continue  # a union's "not a list" when the list's own items are the problem
        if err["type"] == "extra_forbidden":
            message, key = _unknown_key(model, loc), True
        elif err["type"] == "missing":
            message = f"missing `{err['loc'][-1]}`"
        elif key:
            message = f"key {_show(loc[-1])}: {_message(err).rpartition(', got ')[0]}"
        elif err["type"] in _EXPECTED and loc and loc[-1] in _FIELD_EXPECTED:
            message = f"expected {_FIELD_EXPECTED[loc[-1]]}, got {_show(err.get('input'))}"
        elif (err["type"] in _EXPECTED and len(loc) > 1 and isinstance(loc[-1], int)
              and loc[-2] in _ITEM_EXPECTED):
            message = f"expected {_ITEM_EXPECTED[loc[-2]]}, got {_show(err.get('input'))}"
        else:
            message = _message(err)
        error = doc.error(loc, _prefix(loc, message, key, err), key=key)
        place: object = (error.line, error.column)
        if err["type"] in ("missing", "extra_forbidden"):
            place = (place, message)  # several at one mapping (1:1 of a file): each counts
        if place in found and err["type"] in _EXPECTED and message != found[place][0]:
            # A value failing a union (e.g. `screens`) fails each member: one line for all.
            earlier, first = found[place]
            message = _merge_expected(earlier, err)
            error = FileError(first.path, first.line, first.column, _prefix(loc, message, key, err))
        elif place in found:
            continue
        found[place] = (message, error)
    return [error for _, error in found.values()]


def _follows_from_others(err: dict[str, Any], raw: list[Any]) -> bool:
    """pydantic adds "too short" to a list whose items all failed: noise."""
    loc = err["loc"]
    return err["type"] == "too_short" and any(
        other["loc"][: len(loc)] == loc and len(other["loc"]) > len(loc) for other in raw
    )


def _merge_expected(earlier: str, err: dict[str, Any]) -> str:
    expected = earlier.removeprefix("expected ").rpartition(", got ")[0]
    options = [*expected.replace(" or ", ", ").split(", "), _EXPECTED[err["type"]]]
    unique = list(dict.fromkeys(options))
    return f"expected {', '.join(unique[:-1])} or {unique[-1]}, got {_show(err.get('input'))}"


def _data_loc(loc: tuple[Any, ...], doc: Document) -> tuple[Loc, bool]:
    """The part of pydantic's `loc` that exists in the file, and whether it names a key.

    Union member names and a missing key's name are not in the file and drop out.
    """
    path: Loc = ()
    for part in loc:
        if part == "[key]":
            return path, True
        if (*path, part) in doc.values:
            path = (*path, part)
    return path, False


def _unknown_key(model: type[BaseModel], loc: Loc) -> str:
    name = str(loc[-1])
    known = _known_keys(model, loc[:-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f": did you mean `{close[0]}`?" if close else ""
    if not hint and known:
        hint = f" (expected one of: {', '.join(sorted(known))})"
    return f"unknown key `{name}`{hint}"


def _known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at `loc`, by alias (`from`, not `from_`)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items() if name != "source"]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _message(err: dict[str, Any]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind == "bool_type" and isinstance(value, str) and value.lower() in ("true", "false"):
        return (f'expected true or false, got the text "{value}" (in quotes): '
                f"write {value.lower()} without quotes")
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_show(value)}"
    if kind == "literal_error":
        return f"{_show(value)} is not one of: {err['ctx']['expected']}"
    if kind == "string_pattern_mismatch":
        if err["ctx"]["pattern"] == "^/":
            return f"{_show(value)} must start with /"
        return f"{_show(value)} may hold only letters, digits, '.', '_' and '-'"
    if kind in _BOUNDS:
        (bound,) = err["ctx"].values()
        shown = f"{bound:g}" if isinstance(bound, float) else bound  # 12, not 12.0
        return f"must be {_BOUNDS[kind]} {shown}, got {_show(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return "must not be empty" if isinstance(value, str) else "needs at least one entry"
    msg = err["msg"]
    return f"{msg[0].lower()}{msg[1:]}, got {_show(value)}"


def _prefix(loc: Loc, message: str, key: bool, err: dict[str, Any]) -> str:
    """Names the key the message is about (`times` for a bad item of `times`).

    Not for a whole mapping (a cue) in a list: its message names it already.
    """
    if key or not loc or (isinstance(loc[-1], int) and isinstance(err.get("input"), dict)):
        return message
    names = [part for part in loc if isinstance(part, str)]
    return f"{names[-1]}: {message}" if names else message


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML writes them, not Python's True
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "single value"


def _example_keys(model: type[BaseModel]) -> list[str]:
    """The keys a file of this kind must have, or else the ones it may have."""
    keys = {n: f.alias or n for n, f in model.model_fields.items() if n != "source"}
    required = [keys[n] for n, f in model.model_fields.items() if f.is_required()]
    return required or list(keys.values())
