"""Check kinds about the learner's Dockerfile: does it build, does a rebuild hit the cache, which mistakes remain?

A Dockerfile is proven by what the daemon does with it (checker.building);
the cache check rebuilds a copy of the folder with one file changed. Its text
is read (checker.facts.dockerfile) only to name a mistake with its line.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from checker.building import describe_build_failure, run_build
from checker.context import CheckContext
from checker.facts.build_log import BuildResult, BuildStep
from checker.facts.dockerfile import dockerfile_mistakes
from checker.i18n import N_, _, ngettext
from checker.kinds import Outcome, fail, kind, ok


def _context_problem(ctx: CheckContext, context: str, dockerfile: str) -> Outcome | None:
    folder = ctx.path(context)
    if not folder.is_dir():
        return fail(
            _("The folder {context} does not exist.").format(context=context), _("run the exercise's setup cell first")
        )
    if not (folder / dockerfile).is_file():
        return fail(
            _("There is no {path} yet.").format(path=f"{context}/{dockerfile}"),
            _("run the answer cell that writes it (`%%writefile …`)"),
        )
    return None


@kind("dockerfile_builds", N_("the Dockerfile in {context} builds as {tag}"), behaviour=True)
def dockerfile_builds(
    ctx: CheckContext, *, context: str, tag: str, dockerfile: str = "Dockerfile", timeout: float = 120.0
) -> Outcome:
    """Build the learner's Dockerfile into an owned tag; later checks inspect and run that image."""
    problem = _context_problem(ctx, context, dockerfile)
    if problem:
        return problem
    result = run_build(ctx, ctx.path(context), dockerfile=dockerfile, tag=tag, timeout=timeout)
    ctx.refresh()
    ctx.builds[(context, dockerfile)] = result
    if not result.ok:
        return describe_build_failure(result, timeout)
    cached = sum(s.cached for s in result.learner_steps)
    return ok(
        _("built {id} in {seconds:.1f} s ({steps} steps, {cached} from the cache).").format(
            id=result.image_id[7:19], seconds=result.seconds, steps=len(result.learner_steps), cached=cached
        )
    )


def _dependency_step(steps: list[BuildStep], marker: str) -> BuildStep | None:
    return next((s for s in steps if s.keyword == "RUN" and marker in s.instruction), None)


@kind(
    "rebuild_reuses_cache",
    N_("after a change to {change} only, the rebuild takes the RUN step that uses {dependency!r} from the cache"),
    behaviour=True,
)
def rebuild_reuses_cache(
    ctx: CheckContext,
    *,
    context: str,
    change: str,
    dependency: str,
    dockerfile: str = "Dockerfile",
    timeout: float = 120.0,
) -> Outcome:
    """Build, then rebuild a copy of the context in which only `change` differs.

    The dependency step (the RUN that mentions `dependency`) must come from
    the cache, and some later step must not (the change reached the image).
    If the dependency step runs again, the check stops that build at once
    and names the earlier step that invalidated the cache.
    """
    problem = _context_problem(ctx, context, dockerfile)
    if problem:
        return problem
    source = ctx.path(context)
    if not (source / change).is_file():
        return fail(
            _("There is no {path} to change.").format(path=f"{context}/{change}"),
            _("run the exercise's setup cell first"),
        )
    first = ctx.builds.get((context, dockerfile)) or run_build(ctx, source, dockerfile=dockerfile, timeout=timeout)
    try:
        return _compare_rebuild(
            ctx, first, source, change=change, dependency=dependency, dockerfile=dockerfile, timeout=timeout
        )
    finally:
        _remove_image_quietly(ctx, first.image_id)


def _compare_rebuild(
    ctx: CheckContext,
    first: BuildResult,
    source: Path,
    *,
    change: str,
    dependency: str,
    dockerfile: str,
    timeout: float,
) -> Outcome:
    """The second half of `rebuild_reuses_cache`: rebuild with `change` edited and read the cache hits."""
    if not first.ok:
        return describe_build_failure(first, timeout)
    dep = _dependency_step(first.learner_steps, dependency)
    if dep is None:
        return fail(
            _("No RUN step uses {dependency}, so nothing installs the dependencies it lists.").format(
                dependency=dependency
            ),
            _("add a step like `{instruction}`").format(
                instruction=f"RUN apt-get update && xargs apt-get install -y --no-install-recommends < {dependency} "
                "&& rm -rf /var/lib/apt/lists/*"
            ),
        )

    def stop_dependency(step: BuildStep) -> str | None:
        return "the dependency step ran again" if step.number == dep.number else None

    with tempfile.TemporaryDirectory(prefix="course-rebuild-") as tmp:
        copy = Path(tmp) / "context"
        shutil.copytree(source, copy, symlinks=True)
        with (copy / change).open("a", encoding="utf-8") as handle:
            # a token no earlier build saw, so this COPY can never hit a cache entry another check left behind
            handle.write(f"\n# changed by the course's check: {uuid.uuid4().hex}\n")
        second = run_build(
            ctx, copy, dockerfile=dockerfile, timeout=timeout, stop_if_runs=stop_dependency, discard_on_failure=True
        )
    _remove_image_quietly(ctx, second.image_id)
    again = next((s for s in second.learner_steps if s.number == dep.number), None)
    if again is None:
        return describe_build_failure(second, timeout)
    if not again.cached:
        culprit = next(
            (
                s
                for s in second.learner_steps
                if s.number < dep.number and s.keyword in ("COPY", "ADD") and not s.cached
            ),
            None,
        )
        because = (
            _(
                "The cache broke earlier, at {step}: it copies {change}, so its layer changed, and every step after a "
                "changed layer runs again."
            ).format(step=culprit, change=change)
            if culprit
            else _("An earlier step did not come from the cache, and every step after a changed layer runs again.")
        )
        return fail(
            _("Only {change} changed, yet {step} ran again instead of coming from the cache.").format(
                change=change, step=again
            )
            + " "
            + because,
            _(
                "what changes most goes last: "
                "COPY {dependency} alone, install, and only then COPY the source ({change})"
            ).format(dependency=dependency, change=change),
        )
    if not second.ok:
        return describe_build_failure(second, timeout)
    later = [s for s in second.learner_steps if s.number > dep.number and not s.cached]
    if not later:
        return fail(
            _(
                "Every step came from the cache even though {change} changed: the image does not contain the new "
                "{change}."
            ).format(change=change),
            _("COPY {change} into the image after the dependency step").format(change=change),
        )
    return ok(
        _("{step} came from the cache; {later} ran again to take the new {change} ({seconds:.1f} s).").format(
            step=again, later=later[0], change=change, seconds=second.seconds
        )
    )


def _remove_image_quietly(ctx: CheckContext, image_id: str | None) -> None:
    """Remove an untagged image a check built (tagged ones stay for later checks; reset removes them)."""
    import docker.errors

    if not image_id:
        return
    try:
        if ctx.api.inspect_image(image_id).get("RepoTags"):
            return
        ctx.api.remove_image(image_id, force=False)
    except docker.errors.APIError:
        pass  # still used, or already gone: reset finds it by its labels


@kind("dockerfile_avoids_mistakes", N_("{path} has none of the notes' Dockerfile mistakes"))
def dockerfile_avoids_mistakes(ctx: CheckContext, *, path: str, manifest: str = "packages.txt") -> Outcome:
    """Name every classic mistake still present: install before the manifest, COPY without destination, late WORKDIR."""
    target = ctx.path(path)
    if not target.is_file():
        return fail(
            _("{path} does not exist yet.").format(path=path),
            _("run the exercise's setup cell, then your answer cell"),
        )
    mistakes = dockerfile_mistakes(target.read_text(encoding="utf-8", errors="replace"), manifest)
    if mistakes:
        count = ngettext("{count} mistake remains", "{count} mistakes remain", len(mistakes)).format(
            count=len(mistakes)
        )
        listed = "\n".join(f"  {n}. {m}" for n, m in enumerate(mistakes, start=1))
        return fail(f"{count}:\n{listed}", _("fix them one by one, from the top of the file"))
    return ok(_("WORKDIR comes first, the manifest is copied before the install, and every COPY has a destination."))
