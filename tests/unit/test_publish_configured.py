"""The platforms a server is configured for (``streams.publish.configured``): an account of a platform
this server has no client for is named by the platform's own spelling, and its grant kept as it came."""

from __future__ import annotations

from streams.publish.configured import PLATFORM_NAMES, account_name, adapters
from streams.publish.tokens import Grant
from streams.settings import Settings


def test_without_a_configured_client_an_account_is_named_by_its_platform():
    settings = Settings.from_env().with_overrides(youtube_client_id="", tiktok_client_key="")
    grant = Grant(access_token="a", refresh_token="r", user_id="act.x")
    assert adapters(settings) == {}
    assert account_name(settings, "youtube", grant) == ("YouTube account", grant)
    assert account_name(settings, "tiktok", grant) == ("TikTok account", grant)
    assert PLATFORM_NAMES == {"youtube": "YouTube", "tiktok": "TikTok"}


def test_a_configured_platform_has_an_adapter_factory():
    settings = Settings.from_env().with_overrides(
        youtube_client_id="id", youtube_client_secret="s", tiktok_client_key="k", tiktok_client_secret="s"
    )
    assert sorted(adapters(settings)) == ["tiktok", "youtube"]
