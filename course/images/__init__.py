"""The course's base images: the catalog and its status (catalog), offline stand-ins (standin_build), bundles.

`from course import images` gives the whole public surface: `images.provision(client)`,
`images.status(client)`, `images.export_bundle(client, path)`, `images.import_bundle(client, path)`.
"""

from __future__ import annotations

from course.images.bundles import export_bundle, import_bundle
from course.images.catalog import CATALOG, BaseImage, ImageStatus, named_in, provision, status

__all__ = ["CATALOG", "BaseImage", "ImageStatus", "export_bundle", "import_bundle", "named_in", "provision", "status"]
