"""Presigned uploads waiting for their confirm call (table ``presigned_uploads``), always read and
written as their tenant (row-level security)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import asyncpg

from streams.adapters.db import from_jsonb, tenant_connection
from streams.domain.upload import PendingUpload, UploadClaim


async def create(
    pool: asyncpg.Pool,
    tenant_id: str,
    upload_id: str,
    key: str,
    filename: str,
    max_bytes: int,
    options: dict,
    valid_for: timedelta,
) -> PendingUpload:
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow(
            "INSERT INTO presigned_uploads (upload_id, tenant_id, storage_key, filename, max_bytes, options, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, now() + $7::interval) RETURNING *",
            upload_id,
            tenant_id,
            key,
            filename,
            max_bytes,
            json.dumps(options),
            valid_for,
        )
    return _upload(row)


async def claim(pool: asyncpg.Pool, tenant_id: str, upload_id: str) -> UploadClaim | None:
    """Mark the upload confirmed, so that two confirm calls cannot both submit it. None if the
    tenant has no such upload; the claim is not ``first`` when it was confirmed before."""
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow(
            "UPDATE presigned_uploads SET confirmed_at = now() WHERE upload_id = $1 AND confirmed_at IS NULL"
            " RETURNING *, true AS claimed, expires_at < now() AS expired",
            upload_id,
        )
        if row is None:
            row = await conn.fetchrow(
                "SELECT *, false AS claimed, expires_at < now() AS expired FROM presigned_uploads WHERE upload_id = $1",
                upload_id,
            )
    if row is None:
        return None
    return UploadClaim(_upload(row), first=row["claimed"], expired=row["expired"])


def _upload(row: asyncpg.Record) -> PendingUpload:
    return PendingUpload.from_row({**dict(row), "options": from_jsonb(row["options"])})


async def unclaim(pool: asyncpg.Pool, tenant_id: str, upload_id: str) -> None:
    """Undo ``claim`` after a confirm call that failed, so it can be tried again."""
    async with tenant_connection(pool, tenant_id) as conn:
        await conn.execute("UPDATE presigned_uploads SET confirmed_at = NULL WHERE upload_id = $1", upload_id)


async def abandoned(pool: asyncpg.Pool, expired_before: datetime) -> list[tuple[str, str]]:
    """``(tenant_id, upload_id)`` of every workspace's uploads never confirmed whose form expired
    before ``expired_before`` and whose id no video took (one that a failed confirm left unclaimed
    after its video was registered keeps its file)."""
    async with pool.acquire() as conn:
        tenants = [r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM tenants ORDER BY tenant_id")]
    found = []
    for tenant_id in tenants:
        async with tenant_connection(pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT upload_id FROM presigned_uploads u WHERE confirmed_at IS NULL AND expires_at < $1"
                " AND NOT EXISTS (SELECT 1 FROM videos v WHERE v.video_id = u.upload_id)"
                " AND NOT EXISTS (SELECT 1 FROM deleted_videos d WHERE d.video_id = u.upload_id)"
                " ORDER BY expires_at",
                expired_before,
            )
        found += [(tenant_id, r["upload_id"]) for r in rows]
    return found


async def abandon(
    pool: asyncpg.Pool, tenant_id: str, upload_id: str, delete_file: Callable[[str], Awaitable[None]]
) -> bool:
    """Delete an unconfirmed upload's file (``delete_file`` awaited with its storage key) and then
    its row, the row locked meanwhile: a confirm call that comes now waits and finds no upload.
    False if it was confirmed, or abandoned, meanwhile."""
    async with tenant_connection(pool, tenant_id) as conn:
        key = await conn.fetchval(
            "SELECT storage_key FROM presigned_uploads WHERE upload_id = $1 AND confirmed_at IS NULL FOR UPDATE",
            upload_id,
        )
        if key is None:
            return False
        await delete_file(key)
        await conn.execute("DELETE FROM presigned_uploads WHERE upload_id = $1", upload_id)
    return True
