"""Brand assets (table ``brand_assets``), always read and written as their tenant (row-level
security): another tenant's asset is not there."""

from __future__ import annotations

import asyncpg

from streams.adapters.db import tenant_connection
from streams.domain.brand import BrandAsset


async def create(
    pool: asyncpg.Pool, tenant_id: str, asset_id: str, filename: str, width: int, height: int, size_bytes: int
) -> BrandAsset:
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow(
            "INSERT INTO brand_assets (asset_id, tenant_id, filename, width, height, size_bytes)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
            asset_id,
            tenant_id,
            filename,
            width,
            height,
            size_bytes,
        )
    return BrandAsset.from_row(row)


async def get(pool: asyncpg.Pool, tenant_id: str, asset_id: str) -> BrandAsset | None:
    async with tenant_connection(pool, tenant_id) as conn:
        row = await conn.fetchrow("SELECT * FROM brand_assets WHERE asset_id = $1", asset_id)
    return BrandAsset.from_row(row) if row is not None else None


async def listed(pool: asyncpg.Pool, tenant_id: str, limit: int = 100) -> list[BrandAsset]:
    async with tenant_connection(pool, tenant_id) as conn:
        rows = await conn.fetch("SELECT * FROM brand_assets ORDER BY created_at DESC, asset_id LIMIT $1", limit)
    return [BrandAsset.from_row(r) for r in rows]


async def delete(pool: asyncpg.Pool, tenant_id: str, asset_id: str) -> bool:
    async with tenant_connection(pool, tenant_id) as conn:
        return await conn.fetchval("DELETE FROM brand_assets WHERE asset_id = $1 RETURNING true", asset_id) is True
