"""How a clip is edited beyond the cut: trimming inside it, the hook title, emphasised words and
their emoji (pure).

Each choice is taken from the first place that makes it: a re-render's request, the video's
options, its brand kit, and last the defaults here (trim ``pauses+fillers``, the hook title and
emphasis on, emoji off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from streams.domain.brand import EDITING_CHOICES as CHOICES
from streams.media.trim import DEFAULT_MODE, MODES


@dataclass(frozen=True)
class Editing:
    """Attributes:
    trim: ``off``, ``pauses`` or ``pauses+fillers`` (``media.trim``).
    hook_title: draw the clip's title over its first seconds (``media.hook``).
    emphasis: draw the words that carry the clip larger, in the emphasis colour (``media.emphasis``).
    emoji: draw a symbol after an emphasised word that names one (only with ``emphasis``).
    """

    trim: str = DEFAULT_MODE
    hook_title: bool = True
    emphasis: bool = True
    emoji: bool = False

    def __post_init__(self) -> None:
        if self.trim not in MODES:
            raise ValueError(f"trim must be one of {', '.join(MODES)}, got {self.trim!r}")
        for name in ("hook_title", "emphasis", "emoji"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @classmethod
    def of(cls, *layers: Mapping[str, Any] | None) -> Editing:
        """The choices of the first layer (a mapping, or None to skip) that makes each one."""
        chosen: dict[str, Any] = {}
        for name in CHOICES:
            value = next((layer[name] for layer in layers if layer and layer.get(name) is not None), None)
            if value is not None:
                chosen[name] = value
        return cls(**chosen)
