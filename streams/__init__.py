"""clipstream: long videos in, ranked, reframed, captioned clips out."""

__version__ = "0.1.0"
