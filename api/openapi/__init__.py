"""The API's OpenAPI 3.1 document, built from the routes' declarations (:mod:`api.routing`):
:func:`spec`. ``blocks`` holds what declarations are written with, ``components`` the schemas and
answers they share, ``document`` the walk over the routes."""

from api.openapi.document import HTTP_METHODS, spec, undocumented

__all__ = ["HTTP_METHODS", "spec", "undocumented"]
