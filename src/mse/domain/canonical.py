"""Canonical JSON: the exact bytes that are signed when a JSON document is signed (e.g. the protocol of МСЭ).

The protocol of МСЭ is signed by the head of the bureau and by every specialist (приказ 389н прил.2 п.2, п.18:
УКЭП of the head and of each specialist). Signatures are detached CMS (CAdES-BES) over ``canonical_json(document)``,
never over the file as stored, so the stored file may be re-indented or re-ordered without breaking them.

The canonical form (a verifier in another language must reproduce it byte for byte):

* UTF-8, no BOM, no insignificant whitespace, no trailing newline; separators ``,`` and ``:``;
* object members sorted by key, keys compared by Unicode code point (Python's ``str`` order);
* strings as they are (no Unicode normalisation); non-ASCII characters literally (``ensure_ascii=False``);
  only ``"``, ``\\`` and control characters U+0000–U+001F are escaped, as Python's ``json`` does it
  (``\\n``, ``\\t``… and ``\\u00XX`` for the rest);
* ``true``, ``false``, ``null``; integers in decimal; finite floats in Python's shortest round-trip ``repr``
  (``82.5``, ``1.0``, ``1e+16``): an integral float stays a float (``1.0`` is not ``1``);
* accepted values: ``None``, ``bool``, ``int``, finite ``float``, ``str``, ``list``/``tuple``, ``dict`` with ``str``
  keys. Anything else, NaN or ±infinity, non-``str`` keys, lone surrogates in strings and reference cycles raise
  ``ValueError`` — a document that cannot be written unambiguously must not be signed.

The form is a fixed point: ``canonical_json(json.loads(canonical_json(x))) == canonical_json(x)``.
"""

from __future__ import annotations

import json
import math

__all__ = ["canonical_json"]


def _check(value: object, path: str, open_containers: set[int]) -> None:
    """Raise ValueError naming the first value (by JSON path) that has no canonical form."""
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str):
            _check_text(value, path)
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: {value!r} has no JSON form (NaN and infinities are not allowed)")
        return
    if isinstance(value, list | tuple | dict):
        marker = id(value)
        if marker in open_containers:
            raise ValueError(f"{path}: reference cycle")
        open_containers.add(marker)
        try:
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise ValueError(f"{path}: object key {key!r} is not a string")
                    _check_text(key, f"{path} (key)")
                    _check(item, f"{path}.{key}", open_containers)
            else:
                for index, item in enumerate(value):
                    _check(item, f"{path}[{index}]", open_containers)
        finally:
            open_containers.discard(marker)
        return
    raise ValueError(f"{path}: {type(value).__name__} is not a JSON value")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{path}: string is not valid Unicode (lone surrogate at {exc.start})") from None


def canonical_json(obj: object) -> bytes:
    """The canonical UTF-8 JSON bytes of ``obj`` (see the module docstring); these bytes are what gets signed."""
    try:
        _check(obj, "$", set())
    except RecursionError:
        raise ValueError("$: nesting too deep for a signed document") from None
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")
