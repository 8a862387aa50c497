"""Presigned uploads waiting for their confirm call (table ``presigned_uploads``), always read and
written as their tenant (row-level security)."""

from __future__ import annotations

import json
from datetime import timedelta

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
