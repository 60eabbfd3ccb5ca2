"""Mutants of a reference solution: one small change each, found mechanically (pure logic, no daemon)."""

from __future__ import annotations

from checker.registry import Equivalent, Exercise, Step, WrongAnswer
from course.mutations import mutants, option_drops, port_swaps

RUN = (
    'docker run -d --name site -p 8301:8000 -v "$PWD/site":/site python:3.11-slim python3 -m http.server 8000 -d /site'
)


def test_each_docker_option_is_dropped_with_its_value_and_nothing_after_the_image() -> None:
    dropped = [what for what, _line in option_drops(RUN)]
    assert dropped == ["-d", "--name site", "-p 8301:8000", '-v "$PWD/site":/site']
    line = dict(option_drops(RUN))["-p 8301:8000"]
    assert (
        line == 'docker run -d --name site -v "$PWD/site":/site python:3.11-slim python3 -m http.server 8000 -d /site'
    )


def test_subcommands_decide_which_options_take_a_value() -> None:
    assert [w for w, _ in option_drops("docker build -f web.Dockerfile -t site:v1 ctx")] == [
        "-f web.Dockerfile",
        "-t site:v1",
    ]
    assert [w for w, _ in option_drops("docker run -t --rm busybox:1.35 true")] == ["-t", "--rm"]
    assert [w for w, _ in option_drops("docker compose -f x.yml up -d --build web")] == ["-f x.yml", "-d", "--build"]
    assert [w for w, _ in option_drops("docker network create -d bridge net")] == ["-d bridge"]
    assert list(option_drops("echo hi | docker run -i busybox:1.35 cat")) == []


def test_published_ports_are_swapped_but_not_when_equal() -> None:
    assert [line for _flag, line in port_swaps(RUN)] == [RUN.replace("8301:8000", "8000:8301")]
    assert list(port_swaps("docker run -p 8080:8080 web")) == []
    assert [line for _f, line in port_swaps("docker run -p 127.0.0.1:8301:80 web")] == [
        "docker run -p 127.0.0.1:80:8301 web"
    ]


def test_file_steps_lose_one_meaningful_line_at_a_time() -> None:
    dockerfile = 'FROM python:3.11-slim\n\n# the app\nCOPY app.py .\nCMD ["python3", "app.py"]'
    exercise = Exercise(
        id="demo",
        title="Demo",
        notebook="09-demo",
        points=1.0,
        hints=("a",),
        checks=(),
        solution=(Step(file="Dockerfile", content=dockerfile), Step(shell="docker build -t demo .")),
        wrong=(WrongAnswer("x", (), "y"),),
        equivalent=(Equivalent("step 2: drop `-t demo`", "a reason"),),
    )
    names = [m.name for m in mutants(exercise)]
    assert names == [
        "step 1: drop line `FROM python:3.11-slim`",
        "step 1: drop line `COPY app.py .`",
        'step 1: drop line `CMD ["python3", "app.py"]`',
        "step 2: drop `-t demo`",
    ]
    first = mutants(exercise)[0]
    assert first.steps[0].content.startswith("\n# the app") and first.steps[1] == exercise.solution[1]
