"""The frames between the worker and its media sandbox child, and what a child's end means: the
parent believes nothing the child says without checking it."""

from __future__ import annotations

import json
import signal
from dataclasses import asdict, replace

import numpy as np
import pytest

from streams.errors import (
    EmptyMedia,
    MediaLimitExceeded,
    MediaTimeout,
    MediaUnreadable,
    NotMedia,
    TruncatedMedia,
)
from streams.media.sandbox import protocol as wire
from streams.media.probe import MediaInfo
from streams.media.reframe.observations import Loudness
from streams.media.source import SourceInfo

INFO = MediaInfo(duration=11.16, format_name="mov,mp4,m4a,3gp,3g2,mj2", size_bytes=343_569, has_video=True,
                 width=320, height=400, fps=25.0, video_codec="h264", audio_codec="aac", sample_rate=44_100,
                 channels=2, stream_count=2)
AUDIO_ONLY = replace(INFO, has_video=False, width=None, height=None, fps=None, video_codec=None, format_name="wav")


def test_frames_split_wherever_the_bytes_break():
    stream = (wire.frame(wire.READY, b'{"network": "namespace"}') + wire.frame(wire.CHUNK, b"\x00" + b"\x01" * 8)
              + wire.frame(wire.DONE))
    reader = wire.FrameReader(max_chunk_bytes=100)
    got = [f for i in range(len(stream)) for f in reader.feed(stream[i:i + 1])]
    assert got == [(wire.READY, b'{"network": "namespace"}'), (wire.CHUNK, b"\x00" + b"\x01" * 8), (wire.DONE, b"")]
    assert reader.pending == 0
    assert wire.FrameReader(100).feed(stream) == got


def test_a_frame_cut_short_stays_pending():
    reader = wire.FrameReader(100)
    assert reader.feed(wire.frame(wire.INFO, b"{}")[:-1]) == []
    assert reader.pending == wire.HEADER.size + 1


@pytest.mark.parametrize("data, what", [
    (b"X\x00\x00\x00\x00", "unknown frame kind"),
    (wire.HEADER.pack(wire.CHUNK, 101), "over the limit"),
    (wire.HEADER.pack(wire.ERROR, wire.SMALL_FRAME + 1), "over the limit"),
])
def test_unknown_or_oversized_frames_are_refused_before_they_are_buffered(data, what):
    with pytest.raises(wire.ProtocolViolation, match=what):
        wire.FrameReader(max_chunk_bytes=100).feed(data)


@pytest.mark.parametrize("info", [INFO, AUDIO_ONLY])
def test_media_info_round_trips(info):
    assert wire.info_from_payload(wire.info_payload(info)) == info


def test_whole_numbers_are_accepted_as_seconds():
    fields = {**asdict(INFO), "duration": 12, "fps": 25}
    assert wire.info_from_payload(json.dumps(fields).encode()) == replace(INFO, duration=12.0, fps=25.0)


@pytest.mark.parametrize("change, what", [
    ({"duration": "11.16"}, "duration is str"),
    ({"width": True}, "width is bool"),
    ({"size_bytes": 1.5}, "size_bytes is float"),
    ({"audio_codec": None}, "audio_codec is NoneType"),
    ({"duration": float("nan")}, "duration is nan"),
    ({"duration": float("inf")}, "duration is inf"),
    ({"duration": -1.5}, "duration is -1.5"),
    ({"picture_end": -0.5}, "picture_end is -0.5"),
    ({"artwork": -1}, "artwork is -1"),
    ({"shell": "rm -rf /"}, "are not"),
])
def test_media_info_with_wrong_fields_is_refused(change, what):
    payload = json.dumps({**asdict(INFO), **change}).encode()
    with pytest.raises(wire.ProtocolViolation, match=what):
        wire.info_from_payload(payload)


def test_media_info_missing_a_field_is_refused():
    fields = asdict(INFO)
    del fields["sample_rate"]
    with pytest.raises(wire.ProtocolViolation, match="are not"):
        wire.info_from_payload(json.dumps(fields).encode())


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"text"'])
def test_payloads_that_are_not_json_objects_are_refused(payload):
    with pytest.raises(wire.ProtocolViolation):
        wire.info_from_payload(payload)


def test_chunks_are_placed_in_time_by_the_samples_before_them():
    pcm = np.linspace(-1, 1, 32_000, dtype=np.float32)
    chunk = wire.chunk_from_payload(wire.chunk_payload(pcm, is_last=True), index=3, start_sample=48_000,
                                    sample_rate=16_000)
    assert (chunk.index, chunk.start, chunk.end, chunk.is_last) == (3, 3.0, 5.0, True)
    assert chunk.pcm.dtype == np.float32 and np.array_equal(chunk.pcm, pcm)
    chunk.pcm[0] = 0.5  # a writable copy, not a view of the frame's bytes


@pytest.mark.parametrize("payload", [b"", b"\x02" + b"\0" * 4, b"\x00" + b"\0" * 5])
def test_chunk_payloads_that_are_not_a_flag_and_whole_samples_are_refused(payload):
    with pytest.raises(wire.ProtocolViolation):
        wire.chunk_from_payload(payload, 0, 0, 16_000)


@pytest.mark.parametrize("error", [EmptyMedia("a.mp4 is empty"), NotMedia("a.mp4 is not media"),
                                   TruncatedMedia("a.mp4 is cut off"), MediaLimitExceeded("a.mp4 is 9 GiB"),
                                   MediaUnreadable("a.mp4 needs more memory")])
def test_media_errors_cross_with_their_class_and_message(error):
    back = wire.error_from_payload(wire.error_payload(error), "a.mp4")
    assert type(back) is type(error) and back.message == error.message and back.code == error.code


@pytest.mark.parametrize("payload", [
    b'{"code": "unsafe_url", "message": "the worker should fetch http://169.254.169.254/"}',
    b'{"code": "media_timeout", "message": "claims a timeout it cannot know about"}',
    b'{"code": "not_media"}',
    b'{"code": "not_media", "message": ""}',
    b'{"code": "not_media", "message": 7}',
])
def test_a_child_cannot_claim_errors_outside_the_media_vocabulary(payload):
    error = wire.error_from_payload(payload, "talk.mp4")
    assert type(error) is MediaUnreadable
    assert error.message == "talk.mp4 could not be read: the media reader failed on it"


def test_an_overlong_message_is_cut():
    payload = json.dumps({"code": "not_media", "message": "x" * 100_000}).encode()
    assert len(wire.error_from_payload(payload, "a").message) == wire.MESSAGE_CHARS


def _exit(**kwargs):
    base = {"returncode": None, "timed_out": False, "wall_limit": 60.0, "cpu_seconds": 2.0, "cpu_limit": 60.0}
    return wire.failure_of_exit("talk.mp4", **{**base, **kwargs})


def test_a_child_stopped_for_time_is_a_timeout():
    error = _exit(returncode=-signal.SIGKILL, timed_out=True, wall_limit=60.0)
    assert type(error) is MediaTimeout and error.code == "media_timeout"
    assert error.message.startswith("talk.mp4 took longer than 60 s to read")


@pytest.mark.parametrize("returncode, cpu", [(-signal.SIGXCPU, 60.2), (-signal.SIGKILL, 61.0)])
def test_a_child_over_its_cpu_limit_says_so(returncode, cpu):
    error = _exit(returncode=returncode, cpu_seconds=cpu)
    assert type(error) is MediaUnreadable
    assert error.message.startswith("talk.mp4 needs more than 60 s of processor time to read")


def test_a_child_killed_below_its_cpu_limit_was_probably_out_of_memory():
    error = _exit(returncode=-signal.SIGKILL, cpu_seconds=3.0)
    assert type(error) is MediaUnreadable and "too much memory" in error.message


@pytest.mark.parametrize("signum", [signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGFPE])
def test_a_crashed_child_names_its_signal(signum):
    error = _exit(returncode=-signum)
    assert type(error) is MediaUnreadable
    assert error.message == f"talk.mp4 could not be read: the media reader crashed on it ({signum.name})"


def test_a_child_that_exits_without_an_answer():
    error = _exit(returncode=1)
    assert type(error) is MediaUnreadable and error.message.endswith("stopped without an answer (exit status 1)")


# A look's frames (``sandbox_look``): geometry, pictures, result; and the renderer's source info.

def test_a_looks_frames_cross_intact():
    geometry = wire.geometry_from_payload(wire.geometry_payload(1280, 720, 25.0, (640, 360), (1280, 720)), 640, 1920,
                                          8192)
    assert geometry == wire.Geometry(1280, 720, 25.0, (640, 360), (1280, 720))
    small = np.arange(640 * 360 * 3, dtype=np.uint32).astype(np.uint8).reshape(360, 640, 3)
    full = np.full((720, 1280, 3), 7, np.uint8)
    t, got_small, got_full = wire.picture_from_payload(wire.picture_payload(2.5, small, full), (640, 360), (1280, 720))
    assert t == 2.5 and np.array_equal(got_small, small) and np.array_equal(got_full, full)
    loud = Loudness(0.04, 1.0, (0.1, 0.2))
    assert wire.result_from_payload(wire.result_payload((3.0, 6.0), loud, 0.25)) == ((3.0, 6.0), loud, 0.25)
    assert wire.result_from_payload(wire.result_payload((), None)) == ((), None, 0.0)


@pytest.mark.parametrize("payload", [
    {"width": 1280, "height": 720, "fps": 25.0, "detect_size": [1280, 720], "full_size": None},  # wider than asked
    {"width": 1280, "height": 720, "fps": 25.0, "detect_size": [640, 360], "full_size": [1280, 720]},  # not asked
    {"width": 1280, "height": 99999, "fps": 25.0, "detect_size": [640, 360], "full_size": None},  # over max side
    {"width": 1280, "height": 720, "fps": float("nan"), "detect_size": [640, 360], "full_size": None},
    {"width": True, "height": 720, "fps": 25.0, "detect_size": [640, 360], "full_size": None},
    {"width": 1280, "height": 720, "fps": 25.0, "detect_size": [640], "full_size": None},
    {"width": 1280, "height": 720, "fps": 25.0, "detect_size": [640, 360]},
])
def test_a_geometry_beyond_what_was_asked_is_refused(payload):
    with pytest.raises(wire.ProtocolViolation):
        wire.geometry_from_payload(json.dumps(payload).encode(), 640, 0, 8192)


def test_a_picture_must_be_exactly_the_announced_size_at_a_real_time():
    good = wire.picture_payload(1.0, np.zeros((4, 6, 3), np.uint8), None)
    assert wire.picture_from_payload(good, (6, 4), None)[0] == 1.0
    for payload, sizes in ((good + b"\x00", ((6, 4), None)), (good[:-1], ((6, 4), None)), (good, ((6, 4), (6, 4))),
                           (wire.picture_payload(float("inf"), np.zeros((4, 6, 3), np.uint8), None), ((6, 4), None)),
                           (wire.picture_payload(-1.0, np.zeros((4, 6, 3), np.uint8), None), ((6, 4), None))):
        with pytest.raises(wire.ProtocolViolation):
            wire.picture_from_payload(payload, *sizes)


@pytest.mark.parametrize("result", [
    {"cuts": [6.0, 3.0], "loudness": None, "change": 0.0},
    {"cuts": [float("nan")], "loudness": None, "change": 0.0},
    {"cuts": "3.0", "loudness": None, "change": 0.0},
    {"cuts": [], "loudness": {"hop_seconds": 0, "start": 0.0, "values": []}, "change": 0.0},
    {"cuts": [], "loudness": {"hop_seconds": 0.04, "start": 0.0, "values": [-1.0]}, "change": 0.0},
    {"cuts": [], "loudness": {"hop_seconds": 0.04, "start": 0.0}, "change": 0.0},
    {"cuts": [], "change": 0.0},
    {"cuts": [], "loudness": None},
    {"cuts": [], "loudness": None, "change": -0.1},
    {"cuts": [], "loudness": None, "change": 1.5},
    {"cuts": [], "loudness": None, "change": True},
    {"cuts": [], "loudness": None, "change": float("nan")},
    {"cuts": [], "loudness": None, "change": "0"},
])
def test_a_malformed_result_is_refused(result):
    with pytest.raises(wire.ProtocolViolation):
        wire.result_from_payload(json.dumps(result).encode())


def test_source_info_crosses_and_a_malformed_one_is_refused():
    info = SourceInfo(True, True, 1920, 1080, 29.97, 3600.5, picture_end=3600.4)
    assert wire.source_from_payload(wire.source_payload(info)) == info
    audio = SourceInfo(False, True, 0, 0, None, None, artwork=1)
    assert wire.source_from_payload(wire.source_payload(audio)) == audio
    one_frame = SourceInfo(True, True, 1280, 720, 25.0, 60.0, picture_end=0)
    assert wire.source_from_payload(wire.source_payload(one_frame)).picture_end == 0.0
    for bad in ({**asdict(info), "width": -1}, {**asdict(info), "fps": 0}, {**asdict(info), "has_video": 1},
                {**asdict(audio), "artwork": "yes"}, {**asdict(audio), "artwork": True},
                {**asdict(audio), "artwork": -1}, {**asdict(info), "picture_end": -0.5},
                {**asdict(info), "picture_end": "3600"}, {**asdict(info), "picture_end": True},
                {**asdict(info), "duration": float("inf")}, {k: v for k, v in asdict(info).items() if k != "fps"}):
        with pytest.raises(wire.ProtocolViolation):
            wire.source_from_payload(json.dumps(bad).encode())


def test_pictures_are_bounded_by_the_large_frame_limit():
    reader = wire.FrameReader(max_chunk_bytes=100)
    assert reader.feed(wire.frame(wire.PICTURE, b"\x00" * 100)) == [(wire.PICTURE, b"\x00" * 100)]
    with pytest.raises(wire.ProtocolViolation, match="over the limit"):
        reader.feed(wire.frame(wire.PICTURE, b"\x00" * 101))
