"""stripe-mock: Stripe's own test server, for the tests and a local stack that tries billing.

It answers every Stripe API request with a fixture after checking it against Stripe's OpenAPI
description (a request Stripe would refuse, it refuses), and keeps no state. Built once from the
Go module proxy (``go install``, the version pinned here) into the cache, like MinIO
(``streams.stack.golang``), and run on 127.0.0.1 over plain HTTP. ``connect`` points billing at it
with a test key, webhook secret, price and meter when the stack runs it and no Stripe is configured.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from pathlib import Path

from streams.settings import Settings
from streams.stack import golang
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec

MODULE = "github.com/stripe/stripe-mock"
VERSION = "v0.203.0"
# What billing is configured with against stripe-mock (it takes any test key and any ids).
TEST_KEY = "sk_test_clipstreamStripeMock"  # stripe-mock takes sk_test_ and letters or digits only
TEST_WEBHOOK_SECRET = "whsec_clipstream_stripe_mock"
TEST_PRICE = "price_clipstream_source_seconds"
TEST_METER = "mtr_clipstream_source_seconds"


def url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.stripe_mock_port}"


def connect(settings: Settings) -> Settings:
    """``settings`` billing through the stack's stripe-mock when it runs one and no Stripe key is
    set; unchanged otherwise."""
    if settings.stripe_api_key or not (settings.stripe_mock or StripeMock(settings).running()):
        return settings
    return dataclasses.replace(
        settings,
        stripe_api_key=TEST_KEY,
        stripe_api_url=url(settings),
        stripe_webhook_secret=TEST_WEBHOOK_SECRET,
        stripe_price_id=TEST_PRICE,
        stripe_meter_id=TEST_METER,
    )


class StripeMock(Component):
    name = "stripe-mock"
    ready_timeout = 30.0

    def ports(self) -> list[int]:
        return [self.settings.stripe_mock_port]

    @property
    def binary(self) -> Path:
        return self.settings.cache_dir / f"stripe-mock-{VERSION}" / "stripe-mock"

    def install(self, say: Say) -> None:
        golang.build(
            self.name,
            self.binary,
            ["install", "-trimpath", "-ldflags", "-s -w", f"{MODULE}@{VERSION}"],
            cache_dir=self.settings.cache_dir,
            say=say,
            what=f"stripe-mock ({MODULE}@{VERSION})",
            took="under a minute",
            gobin=self.binary.parent,
        )

    def spec(self) -> ProcessSpec:
        address = f"127.0.0.1:{self.settings.stripe_mock_port}"
        argv = [str(self.binary), "-http-addr", address]
        return ProcessSpec(argv=argv, log_path=self.log_path, marker=f"-http-addr {address}")

    def probe(self) -> bool:
        request = urllib.request.Request(
            f"{url(self.settings)}/v1/customers?limit=1", headers={"Authorization": f"Bearer {TEST_KEY}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                return answer.status == 200
        except urllib.error.URLError:
            return False

    def version(self) -> str:
        return VERSION

    def url(self) -> str | None:
        return url(self.settings)
