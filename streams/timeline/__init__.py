"""Editor timelines: a video's clips as an OpenTimelineIO timeline an editor opens (Premiere Pro
and DaVinci Resolve through FCP7 XML, any editor through an EDL, Kdenlive and Shotcut through MLT
XML, and .otio), with the source it cuts from packaged beside it.

``cuts`` says what goes on a timeline, ``build`` makes the OTIO timeline, ``formats`` writes it
through the OTIO adapters, ``bundle`` zips it with the source, captions and hand-off files.
"""
