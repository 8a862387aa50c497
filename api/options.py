"""A video's processing options, read once and completely when it is submitted.

Every way of submitting (a multipart upload, a source URL, a presigned upload) hands its options
to :func:`parse_options` before anything is stored: unknown fields, values out of range, ranges in
the wrong order, a brand kit's fields, a font that is not installed and text the database cannot
keep are a 422 ``invalid_options`` there, never a failure after ingest and transcription. What
is accepted is read by the agents with the same functions (``streams.moments.options``,
``streams.domain.brand``, ``streams.asr.languages``), so it cannot fail there for a reason seen
here. A brand asset the options name is checked by the caller (it needs the tenant's catalog).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from api.inputs import bad_value
from streams.asr.languages import AUTO, parse_language
from streams.domain import contracts
from streams.domain.brand import LOGO_FIELD, BrandKit
from streams.domain.options import STATED, VideoOptions, defaults
from streams.errors import ClipstreamError, InvalidOptions
from streams.moments.options import clip_length

# What a submission that states nothing is stored with.
DEFAULT_OPTIONS: dict[str, Any] = {name: defaults()[name] for name in STATED}


# Every option that names a stored object, and the kind of id it takes: each must be the caller's
# (the API answers 404 otherwise, as for an id in a path). tests/security reads this list.
STORED_OBJECT_OPTIONS: dict[tuple[str, ...], str] = {("brand", LOGO_FIELD): "asset_id"}


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(contracts.schema("upload_received")["properties"]["options"])


def parse_options(given: object, *, font_installed: Callable[[str], bool]) -> VideoOptions:
    """``given`` with the defaults filled in and the language code normalised, typed, or
    InvalidOptions naming the first problem. ``font_installed`` says whether a brand kit's font may
    be used."""
    if not isinstance(given, dict):
        raise InvalidOptions("options must be a JSON object")
    if bad_value(given):
        raise InvalidOptions("options may not hold NUL characters or lone UTF-16 surrogates")
    options = {**DEFAULT_OPTIONS, **_kit_choices(given.get("brand")), **given}
    if isinstance(options.get("language"), str):  # "DE" is "de"; an unknown code says which are known
        try:
            options["language"] = parse_language(options["language"]) or AUTO
        except ClipstreamError as exc:
            raise InvalidOptions(exc.message) from None
    problem = next(iter(sorted(_validator().iter_errors(options), key=lambda e: list(e.absolute_path))), None)
    if problem is not None:
        where = ".".join(str(p) for p in problem.absolute_path)
        raise InvalidOptions(f"invalid options: {where + ': ' if where else ''}{problem.message}"[:500])
    try:
        typed = VideoOptions.from_json(options)  # the brand kit's fields too
    except ClipstreamError as exc:
        raise InvalidOptions(exc.message) from None
    clip_length(typed)  # min_seconds after max_seconds, say (max_overlap's range is the schema's)
    kit = typed.brand
    if kit is not None and kit.font is not None and not font_installed(kit.font):
        raise InvalidOptions(f"options.brand.font {kit.font!r} is not installed on this server")
    return typed


def _kit_choices(brand: object) -> dict[str, Any]:
    """The editing choices a brand kit makes (``streams.media.editing``), which stand where the
    options themselves make none; nothing for a kit that is not valid (refused below)."""
    try:
        return BrandKit.from_json(brand).editing_choices() if isinstance(brand, dict) else {}
    except ClipstreamError:
        return {}
