"""A brand kit through the pipeline: its logo, a brand asset the tenant uploaded, named in the
video's options by its id, is fetched by the render stage and drawn in the corner the kit names."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from tests.security.assets import png_bytes

pytestmark = pytest.mark.integration

def _green(rgb: np.ndarray) -> int:
    """How many pixels of ``rgb`` are the logo's pure green (after the encoder's rounding): a colour
    nothing else in a clip of an audio upload has."""
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    return int(((g > 200) & (r < 80) & (b < 80)).sum())


def test_the_logo_a_brand_kit_names_is_drawn_in_its_corner_of_the_clip(pipeline, media_dir):
    asset = pipeline.client.call("POST", "/v1/brand/assets",
                                  files={"file": ("logo.png", png_bytes((120, 60), "#00FF00"), "image/png")})
    options = {"clip_count": 1, "min_seconds": 5, "max_seconds": 15,
               "brand": {"logo_asset_id": asset["asset_id"], "logo_corner": "top-left", "logo_width": 0.2}}
    video = pipeline.process(media_dir / "speech" / "jfk.wav", options=json.dumps(options))
    assert video["status"] == "completed", video.get("error")
    assert video["options"]["brand"]["logo_asset_id"] == asset["asset_id"]  # kept as stated
    [clip] = pipeline.client.clips(video["video_id"])["clips"]
    with av.open(str(pipeline.clip_file(clip, "mp4"))) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    height, width, _ = frame.shape
    top_left, top_right = frame[: height // 4, : width // 2], frame[: height // 4, width // 2 :]
    bottom = frame[height // 2 :]
    # 20 % of 1080 wide and half as high: about 216 x 108 pixels of green, all in the top left
    assert _green(top_left) > 0.6 * (0.2 * width) ** 2 / 2, _green(top_left)
    assert _green(top_right) == 0 and _green(bottom) == 0
