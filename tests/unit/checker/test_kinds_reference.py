"""The authors' references are generated from the code, and the committed pages are not stale."""

from __future__ import annotations

from checker import settings
from checker.kinds import KINDS
from checker.kinds.reference import all_kinds, render_markdown, render_text
from checker.registry.schema import with_reference

DOCS = settings.REPO_ROOT / "docs"


def test_docs_kinds_md_is_generated_from_the_code() -> None:
    assert (DOCS / "kinds.md").read_text(encoding="utf-8") == render_markdown(), (
        "docs/kinds.md is stale: run `python -m checker.kinds.reference > docs/kinds.md`"
    )


def test_the_format_reference_in_authoring_md_is_generated_from_the_schema() -> None:
    page = (DOCS / "authoring.md").read_text(encoding="utf-8")
    assert with_reference(page) == page, "docs/authoring.md is stale: run `python -m checker.registry`"


def test_the_text_reference_names_every_kind_and_parameter() -> None:
    text = render_text()
    kinds = all_kinds()
    assert kinds and len(kinds) == len(KINDS)
    for kind in kinds:
        assert f"\n{kind.name}\n  checks: {kind.describe}\n" in f"\n{text}"
    assert "  - container: str, required\n  - wait: float = 0.0\n" in text  # container_running
