"""The pure parts behind issue 47's fixes: signed links that say why they fail, the served type of
an upload, the Host allow-list, paths taken out of messages, the tenant's part of storage and
the image check of a brand asset."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from api import signing
from api.hosts import allowed_hosts, public_base
from streams.adapters.storage import FileStorage, TenantStorage
from streams.errors import ConfigError, NotAnImage, ObjectNotFound
from streams.media.probe import SERVED_TYPES, served_type
from streams.ops.redact import Redactor
from streams.settings import Settings
from streams.tenancy import Principal
from streams.vision.images import checked_image

ME = Principal(tenant_id="ten_a", key_id="0123456789ab", scope="admin")


def test_a_signed_link_is_valid_expired_or_invalid_and_says_which():
    secret = signing.new_secret()
    link = signing.sign(secret, ME, "/v1/videos/v1/source", now=1000.0, ttl=60)
    path, _, query = link.partition("?")
    assert signing.verify(secret, path, query, now=1030.0) == Principal("ten_a", "0123456789ab", "read")
    with pytest.raises(signing.LinkRefused) as expired:
        signing.verify(secret, path, query, now=2000.0)
    assert expired.value.code == "link_expired"
    for bad_path, bad_query in ((path + "x", query), (path, "x=1&" + query), (path, query[:-2]), (path, "")):
        with pytest.raises(signing.LinkRefused) as refused:
            signing.verify(secret, bad_path, bad_query, now=1030.0)
        assert refused.value.code == "link_invalid"
    # an altered expiry is not "expired": the signature is checked first
    token = query.split("token=")[1].replace("%2E", ".").split(".")
    token[2] = "1"
    with pytest.raises(signing.LinkRefused, match="not valid"):
        signing.verify(secret, path, "token=" + ".".join(token), now=1030.0)


@pytest.mark.parametrize("format_name, has_video, codec, served", [
    ("mov,mp4,m4a,3gp,3g2,mj2", True, "h264", "video/mp4"),
    ("mov,mp4,m4a,3gp,3g2,mj2", False, None, "audio/mp4"),
    ("matroska,webm", True, "vp9", "video/webm"),
    ("matroska,webm", True, "h264", "video/x-matroska"),
    ("wav", False, None, "audio/wav"),
    ("mp3", False, None, "audio/mpeg"),
    ("svg_pipe", True, "svg", None),
    ("html", False, None, None),
    ("image2", True, "png", None),
])
def test_an_upload_is_served_as_what_ffmpeg_found_from_an_allow_list(format_name, has_video, codec, served):
    assert served_type(format_name, has_video, codec) == served
    assert all(t.startswith(("video/", "audio/")) for t in SERVED_TYPES)


def test_the_hosts_answered_come_from_settings_never_from_a_request(tmp_path):
    local = Settings(data_dir=tmp_path)
    assert set(allowed_hosts(local)) == {"127.0.0.1", "localhost", "::1"}
    assert public_base(local) == "http://127.0.0.1:18080"
    public = Settings(data_dir=tmp_path, public_url="https://clips.example.com/", download_url="https://media.example.com")
    assert {"clips.example.com", "media.example.com"} <= set(allowed_hosts(public))
    assert public_base(public) == "https://clips.example.com"
    assert allowed_hosts(Settings(data_dir=tmp_path, api_host="0.0.0.0")) == ["*"]
    assert allowed_hosts(Settings(data_dir=tmp_path, allowed_hosts="a.example, *.b.example")) == ["a.example", "*.b.example"]
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        public_base(Settings(data_dir=tmp_path, public_url="clips.example.com"))


def test_paths_and_storage_uris_are_taken_out_of_messages():
    redact = Redactor(["/srv/clipstream/data", "/tmp"])
    said = redact("cannot read file:///srv/clipstream/data/storage/tenants/t/videos/v/source.mp4 (from "
                  "/srv/clipstream/data/worker/scratch/v/source.mp4; s3://bucket/tenants/t/x/c.jpg)")
    assert "/srv" not in said and "file://" not in said and "s3://" not in said
    assert said.count("source.mp4") == 2 and "c.jpg" in said
    assert redact("a clip of 12.5 s at 9:16") == "a clip of 12.5 s at 9:16"


def test_a_tenants_storage_reaches_its_own_prefix_only(tmp_path):
    storage = FileStorage(tmp_path)
    storage.put_bytes("tenants/ten_a/brand/bra_1.png", b"a")
    storage.put_bytes("tenants/ten_b/brand/bra_2.png", b"b")
    mine = TenantStorage(storage, "ten_a")
    assert mine.get_bytes(mine.key("brand/bra_1.png")) == b"a"
    for other in ("tenants/ten_b/brand/bra_2.png", "tenants/ten_a/../ten_b/brand/bra_2.png"):
        with pytest.raises(ObjectNotFound, match="no such stored object"):
            mine.get_bytes(other)
    with pytest.raises(ObjectNotFound):
        mine.key_of(storage.uri("tenants/ten_b/brand/bra_2.png"))
    with pytest.raises(ObjectNotFound):
        mine.key_of("file:///etc/passwd")
    assert mine.key_of(storage.uri("tenants/ten_a/brand/bra_1.png")) == "tenants/ten_a/brand/bra_1.png"


def test_a_brand_asset_is_an_image_and_what_is_kept_is_a_png_of_its_pixels():
    jpeg = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(jpeg, format="JPEG")
    kept = checked_image(jpeg.getvalue() + b"<script>alert(1)</script>")
    assert (kept.width, kept.height) == (30, 20) and kept.png.startswith(b"\x89PNG") and b"<script>" not in kept.png
    for bad in (b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a" + b"\0" * 20):
        with pytest.raises(NotAnImage):
            checked_image(bad)
    huge = io.BytesIO()
    Image.new("1", (5000, 10)).save(huge, format="PNG")
    with pytest.raises(NotAnImage, match="at most 4096"):
        checked_image(huge.getvalue())
