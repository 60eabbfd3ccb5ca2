"""Check kinds about multi-stage builds: the final image is much smaller than the stage that built the
program, holds no build tools, and its default command runs.

The sizes come from the classic builder's own log (each stage's last layer is an image it keeps);
the tools are looked for in the final image's filesystem, exported from a container that never starts.
"""

from __future__ import annotations

import tarfile
from typing import Any, Iterator

from checker.building import describe_build_failure, run_build
from checker.context import CheckContext
from checker.facts.containers import Container
from checker.facts.images import Image
from checker.facts.production import Stage, build_stages, builds_on_stage
from checker.i18n import N_, _
from checker.kinds import Outcome, fail, kind, ok
from checker.kinds.image_runs import labelled_run
from checker.kinds.images import BUILD_SAYS_WHY
from checker.labels import ROLE, course_labels
from checker.probes import wait_for_exit

MEGABYTE = 1_000_000
BIN_DIRS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/local/bin/", "usr/local/sbin/")
MISSING_LOADER = "no such file or directory"


def image_size(image: Image) -> int:
    """Bytes of all its layers, as `docker images` shows them."""
    return int(image.raw.get("Size") or 0)


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


@kind("build_stages_slim", N_("the final stage of {image} is much smaller than the stage that builds"))
def build_stages_slim(
    ctx: CheckContext,
    *,
    context: str,
    image: str,
    dockerfile: str = "Dockerfile",
    max_ratio: float = 0.5,
    timeout: float = 120.0,
) -> Outcome:
    """At least two stages, and the final image at most `max_ratio` of the biggest earlier stage.

    Reads the build that `dockerfile_builds` made in the same run (or builds again, from the cache).
    """
    final_image = ctx.require_image(image, no_image(image))
    result = ctx.builds.get((context, dockerfile))
    if result is None:
        result = run_build(ctx, ctx.path(context), dockerfile=dockerfile, timeout=timeout)
    if not result.ok:
        return describe_build_failure(result, timeout)
    stages = build_stages(result.learner_steps)
    if len(stages) < 2:
        return fail(
            _(
                "The Dockerfile has one stage (one FROM), so everything the build needed ships in the image "
                "({size}): the compiler, its headers, the package lists."
            ).format(size=_megabytes(image_size(final_image))),
            _(
                "build in a first stage (`FROM debian:bookworm-slim AS build`), then start a second stage `FROM` a "
                "small base and `COPY --from=build` only the program"
            ),
        )
    final, earlier = stages[-1], stages[:-1]
    sizes = {stage.number: _stage_size(ctx, stage) for stage in earlier}
    biggest = max(earlier, key=lambda stage: sizes[stage.number])
    if sizes[biggest.number] <= 0:
        return fail(
            _("The size of {stage} could not be read from the build.").format(stage=biggest.label),
            _("build it again"),
        )
    final_size, stage_size = image_size(final_image), sizes[biggest.number]
    ratio = final_size / stage_size
    shown = _("the final image is {final}, {stage} {size}").format(
        final=_megabytes(final_size), stage=biggest.label, size=_megabytes(stage_size)
    )
    if ratio > max_ratio:
        parent = builds_on_stage(final, earlier)
        why = (
            _(" The final stage starts `FROM {base}`, so it begins with everything {stage} holds.").format(
                base=final.base, stage=parent.label
            )
            if parent
            else _(" The final stage still holds most of what the build needed.")
        )
        return fail(
            _(
                "The final image is not much smaller than the stage that builds: {shown} "
                "({ratio:.0%}, at most {max_ratio:.0%} expected)."
            ).format(shown=shown, ratio=ratio, max_ratio=max_ratio)
            + why,
            _("start the final stage FROM a small base image (not the build stage), and COPY --from only the program"),
        )
    return ok(_("{count} stages: {shown} ({ratio:.0%}).").format(count=len(stages), shown=shown, ratio=ratio))


def no_image(image: str) -> Outcome:
    """The image to look at is missing: the build check before this one says why."""
    return fail(_("There is no image {image!r}.").format(image=image), _(BUILD_SAYS_WHY))


def _stage_size(ctx: CheckContext, stage: Stage) -> int:
    import docker.errors

    if not stage.image:
        return 0
    try:
        return int(ctx.api.inspect_image(stage.image).get("Size") or 0)
    except docker.errors.NotFound:
        return 0


def _exported_names(ctx: CheckContext, image: str) -> Iterator[str]:
    """Every path in the image's filesystem, read from a created (never started) container's export."""
    labels = course_labels(ctx.exercise_id)
    labels[ROLE] = "check-look"
    container = ctx.client.containers.create(image, command=["true"], entrypoint=[], labels=labels)
    try:
        stream = _Chunks(container.export())
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                yield member.name.removeprefix("./")
    finally:
        container.remove(force=True)


class _Chunks:
    """A file-like reader over a generator of byte chunks (what `export()` and `save()` return)."""

    def __init__(self, chunks: Any) -> None:
        self.chunks = iter(chunks)
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


@kind("image_lacks_programs", N_("the image {image} holds none of {programs}"), behaviour=True)
def image_lacks_programs(ctx: CheckContext, *, image: str, programs: list[str]) -> Outcome:
    """No file named like a build tool in any bin folder of the image (its whole filesystem is read)."""
    ctx.require_image(image, no_image(image))
    wanted = set(programs)
    found = sorted(
        "/" + name
        for name in _exported_names(ctx, image)
        if name.rsplit("/", 1)[-1] in wanted and name.startswith(BIN_DIRS)
    )
    if found:
        shown = ", ".join(found[:6])
        if len(found) > 6:
            shown = _("{shown} and {count} more").format(shown=shown, count=len(found) - 6)
        return fail(
            _(
                "The image still holds build tools: {shown}. Whoever runs it gets a compiler: more to download, more "
                "to patch, more for an attacker to use."
            ).format(shown=shown),
            _(
                "build in one stage and COPY --from=that stage only the result into a final stage that starts FROM a "
                "clean base"
            ),
        )
    return ok(_("no {programs} in any bin folder.").format(programs=", ".join(programs)))


@kind("image_run_default_prints", N_("`docker run {image}` prints {contains!r}"), behaviour=True)
def image_run_default_prints(ctx: CheckContext, *, image: str, contains: str, timeout: float = 20.0) -> Outcome:
    """Run the image with its own ENTRYPOINT and CMD, as a user would, and read what it prints."""
    ctx.require_image(image, no_image(image))
    with labelled_run(ctx, image, "check-run") as (container, error):
        if error:
            return fail(
                _("`docker run {image}` could not start: {error}.").format(image=image, error=error.strip())
                + _loader_note(error),
                _(RUN_HINT),
            )
        if not wait_for_exit(container, timeout):
            return fail(
                _("`docker run {image}` did not finish within {timeout:g} s.").format(image=image, timeout=timeout),
                _("its CMD should print and exit"),
            )
        code = Container(container.attrs).exit_code
        output = container.logs().decode(errors="replace").strip()
    if code != 0 or contains not in output:
        said = (
            _("`docker run {image}` exited with code {code} and printed {output!r}, which lacks {contains!r}.")
            if code == 0
            else _("`docker run {image}` exited with code {code} and printed {output!r}.")
        )
        return fail(
            said.format(image=image, code=code, output=output[-300:], contains=contains) + _loader_note(output),
            _(RUN_HINT),
        )
    return ok(_("it printed {line!r}.").format(line=output.splitlines()[-1][:120]))


RUN_HINT = N_("compare the image's CMD/ENTRYPOINT with where COPY --from put the program")


def _loader_note(output: str) -> str:
    """`exec X: no such file or directory` for a program that exists: the dynamic loader is what is missing."""
    text = output.lower()
    if MISSING_LOADER in text and "exec" in text:
        return _(
            " If the program is there, its loader is missing: a dynamically linked program needs ld-linux and libc "
            "in the image. Link it statically (`gcc -static`), or start the final stage FROM a base with the same "
            "libc (`debian:bookworm-slim`)."
        )
    return ""
