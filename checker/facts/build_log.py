"""Reading a classic build's log: its steps, which came from the cache, and which container runs one.

Pure logic: the stream is fed in as it arrives (it may split lines anywhere),
and a callback hears of each step that really runs, so a build can be stopped
the moment a step it should have taken from the cache starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from checker.i18n import _

STEP_LINE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
RUNNING_IN = re.compile(r"^ ---> Running in ([0-9a-f]{6,})")
STEP_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12,})\s*$")
TAIL_LINES = 12


@dataclass
class BuildStep:
    """One `Step N/M : INSTRUCTION` of a classic build, and whether the cache supplied it."""

    number: int
    total: int
    instruction: str
    cached: bool = False
    container: str | None = None  # the intermediate container of a step that really ran
    image: str | None = None  # the layer (intermediate image) the step produced

    @property
    def keyword(self) -> str:
        return self.instruction.split(None, 1)[0].upper() if self.instruction.strip() else ""

    @property
    def added_by_check(self) -> bool:
        """The LABEL step the builder appends for the course's labels is not the learner's."""
        return self.keyword == "LABEL" and "org.dockercourse." in self.instruction

    def __str__(self) -> str:
        text = self.instruction if len(self.instruction) <= 90 else self.instruction[:87] + "…"
        return _("step {number}/{total} `{instruction}`").format(number=self.number, total=self.total, instruction=text)


@dataclass
class BuildResult:
    """What one build did: its steps, log, image, and why it failed or was stopped."""

    image_id: str | None = None
    steps: list[BuildStep] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    stopped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.image_id is not None and self.error is None and not self.timed_out and self.stopped is None

    @property
    def learner_steps(self) -> list[BuildStep]:
        return [s for s in self.steps if not s.added_by_check]

    @property
    def last_step(self) -> BuildStep | None:
        return self.steps[-1] if self.steps else None

    def tail(self, count: int = TAIL_LINES) -> str:
        lines = [line for line in self.lines if line.strip()]
        return "\n".join(lines[-count:]) or _("(no output)")


class StepParser:
    """Feeds the build stream, line by line, into BuildSteps (the stream may split lines anywhere)."""

    def __init__(self, result: BuildResult, on_step_runs: Callable[[BuildStep], None]) -> None:
        self.result = result
        self.on_step_runs = on_step_runs
        self.buffer = ""

    def feed(self, text: str) -> None:
        self.buffer += text
        *complete, self.buffer = self.buffer.split("\n")
        for line in complete:
            self.line(line.rstrip("\r"))

    def flush(self) -> None:
        if self.buffer:
            self.line(self.buffer)
            self.buffer = ""

    def line(self, line: str) -> None:
        self.result.lines.append(line)
        match = STEP_LINE.match(line)
        if match:
            self.result.steps.append(BuildStep(int(match.group(1)), int(match.group(2)), match.group(3).strip()))
            return
        step = self.result.last_step
        if step is None:
            return
        if line.startswith(" ---> Using cache"):
            step.cached = True
        made = STEP_IMAGE.match(line)
        if made:
            step.image = made.group(1)
        running = RUNNING_IN.match(line)
        if running and step.container is None:
            step.container = running.group(1)
            self.on_step_runs(step)
