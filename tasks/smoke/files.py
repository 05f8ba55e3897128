"""Reading smoke cases from a file: a standalone smoke file or a promotion manifest."""

from __future__ import annotations

from pathlib import Path

from reconcile.errors import ManifestError
from reconcile.promotion.manifest import load_promotion_section
from reconcile.smoke.cases import SmokeCases
from reconcile.smoke.loader import HINT, load_smoke_file


def read_cases(*, smoke_file: str | None = None, manifest: str | None = None) -> SmokeCases:
    """The cases of `smoke_file` (standalone format), or of `manifest`'s `promotion.smoke`."""
    if (smoke_file is None) == (manifest is None):
        raise ManifestError(
            "give either a smoke file or a manifest, not both or neither", hint=HINT
        )
    path = smoke_file or manifest
    assert path is not None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read it: {exc.strerror or exc}", hint=HINT) from None
    if smoke_file is not None:
        return load_smoke_file(text, source=path)
    return load_promotion_section(text, source=path).smoke
