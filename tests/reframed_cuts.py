"""A source and a 9:16 crop path shared by the tests of the editor formats that carry the reframe
as a keyframed transform (FCPXML, Kdenlive): a 1920x1080 source at 29.97 fps and a crop that
pans right, jumps left at a shot change 2 s in, then pans back."""

from __future__ import annotations

from streams.timeline.cuts import Source

SOURCE = Source("talk.mp4", "media/talk.mp4", 600.0, 29.97, 1920, 1080)
PANEL = [{"t": 0.0, "x": 656, "y": 0, "w": 608, "h": 1080}, {"t": 1.5, "x": 700, "y": 0, "w": 608, "h": 1080},
         {"t": 2.0, "x": 760, "y": 0, "w": 608, "h": 1080}, {"t": 2.0, "x": 100, "y": 0, "w": 608, "h": 1080},
         {"t": 5.0, "x": 160, "y": 0, "w": 608, "h": 1080}]
SINGLE = {"layout": "single", "output": {"width": 1080, "height": 1920}, "crop": {"panels": [PANEL]}}
