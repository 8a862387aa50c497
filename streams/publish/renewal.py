"""An account's grant as the publishers share it: renewed by one of them at a time and stored at
once.

TikTok rotates refresh tokens: a refresh answers a new refresh token, and the one sent stops
working. Two publishers that renew the same account at once (two of its posts due together,
claimed by one publisher's batch or by two workers) send the same refresh token, and the second
is refused as if the person had revoked the grant: the account would be marked
``reconnect_required`` and its post failed. And a renewed grant kept in memory until a long upload
ended left the stored one dead meanwhile for every other use of the account.

So a renewal (``renew``, called by the adapter in its thread) locks the account's row, and uses
the stored grant when it is no longer the one the adapter holds (another publisher renewed it);
else it calls the platform's token endpoint under the lock and stores what it answers before the
lock is let go. A platform whose library renews by itself (YouTube's ``google-auth``; Google does
not rotate refresh tokens) gets its grant stored afterwards by ``keep``, only over the grant it
started from, never over a newer one.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import asyncpg

from streams.errors import PublishError
from streams.publish import store
from streams.publish.platform import Exchange, Renew
from streams.publish.tokens import Grant, TokenCipher

RENEW_SECONDS = 120.0  # a renewal's wait for the account's lock and the token endpoint, at most


class Renewals:
    def __init__(self, pool: asyncpg.Pool, cipher: TokenCipher) -> None:
        self.pool = pool
        self.cipher = cipher
        # The token calls run here, not in the default executor, where the adapters' threads
        # wait for them: a full default executor could not then run the call they wait on.
        self._calls = ThreadPoolExecutor(max_workers=2, thread_name_prefix="grant-renewal")

    def for_account(self, account_id: str) -> Renew:
        """The ``renew`` an adapter of ``account_id`` calls from its thread (called on the loop)."""
        loop = asyncio.get_running_loop()

        def renew(held: Grant, exchange: Exchange) -> Grant:
            pending = asyncio.run_coroutine_threadsafe(self._renew(account_id, held, exchange), loop)
            try:
                return pending.result(timeout=RENEW_SECONDS)
            except TimeoutError:  # a loop that stopped meanwhile never answers
                pending.cancel()
                raise PublishError(
                    f"the account's grant was not renewed within {RENEW_SECONDS:.0f} s", retriable=True
                ) from None

        return renew

    async def _renew(self, account_id: str, held: Grant, exchange: Exchange) -> Grant:
        async with self.pool.acquire() as conn, conn.transaction():
            sealed = await store.locked_grant(conn, account_id)
            stored = None if sealed is None else self.cipher.open(sealed)
            if stored is not None and stored != held:
                return stored  # renewed by another publisher (or connected again) meanwhile
            fresh = await asyncio.get_running_loop().run_in_executor(self._calls, exchange, held)
            if sealed is not None:
                await store.store_grant(conn, account_id, self.cipher.seal(fresh), fresh.user_id)
            return fresh

    async def keep(self, account_id: str, before: Grant, after: Grant) -> None:
        """Store ``after``, the grant an adapter ended with, if it changed and the stored grant is
        still ``before``, the one it started from."""
        if after == before:
            return
        async with self.pool.acquire() as conn, conn.transaction():
            sealed = await store.locked_grant(conn, account_id)
            if sealed is not None and self.cipher.open(sealed) == before:
                await store.store_grant(conn, account_id, self.cipher.seal(after), after.user_id)
