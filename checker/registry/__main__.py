"""`python -m checker.registry`: rewrite the format reference in docs/authoring.md from the schema."""

from __future__ import annotations

from checker.registry.schema import with_reference
from checker.settings import REPO_ROOT

if __name__ == "__main__":
    authoring = REPO_ROOT / "docs" / "authoring.md"
    authoring.write_text(with_reference(authoring.read_text(encoding="utf-8")), encoding="utf-8")
