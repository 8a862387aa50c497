"""Connecting an account: the consent page's address carries a fresh state and an S256 PKCE
challenge (RFC 7636's own example checked), and asks for a refresh token every time."""

from urllib.parse import parse_qs, urlsplit

from streams.publish.oauth import OAuthClient, begin, challenge

CLIENT = OAuthClient("id.apps", "secret", "https://consent.example/auth", "https://token.example/token",
                     ("https://www.googleapis.com/auth/youtube.upload",))


def test_the_challenge_is_rfc_7636s_s256():
    assert challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_consent_address_asks_for_offline_access_with_pkce_and_a_fresh_state():
    one, two = begin(CLIENT, "https://clips.example/v1/accounts/callback"), begin(CLIENT, "https://x/cb")
    url = urlsplit(one.url)
    asked = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == CLIENT.auth_url
    assert asked["redirect_uri"] == "https://clips.example/v1/accounts/callback"
    assert (asked["response_type"], asked["access_type"], asked["prompt"]) == ("code", "offline", "consent")
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"] == challenge(one.verifier)
    assert asked["state"] == one.state and one.state != two.state and one.verifier != two.verifier
    assert 43 <= len(one.verifier) <= 128 and 32 <= len(one.state) <= 128
    assert one.verifier not in one.url  # the verifier stays on the server
