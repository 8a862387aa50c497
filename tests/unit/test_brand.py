"""The brand kit: validation, how it changes a caption preset, and how options carry it."""

from pathlib import Path

import pytest

from streams.domain.brand import BrandKit
from streams.domain.options import VideoOptions
from streams.errors import ContractError, RenderError
from streams.media.brand import brand_json, styled
from streams.media.captions import CAPTION_STYLES
from streams.media.ass import to_ass
from streams.domain.words import Word
from streams.media.render import RenderSpec


def style_fields(script: str) -> list[str]:
    return next(line for line in script.splitlines() if line.startswith("Style: ")).split(",")


def test_a_kit_overrides_only_what_it_sets():
    bold = CAPTION_STYLES["bold"]
    assert styled(bold, BrandKit()) == bold and styled(bold, None) == bold
    kit = BrandKit(font="DejaVu Serif", text_colour="#101010", highlight_colour="#FF3366", outline_colour="#FFFFFF",
                   emphasis_colour="#00E0FF", position="top", outline_width=3, uppercase=True, keywords=("free",))
    drawn = styled(bold, kit)
    assert (drawn.font, drawn.primary, drawn.highlight, drawn.outline_colour, drawn.emphasis) == (
        "DejaVu Serif", "#101010", "#FF3366", "#FFFFFF", "#00E0FF")
    assert (drawn.position, drawn.outline, drawn.uppercase, drawn.keywords) == ("top", 3, True, ("free",))
    assert (drawn.name, drawn.font_size, drawn.bold) == ("bold", bold.font_size, bold.bold)
    # A kit can turn the karaoke preset's upper case off.
    assert styled(CAPTION_STYLES["karaoke"], BrandKit(uppercase=False)).uppercase is False


def test_the_kit_reaches_the_burned_captions():
    spec = RenderSpec(Path("s.mp4"), 0, 2, caption_style="clean",
                      brand=BrandKit(text_colour="#112233", highlight_colour="#445566", uppercase=True,
                                     outline_width=4, position="middle"))
    script = to_ass([Word("Hello", 0, 0.5), Word("you", 0.5, 1)], 1080, 1920, spec.style)
    fields = style_fields(script)
    assert fields[3:5] == ["&H00332211", "&H00665544"] and fields[16] == "4" and fields[18] == "5"
    assert "HELLO" in script and "Hello" not in script


@pytest.mark.parametrize("kwargs, message", [
    ({"text_colour": "red"}, "brand text_colour must be a #RRGGBB colour, got 'red'"),
    ({"background_colour": "#12345"}, "brand background_colour must be a #RRGGBB colour, got '#12345'"),
    ({"highlight_colour": "#12345G"}, "brand highlight_colour must be a #RRGGBB"),
    ({"font": "Evil,Font"}, "brand font must be a font family name"),
    ({"position": "left"}, "brand position must be one of bottom, middle, top"),
    ({"outline_width": 25}, "brand outline_width must be between 0 and 20"),
    ({"outline_width": float("nan")}, "brand outline_width must be between 0 and 20"),
    ({"uppercase": "yes"}, "brand uppercase must be true or false"),
    ({"audiogram_bars": "off"}, "brand .*audiogram_bars.* must each be true or false"),
    ({"audiogram_cover": 0}, "brand .*audiogram_cover must each be true or false"),
    ({"keywords": ("",)}, "brand keywords must be at most 50 words"),
    ({"keywords": tuple(f"w{i}" for i in range(51))}, "brand keywords must be at most 50 words"),
    ({"logo_corner": "centre"}, "brand logo_corner must be one of top-left"),
    ({"logo_width": 0.9}, "brand logo_width must be between 0.03 and 0.5"),
    ({"logo_opacity": -0.1}, "brand logo_opacity must be between 0 and 1"),
])
def test_bad_kits_are_refused_with_the_field_named(kwargs, message):
    with pytest.raises(ContractError, match=message):
        BrandKit(**kwargs)


def test_from_json():
    given = {"highlight_colour": "#FF3366", "keywords": ["free", "today"],
             "logo_asset_id": "bra_0123456789abcdef01234567", "logo_corner": "bottom-left"}
    kit = BrandKit.from_json(given)
    assert kit == BrandKit(highlight_colour="#FF3366", keywords=("free", "today"),
                           logo_asset_id="bra_0123456789abcdef01234567", logo_corner="bottom-left")
    assert BrandKit.from_json({}) == BrandKit()
    # The typed options carry the kit itself, and keep what was submitted as it was.
    options = VideoOptions.from_json({"brand": given})
    assert options.brand == kit and options.logo_asset_id == "bra_0123456789abcdef01234567"
    assert options.as_json() == {"brand": given}


def test_the_handoff_names_the_logo_by_its_file():
    kit = BrandKit(keywords=("free", "today"), logo_asset_id="bra_0123456789abcdef01234567", trim="pauses")
    recorded = brand_json(kit, Path("/scratch/v/brand_logo.png"))
    # The fields in the kit's order, the asset's id replaced by the file drawn (the hand-off's
    # reader never sees an id of the catalog).
    assert list(recorded) == ["font", "text_colour", "highlight_colour", "outline_colour", "emphasis_colour",
                              "background_colour", "audiogram_bars", "audiogram_cover", "position", "outline_width",
                              "uppercase", "keywords", "logo", "logo_corner", "logo_width", "logo_opacity",
                              "speaker_colours", "trim", "hook_title", "emphasis", "emoji"]
    assert recorded["logo"] == "brand_logo.png" and recorded["keywords"] == ["free", "today"]
    assert recorded["speaker_colours"] == [] and recorded["trim"] == "pauses"
    assert brand_json(BrandKit(), None)["logo"] is None


@pytest.mark.parametrize("options, message", [
    ("bold", "options.brand must be a JSON object"),
    ({"colour": "#FFFFFF"}, "options.brand has unknown fields: colour"),
    ({"logo": "/etc/passwd"}, "options.brand has unknown fields: logo;"),  # never a local path
    # never a storage URI (issue 47: another tenant's thumbnail was drawn on a clip through one)
    ({"logo_uri": "file:///data/tenants/a/videos/v/clips/c.jpg"}, "unknown fields: logo_uri;.*POST /v1/brand/assets"),
    ({"logo_asset_id": "../../tenants/a/brand/x"}, "logo_asset_id must be a brand asset id"),
    ({"keywords": "free"}, "options.brand.keywords must be a list"),
    ({"text_colour": "white"}, "options.brand text_colour must be a #RRGGBB colour"),
])
def test_bad_options_are_contract_errors(options, message):
    with pytest.raises(ContractError, match=message):
        BrandKit.from_json(options)


def test_render_spec_only_takes_a_kit():
    with pytest.raises(RenderError, match="brand must be a BrandKit, got dict"):
        RenderSpec(Path("s.mp4"), 0, 2, brand={"text_colour": "#FFFFFF"})


def test_a_logo_comes_with_the_kit_that_places_it():
    with pytest.raises(RenderError, match="a logo is drawn as a brand kit says"):
        RenderSpec(Path("s.mp4"), 0, 2, logo=Path("logo.png"))
