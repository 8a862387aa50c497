"""A video's options, typed once (``streams.domain.options.VideoOptions``): defaults and the aspect
ratios come from the upload contract alone, and what was stored is what the API shows."""

from __future__ import annotations

import ast
import re

import pytest

from streams.domain import contracts
from streams.domain.brand import BrandKit
from streams.domain.options import ASPECTS, STATED, VideoOptions, defaults, frame_size
from streams.errors import ContractError, InvalidOptions
from streams.settings import project_root

CONTRACT = contracts.schema("upload_received")["properties"]["options"]["properties"]


def test_every_default_is_the_contract_s():
    assert set(defaults()) == set(CONTRACT)
    typed = VideoOptions.from_json({})
    for name in CONTRACT:
        value = getattr(typed, name)
        assert (list(value) if isinstance(value, tuple) else value) == CONTRACT[name]["default"], name
    assert set(STATED) <= set(CONTRACT)


def test_what_a_video_states_wins_and_is_kept_as_stored():
    stated = {"clip_count": 3, "aspect_ratios": ["1:1", "9:16"], "length": "15-30", "brand": {"font": "DejaVu Sans"}}
    typed = VideoOptions.from_json(stated)
    assert (typed.clip_count, typed.aspect_ratios, typed.length) == (3, ("1:1", "9:16"), "15-30")
    assert typed.brand == BrandKit(font="DejaVu Sans") and typed.trim == CONTRACT["trim"]["default"]
    assert typed.as_json() == stated
    with pytest.raises(AttributeError):
        typed.brand.font = "other"  # type: ignore[misc, union-attr]  # frozen


def test_options_read_back_from_jsonb_show_in_the_contracts_order():
    # PostgreSQL's jsonb orders keys shortest first: what GET /v1/videos read back, unlike the POST.
    from_jsonb = {"trim": "pauses", "emoji": True, "language": "de", "clip_count": 3, "aspect_ratios": ["1:1"]}
    shown = VideoOptions.from_json(from_jsonb).as_json()
    assert list(shown) == ["clip_count", "aspect_ratios", "language", "trim", "emoji"] and shown == from_jsonb


def test_a_brand_kit_read_back_from_jsonb_shows_in_its_fields_order():
    from_jsonb = {"brand": {"font": "Inter", "keywords": ["clips"], "position": "top", "text_colour": "#FFFFFF"}}
    shown = VideoOptions.from_json(from_jsonb).as_json()
    assert list(shown["brand"]) == ["font", "text_colour", "position", "keywords"] and shown == from_jsonb


def test_unusable_options_are_typed_errors():
    with pytest.raises(InvalidOptions):
        VideoOptions.from_json({"clip_count": "many"})
    with pytest.raises(ContractError, match="brand must be a JSON object"):
        VideoOptions.from_json({"brand": "red"})
    with pytest.raises(ContractError, match="options.brand text_colour must be a #RRGGBB colour"):
        VideoOptions.from_json({"brand": {"text_colour": "red"}})  # the kit is read with the rest


def test_the_aspect_ratios_are_the_contract_s_with_their_frames():
    assert list(ASPECTS) == CONTRACT["aspect_ratios"]["items"]["enum"]
    assert frame_size("9:16") == (1080, 1920) and frame_size("16:9") == (1920, 1080)
    assert frame_size("4:5") == (1080, 1350) and frame_size("1:1") == (1080, 1080)


def test_no_module_spells_a_default_or_the_aspect_list_again():
    """``clip_count``'s default and the aspect ratios' sizes are written nowhere but the contract
    (and the frame rule above): a second copy would drift."""
    spelled = []
    for path in [*(project_root() / "streams").rglob("*.py"), *(project_root() / "api").rglob("*.py")]:
        text = path.read_text()
        if re.search(r"""clip_count["']?\s*[:=,]\s*\d""", text) or re.search(r"""["']16:9["']\s*:\s*\(""", text):
            spelled.append(str(path.relative_to(project_root())))
        for node in ast.walk(ast.parse(text)):  # a list of aspect ratios: ("9:16", "1:1", ...)
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) > 1 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) and re.fullmatch(r"\d+:\d+", e.value)
                    for e in node.elts):
                spelled.append(f"{path.relative_to(project_root())}:{node.lineno}")
    assert spelled == []


def test_the_logo_a_brand_kit_names_is_read_from_the_typed_options():
    asset = "bra_0123456789abcdef01234567"
    branded = VideoOptions.from_json({"brand": {"highlight_colour": "#FF3366", "logo_asset_id": asset}})
    assert branded.logo_asset_id == asset
    assert VideoOptions.from_json({"brand": {"highlight_colour": "#FF3366"}}).logo_asset_id is None
    assert VideoOptions.from_json({}).logo_asset_id is None


def test_options_are_read_through_their_typed_fields_never_by_key_with_a_default():
    """Issue 55: no ``options.get(key, default)``: a stage reads ``VideoOptions``' fields, so each
    default lives in the contract alone."""
    found = []
    for path in [*(project_root() / "streams").rglob("*.py"), *(project_root() / "api").rglob("*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"options\.get\([^)]*,", line):
                found.append(f"{path.relative_to(project_root())}:{number}")
    assert found == []
