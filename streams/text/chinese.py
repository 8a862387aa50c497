"""Chinese written one way: simplified or traditional characters.

Whisper writes Mandarin in simplified characters, traditional ones, or a mix of both within one
sentence (base, on FLEURS and AISHELL read speech: "廣州市佛地产中间协会分析"), whatever the prompt.
Captions and search need one script: the recognizer converts what it decodes to the script asked
for (``WhisperOptions.chinese_script``), and search looks for a word in both scripts, so "项目"
finds "項目". The character tables are OpenCC's, from the ``opencc-python-reimplemented`` package.
"""

from __future__ import annotations

from functools import cache

SIMPLIFIED, TRADITIONAL, AS_DECODED = "simplified", "traditional", "as_decoded"
SCRIPTS = (SIMPLIFIED, TRADITIONAL, AS_DECODED)
_CONVERSIONS = {SIMPLIFIED: "t2s", TRADITIONAL: "s2t"}


def parse_script(script: str) -> str:
    """``script`` when it is one of ``SCRIPTS``; ``ValueError`` naming them otherwise."""
    if script not in SCRIPTS:
        raise ValueError(f"chinese_script must be one of {', '.join(SCRIPTS)}, not {script!r}")
    return script


@cache
def _converter(conversion: str):
    from opencc import OpenCC

    return OpenCC(conversion)


def convert(text: str, script: str) -> str:
    """``text`` with its Chinese characters written in ``script`` (``as_decoded``: unchanged);
    characters of other scripts are left as they are."""
    if parse_script(script) == AS_DECODED or not text:
        return text
    return _converter(_CONVERSIONS[script]).convert(text)


def variants(term: str) -> list[str]:
    """``term`` as written, and in simplified and in traditional characters where those differ:
    the spellings a search for ``term`` should find."""
    spellings = [term]
    for script in (SIMPLIFIED, TRADITIONAL):
        other = convert(term, script)
        if other not in spellings:
            spellings.append(other)
    return spellings
