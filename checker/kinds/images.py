"""Check kinds about images: existence and the config a Dockerfile produced."""
from __future__ import annotations

from typing import Any

from checker.context import CheckContext
from checker.kinds import Outcome, fail, kind, ok


def missing_image(name: str) -> Outcome:
    return fail(f"There is no image {name!r}.", f"build or tag it: `docker build -t {name} .`; `docker images` lists yours")


@kind("image_exists", "image {image} exists")
def image_exists(ctx: CheckContext, *, image: str) -> Outcome:
    info = ctx.image(image)
    if info is None:
        return missing_image(image)
    return ok(f"found ({info['Id'][7:19]}).")


@kind("image_absent", "image {image} is gone")
def image_absent(ctx: CheckContext, *, image: str) -> Outcome:
    if ctx.image(image) is not None:
        return fail(f"The image {image!r} is still there.", f"`docker rmi {image}` (remove its containers first)")
    return ok("it no longer exists.")


def _compare(field: str, actual: Any, expected: Any, flag: str) -> Outcome | None:
    if actual != expected:
        return fail(f"{field} is {actual!r}, expected {expected!r}.", flag)
    return None


@kind("image_config", "image {image} is configured as the exercise asks")
def image_config(
    ctx: CheckContext,
    *,
    image: str,
    workdir: str | None = None,
    cmd: list[str] | None = None,
    entrypoint: list[str] | None = None,
    exposed_ports: list[str] | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> Outcome:
    info = ctx.image(image)
    if info is None:
        return missing_image(image)
    config = info.get("Config") or {}
    checks = []
    if workdir is not None:
        checks.append(_compare("WorkingDir", config.get("WorkingDir") or "", workdir, f"set `WORKDIR {workdir}`"))
    if cmd is not None:
        checks.append(_compare("Cmd", config.get("Cmd"), cmd, f"use the exec form: `CMD {cmd}`".replace("'", '"')))
    if entrypoint is not None:
        checks.append(_compare("Entrypoint", config.get("Entrypoint"), entrypoint, f"use the exec form: `ENTRYPOINT {entrypoint}`".replace("'", '"')))
    if exposed_ports is not None:
        actual = sorted((config.get("ExposedPorts") or {}).keys())
        checks.append(_compare("ExposedPorts", actual, sorted(exposed_ports), "add `EXPOSE " + " ".join(p.split("/")[0] for p in exposed_ports) + "`"))
    if user is not None:
        checks.append(_compare("User", config.get("User") or "", user, f"add `USER {user}`"))
    if env is not None:
        actual_env = dict(item.split("=", 1) for item in config.get("Env") or [] if "=" in item)
        for key, value in env.items():
            checks.append(_compare(f"ENV {key}", actual_env.get(key), value, f"add `ENV {key}={value}`"))
    failures = [c for c in checks if c is not None]
    if failures:
        first = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        return fail(first.message + more, first.hint)
    return ok("config matches.")
