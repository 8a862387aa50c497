"""The platforms this server posts to, as its settings configure them: each one's adapter factory
(``adapters``), for the worker's publisher and for the API, which asks a newly connected account
its name (``account_name``)."""

from __future__ import annotations

from typing import Callable

from streams.publish.platform import Platform, Renew
from streams.publish.tokens import Grant
from streams.settings import Settings

#: How each platform writes its own name (an account with no name of its own is "<name> account").
PLATFORM_NAMES = {"youtube": "YouTube", "tiktok": "TikTok"}


def default_name(platform: str) -> str:
    """What an account is called when its platform does not say: "YouTube account"."""
    return f"{PLATFORM_NAMES.get(platform, platform.title())} account"


def adapters(settings: Settings) -> dict[str, Callable[[Grant, Renew], Platform]]:
    """Each configured platform's adapter factory ((grant, its renewal) -> adapter)."""
    made: dict[str, Callable[[Grant, Renew], Platform]] = {}
    if settings.youtube_client_id:
        from streams.publish.youtube import GOOGLE_TOKEN_URL, YouTube, YouTubeClient

        client = YouTubeClient(
            settings.youtube_client_id,
            settings.youtube_client_secret,
            api_url=settings.youtube_api_url,
            token_url=settings.youtube_token_url or GOOGLE_TOKEN_URL,
            ca_certs=settings.platform_ca_certs or None,
        )
        made["youtube"] = lambda grant, _renew: YouTube(client, grant)  # google-auth renews; Google does not rotate
    if settings.tiktok_client_key:
        from streams.publish.tiktok import TIKTOK_API_URL, TikTok, TikTokClient

        app_client = TikTokClient(
            settings.tiktok_client_key,
            settings.tiktok_client_secret,
            api_url=settings.tiktok_api_url or TIKTOK_API_URL,
            ca_certs=settings.platform_ca_certs or None,
        )
        made["tiktok"] = lambda grant, renew: TikTok(app_client, grant, renew)
    return made


def account_name(settings: Settings, platform: str, grant: Grant) -> tuple[str, Grant]:
    """What the platform calls the account ``grant`` is for (a channel's title, a creator's
    nickname), else "<Platform> account", and the grant as it stands after asking (renewed, if it
    had to be: TikTok's refresh tokens work once, so that is the one to keep). Blocking (the
    platform is asked over HTTP); ``PublishError`` (or ``AccountReconnectRequired``) when the
    platform cannot say."""
    fallback = default_name(platform)
    made = adapters(settings).get(platform)
    if made is None:
        return fallback, grant
    adapter = made(grant, lambda held, exchange: exchange(held))
    named = adapter.account_name()
    return (named or fallback)[:200], adapter.grant()
