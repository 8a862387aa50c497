"""``/v1/brand/assets``: the images a tenant's brand kit draws (its logo), uploaded through the API.

A video's options name a logo by its asset id (``brand.logo_asset_id``), never by a storage URI
or a path: an asset is checked as an image when it is uploaded (``streams.vision.images``), kept
as a PNG made from its pixels under the tenant's own prefix, and found by id through the
tenant's catalog (row-level security) and the tenant's part of storage
(``streams.adapters.storage.TenantStorage``), so another tenant's asset is a 404 everywhere.
"""

from __future__ import annotations

import asyncio
import uuid

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.audit import audited
from api.auth import caller
from api.errors import ApiError
from api.openapi.blocks import INTEGER, NOT_FOUND, STRING, TIMESTAMP, array, error, json_response, obj
from api.routing import operation, post
from api.submitting import safe_filename
from streams.adapters import brand_assets
from streams.adapters.storage import TenantStorage
from streams.domain.brand import ASSET_ID, BrandAsset
from streams.errors import NotAnImage, ObjectNotFound
from streams.vision.images import MAX_BYTES, checked_image

ASSET = obj(
    {
        "asset_id": {**STRING, "pattern": ASSET_ID.pattern},
        "filename": STRING,
        "width": INTEGER,
        "height": INTEGER,
        "size_bytes": INTEGER,
        "media_type": {"const": "image/png"},
        "created_at": TIMESTAMP,
    },
    {"links": {"type": "object"}},
)


def _json(asset: BrandAsset) -> dict:
    base = f"/v1/brand/assets/{asset.asset_id}"
    return {**asset.as_json(), "links": {"self": base, "image": f"{base}/image"}}


async def _asset_or_404(request: Request) -> BrandAsset:
    asset_id = request.path_params["asset_id"]
    asset = None
    if ASSET_ID.fullmatch(asset_id):
        asset = await brand_assets.get(request.app.state.db, caller(request).tenant_id, asset_id)
    if asset is None:
        raise ApiError(404, "brand_asset_not_found", f"no brand asset with id {asset_id[:64]!r}")
    return asset


@post(
    "createBrandAsset",
    "Upload an image for the brand kit (a logo)",
    {
        "201": json_response(ASSET, "Checked and kept; name it in options as `brand.logo_asset_id`."),
        "400": error("BadRequest"),
    },
    scope="write",
    tag="brand",
    body={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": obj({"file": {"type": "string", "contentMediaType": "application/octet-stream"}}),
            }
        },
    },
    description=f"A PNG, JPEG or WebP image of at most {MAX_BYTES // (1024 * 1024)} MiB and 4096 pixels a side. "
    "What is kept is a PNG made from its pixels (nothing else the file carried). Anything else is a 422 "
    "`not_an_image`.",
)
async def create_asset(request: Request) -> JSONResponse:
    principal = caller(request)
    state = request.app.state
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the image as multipart/form-data with a 'file' field")
    async with request.form(max_files=1, max_fields=4, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "missing_file", "the multipart form has no 'file' part")
        data = await upload.read(MAX_BYTES + 1)
        filename = safe_filename(upload.filename)
    try:
        image = await asyncio.to_thread(checked_image, data, repr(filename))
    except NotAnImage as exc:
        raise ApiError(422, exc.code, exc.message) from None
    asset_id = f"bra_{uuid.uuid4().hex[:24]}"
    storage = TenantStorage(state.storage, principal.tenant_id)
    await asyncio.to_thread(storage.put_bytes, f"brand/{asset_id}.png", image.png)
    asset = await brand_assets.create(
        state.db, principal.tenant_id, asset_id, filename, image.width, image.height, len(image.png)
    )
    await audited(request, "brand_asset.created", asset_id, filename=filename)
    return JSONResponse(_json(asset), status_code=201, headers={"Location": f"/v1/brand/assets/{asset_id}"})


@operation(
    "listBrandAssets",
    "The brand kit's images, newest first",
    {"200": json_response(obj({"assets": array(ASSET)}), "Up to 100.")},
    scope="read",
    tag="brand",
)
async def list_assets(request: Request) -> JSONResponse:
    assets = await brand_assets.listed(request.app.state.db, caller(request).tenant_id)
    return JSONResponse({"assets": [_json(a) for a in assets]})


@operation(
    "getBrandAsset",
    "A brand asset",
    {"200": json_response(ASSET, "The asset."), **NOT_FOUND},
    scope="read",
    tag="brand",
)
async def get_asset(request: Request) -> JSONResponse:
    return JSONResponse(_json(await _asset_or_404(request)))


@operation(
    "getBrandAssetImage",
    "A brand asset's image (PNG)",
    {"200": {"description": "The kept PNG.", "content": {"image/png": {"schema": {}}}}, **NOT_FOUND},
    scope="read",
    tag="brand",
)
async def get_asset_image(request: Request) -> Response:
    asset = await _asset_or_404(request)
    storage = TenantStorage(request.app.state.storage, asset.tenant_id)
    try:
        data = await asyncio.to_thread(storage.get_bytes, storage.brand_asset_key(asset.asset_id))
    except ObjectNotFound:
        raise ApiError(404, "file_not_found", "the image is missing from storage") from None
    return Response(data, media_type="image/png")


@operation(
    "deleteBrandAsset",
    "Delete a brand asset",
    {"204": {"description": "Deleted."}, **NOT_FOUND},
    scope="write",
    tag="brand",
    description="Videos already submitted with it fail to render their logo; submit them again without it.",
)
async def delete_asset(request: Request) -> Response:
    asset = await _asset_or_404(request)
    state = request.app.state
    if await brand_assets.delete(state.db, asset.tenant_id, asset.asset_id):
        storage = TenantStorage(state.storage, asset.tenant_id)
        await asyncio.to_thread(storage.delete, storage.brand_asset_key(asset.asset_id))
        await audited(request, "brand_asset.deleted", asset.asset_id)
    return Response(status_code=204)


routes = [
    Route("/v1/brand/assets", create_asset, methods=["POST"]),
    Route("/v1/brand/assets", list_assets, methods=["GET"]),
    Route("/v1/brand/assets/{asset_id}", get_asset, methods=["GET"]),
    Route("/v1/brand/assets/{asset_id}/image", get_asset_image, methods=["GET"]),
    Route("/v1/brand/assets/{asset_id}", delete_asset, methods=["DELETE"]),
]
