"""An image as `docker save` writes it: its layers, in order, each with the history step that made it.

Pure logic over a tar file: what `docker history` cannot show is in here. A file
deleted by a later step is still inside the layer that added it (the later layer
holds only a whiteout, `.wh.NAME`), so whoever has the image has the file.
Both archive layouts are read: `ID/layer.tar` (Engine < 25) and OCI blobs (25+),
since manifest.json names the layers in either.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass, field
from typing import IO, Any, Collection, Iterator

WHITEOUT = ".wh."
READ_LIMIT = 4 * 1024 * 1024  # a secret sits in a small file; larger files are not read for content


@dataclass(frozen=True)
class LayerFile:
    """One regular file inside one layer."""

    path: str  # as in the layer, without a leading slash
    size: int
    holds_needle: bool = False  # its content contains what the reader was asked to look for
    content: bytes | None = None  # kept only for the paths the reader was asked to keep


@dataclass
class Layer:
    """One filesystem layer and the Dockerfile step that made it."""

    number: int  # 1 = the base image's first layer
    created_by: str
    files: list[LayerFile] = field(default_factory=list)
    whiteouts: list[str] = field(default_factory=list)  # paths a later step deleted (hid)

    @property
    def step(self) -> str:
        """The step as `docker history` shows it, without the classic builder's `/bin/sh -c #(nop) ` prefix."""
        text = self.created_by.replace("/bin/sh -c #(nop) ", "").strip()
        if text.startswith("/bin/sh -c "):
            text = "RUN " + text[len("/bin/sh -c ") :]
        return text if len(text) <= 100 else text[:97] + "…"


@dataclass
class SavedImage:
    """The layers of a saved image, and the history and config text (where ENV and build ARGs show)."""

    layers: list[Layer]
    history: list[str]  # every created_by, empty layers (ENV, ARG, CMD…) included
    config_text: str

    def layers_holding_needle(self) -> Iterator[tuple[Layer, LayerFile]]:
        """Each (layer, file) whose content contains the needle given to `read_saved_image`."""
        for layer in self.layers:
            for item in layer.files:
                if item.holds_needle:
                    yield layer, item

    def newest_file(self, path: str) -> tuple[Layer, LayerFile] | None:
        """The last layer that added `path` as a file (even if a later layer deleted it), with the file."""
        wanted = path.lstrip("/")
        for layer in reversed(self.layers):
            for item in layer.files:
                if item.path == wanted:
                    return layer, item
        return None


def _created_by_of_layers(config: dict[str, Any], count: int) -> list[str]:
    """The created_by of each layer: history entries without `empty_layer`, in order."""
    steps = [str(h.get("created_by", "")) for h in config.get("history") or [] if not h.get("empty_layer")]
    steps += [""] * (count - len(steps))
    return steps[:count]


def _read_layer(number: int, created_by: str, fileobj: IO[bytes], needle: bytes, keep: Collection[str]) -> Layer:
    layer = Layer(number, created_by)
    with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
        for member in tar:
            name = member.name.removeprefix("./").lstrip("/")
            base = name.rsplit("/", 1)[-1]
            if base.startswith(WHITEOUT):
                hidden = base[len(WHITEOUT) :]
                layer.whiteouts.append(name[: len(name) - len(base)] + hidden)
            elif member.isfile():
                content = None
                if (needle or name in keep) and member.size <= READ_LIMIT:
                    extracted = tar.extractfile(member)
                    content = extracted.read() if extracted else b""
                holds = bool(needle) and content is not None and needle in content
                layer.files.append(LayerFile(name, member.size, holds, content if name in keep else None))
    return layer


def read_saved_image(fileobj: IO[bytes], *, needle: bytes = b"", keep: Collection[str] = ()) -> SavedImage:
    """Parse a `docker save` archive of ONE image (a seekable file): each file is searched for `needle`,
    and the content of the paths in `keep` (without a leading slash) is kept; nothing else stays in memory."""
    with tarfile.open(fileobj=fileobj, mode="r:*") as archive:
        manifest = json.loads(_member_bytes(archive, "manifest.json"))
        if not manifest:
            raise ValueError("the archive's manifest.json lists no image")
        entry = manifest[0]
        config_text = _member_bytes(archive, entry["Config"]).decode(errors="replace")
        config = json.loads(config_text)
        paths = list(entry.get("Layers") or [])
        steps = _created_by_of_layers(config, len(paths))
        layers = []
        for number, (path, created_by) in enumerate(zip(paths, steps, strict=True), start=1):
            member = archive.extractfile(path)
            if member is None:
                raise ValueError(f"the archive lacks the layer {path}")
            layers.append(_read_layer(number, created_by, member, needle, keep))
    history = [str(h.get("created_by", "")) for h in config.get("history") or []]
    return SavedImage(layers, history, config_text)


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise ValueError(f"the archive lacks {name}")
    return member.read()
