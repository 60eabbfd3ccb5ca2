"""A compose file: Compose's own `config` is the validator; YAML is read only to name mistakes.

One policy for warnings: Compose's warnings (an obsolete `version:`, an unset
variable) fail the check unless the check allows them, because a file that
warns does something other than what it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.compose_project import compose_output, run_compose
from checker.i18n import _

DEPENDS_KEYS = ("depends_on", "depend_on")


@dataclass(frozen=True)
class Validation:
    """What `docker compose config` said about a file."""

    accepted: bool
    message: str  # Compose's own words (errors or warnings), trimmed
    timed_out: bool = False

    @property
    def warns(self) -> bool:
        return self.accepted and bool(self.message)


def validate(file: Path, project: str | None = None, timeout: float = 30) -> Validation:
    """`docker compose -f FILE config --quiet` in the file's folder."""
    run = run_compose(["-f", file.name, "config", "--quiet"], cwd=file.parent, project=project, timeout=timeout)
    if run.returncode is None:
        return Validation(False, "", timed_out=True)
    return Validation(run.returncode == 0, compose_output(run.output))


def duplicate_keys(node: Any) -> list[str]:
    """Keys given twice in one mapping (YAML loaders silently keep the last one)."""
    import yaml

    found: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    found.append(
                        _("`{key}:` is given twice (line {line}); a key may appear only once").format(
                            key=key.value, line=key.start_mark.line + 1
                        )
                    )
                seen.add(key.value)
            found += duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += duplicate_keys(item)
    return found


def self_dependencies(root: Any) -> list[str]:
    """Services listed in their own depends_on (every occurrence, even in a duplicated key)."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return []
    services = next((v for k, v in root.value if getattr(k, "value", None) == "services"), None)
    found: list[str] = []
    for name, service in services.value if isinstance(services, yaml.MappingNode) else ():
        if not isinstance(service, yaml.MappingNode):
            continue
        for key, deps in service.value:
            if getattr(key, "value", None) not in DEPENDS_KEYS:
                continue
            if isinstance(deps, yaml.SequenceNode):
                names = [getattr(item, "value", None) for item in deps.value]
            elif isinstance(deps, yaml.MappingNode):
                names = [getattr(k, "value", None) for k, _value in deps.value]
            else:
                names = []
            problem = _("service `{service}` depends on itself").format(service=name.value)
            if name.value in names and problem not in found:
                found.append(problem)
    return found


COMMENT = re.compile(r"""^((?:[^#"']|"[^"]*"|'[^']*')*?)(?:(?<=\s)|^)#.*$""", re.MULTILINE)


def without_comments(text: str) -> str:
    """The YAML without its comments: a learner's note such as `# was envirionment:` is not the mistake itself."""
    return COMMENT.sub(lambda m: m.group(1).rstrip(), text)


def file_mistakes(text: str, patterns: dict[str, str] | None = None) -> list[str]:
    """Every mistake at once (Compose stops at the first): listed patterns (outside comments), duplicate keys,
    self-dependencies."""
    import yaml

    code = without_comments(text)
    listed = (patterns or {}).items()  # each mistake's description comes from the chapter file, in English
    problems = [_(what) for what, pattern in listed if re.search(pattern, code, re.MULTILINE)]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        problems += duplicate_keys(root) + self_dependencies(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(
            _(
                "the file is not valid YAML yet (line {line}), so duplicate keys and self-dependencies cannot be "
                "looked for"
            ).format(line=mark.line + 1)
            if mark is not None
            else _("the file is not valid YAML yet, so duplicate keys and self-dependencies cannot be looked for")
        )
    return problems
