"""What a re-render was asked for, spelt in its clip's variant and read back (``streams.domain.clip.Look``)."""

from __future__ import annotations

from types import MappingProxyType

from streams.domain.clip import Look, look_of


def test_a_variant_reads_back_as_the_look_that_spelt_it():
    looks = [
        Look(),
        Look(trim="off"),
        Look(span=(12.3, 40.12)),
        Look((1.0, 20.5), "pauses", MappingProxyType({"hook_title": False, "emoji": True})),
        Look(switches=MappingProxyType({"emphasis": True})),
    ]
    for look in looks:
        assert look_of(look.variant("bold")) == look, look.variant("bold")
    assert Look((1.0, 20.5), "off", MappingProxyType({"hook_title": False})).variant("clean") == (
        "clean:1.000-20.500:trim=off:hook_title=off"
    )


def test_the_pipeline_s_clip_and_the_corrected_words_are_no_choice():
    assert look_of("") == Look() and look_of("bold") == Look()
    assert look_of("bold:trim=off:words=0123456789ab") == Look(trim="off")
    assert look_of("bold:words=0123456789ab") == Look()
