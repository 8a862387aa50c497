"""A property-based fuzz of the option parser (hypothesis): whatever a client sends as options,
``api.options.parse_options`` accepts it or refuses it with ``InvalidOptions`` (a 422), never
anything else (a 500); and everything it accepts is read without a failure by every piece of
the pipeline that reads options (so no video fails later for a reason the parser could see).
The same property is then checked through the running API, multipart and JSON."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.options import DEFAULT_OPTIONS, parse_options
from streams.asr.languages import parse_language
from streams.domain import contracts
from streams.domain.events import UploadReceived
from streams.domain.options import VideoOptions
from streams.errors import InvalidOptions
from streams.domain.brand import BrandKit
from streams.media.captions import CAPTION_STYLES
from streams.media.render_spec import ASPECTS
from streams.moments.options import clip_length

FONTS = {"dejavu sans", "noto sans"}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 1000), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["9:16", "1:1", "4:5", "16:9", "bold", "karaoke", "auto", "de", "15-30",
                                           "#FF3366", "DejaVu Sans", "Noto Sans", "bra_0123456789abcdef01234567",
                                           "top-left", "middle", "", "\x00", "\ud800", "Evil,{}\\"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=8)
OPTION_NAMES = [*contracts.schema("upload_received")["properties"]["options"]["properties"], "logo_uri", "clips"]
BRAND_NAMES = ["font", "text_colour", "highlight_colour", "outline_colour", "emphasis_colour", "position",
               "outline_width", "uppercase", "keywords", "logo_asset_id", "logo_corner", "logo_width",
               "logo_opacity", "logo_uri", "colour"]
brands = st.dictionaries(st.sampled_from(BRAND_NAMES), values, max_size=5)
options = st.one_of(
    values,
    st.dictionaries(st.sampled_from(OPTION_NAMES), values | brands, max_size=6),
    st.fixed_dictionaries({}, optional={"brand": brands, "min_seconds": values, "max_seconds": values,
                                        "length": values, "aspect_ratios": values, "clip_count": values}),
)


def _read_as_the_pipeline_reads(accepted: dict) -> None:
    """What the agents do with options; raises if any of them would fail."""
    clip_length(VideoOptions.from_json(accepted))  # max_overlap in range, among the rest
    parse_language(accepted.get("language"))
    assert accepted["caption_style"] in CAPTION_STYLES
    assert all(a in ASPECTS for a in accepted["aspect_ratios"]) and accepted["aspect_ratios"]
    assert 1 <= int(accepted["clip_count"]) <= 50
    if accepted.get("brand") is not None:
        BrandKit.from_json(accepted["brand"])
    UploadReceived(tenant_id="t", video_id="v", source_uri="file:///s/v.mp4", filename="v.mp4", size_bytes=1,
                   options=accepted).payload()  # the event's contract holds
    json.dumps(accepted).encode("utf-8")  # and PostgreSQL's jsonb can keep it


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(options)
def test_any_options_are_accepted_whole_or_refused_with_invalid_options(given_options):
    try:
        accepted = parse_options(given_options, font_installed=lambda f: f.casefold() in FONTS).as_json()
    except InvalidOptions as exc:
        assert exc.code == "invalid_options" and exc.message
        return
    _read_as_the_pipeline_reads(accepted)


@pytest.mark.parametrize("options, problem", [
    ({"min_seconds": 50, "max_seconds": 20}, "min_seconds <= max_seconds"),
    ({"brand": {"colour": "#FFF"}}, "unknown fields: colour"),
    ({"brand": {"font": "Evil,{}\\"}}, "font must be a font family name"),
    ({"brand": {"font": "Comic Sans"}}, "is not installed"),
    ({"brand": {"logo_uri": "file:///srv/x.png"}}, "unknown fields: logo_uri"),
    ({"brand": {"logo_asset_id": "../x"}}, "brand asset id"),
    ({"brand": {"font": "x\ud800"}}, "lone UTF-16 surrogates"),
    ({"caption_style": "bold\x00"}, "NUL"),
    ({"clip_count": 0}, "clip_count"),
    ({"aspect_ratios": []}, "aspect_ratios"),
    ("bold", "a JSON object"),
])
def test_what_the_probe_found_accepted_is_refused_now(options, problem):
    """Issue 47's finding 5, each case: accepted with 202 before, failing after ingest."""
    with pytest.raises(InvalidOptions, match=problem.replace("\\", "\\\\").replace("(", r"\(")):
        parse_options(options, font_installed=lambda f: f.casefold() in FONTS)


@pytest.mark.parametrize("overlap", [-0.1, 0.6, 1.0])
def test_an_overlap_outside_the_contracts_range_is_refused(overlap):
    """The schema bounds max_overlap (0 to 0.5), so what the API accepts the moments read."""
    with pytest.raises(InvalidOptions, match="max_overlap"):
        parse_options({"max_overlap": overlap}, font_installed=lambda f: False)


def test_defaults_fill_what_is_not_given():
    assert parse_options({}, font_installed=lambda f: False).as_json() == DEFAULT_OPTIONS
    assert parse_options({"language": "DE"}, font_installed=lambda f: False).language == "de"


@pytest.mark.integration
def test_through_the_api_every_option_set_is_a_202_or_a_422_never_a_500(pipeline):
    from tests.security.conftest import fresh_key

    seen: dict[int, int] = {}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60,
                      headers={"Authorization": f"Bearer {fresh_key(pipeline)}"}) as http:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        @given(options)
        def check(sent):
            text = json.dumps(sent)
            answer = http.post("/v1/videos", files={"file": ("x.txt", b"not media")}, data={"options": text})
            seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
            assert answer.status_code in (202, 404, 422), answer.text
            if answer.status_code == 202:  # not media: it fails at ingest, as it should, and is gone
                http.delete(f"/v1/videos/{answer.json()['video_id']}")
            else:
                assert answer.json()["error"]["code"] in ("invalid_options", "invalid_input", "brand_asset_not_found")

        check()
    assert seen.get(422, 0) > 0 and seen.get(202, 0) > 0, seen
