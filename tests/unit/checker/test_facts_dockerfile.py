"""The Dockerfile reader (checker/facts/dockerfile.py): instructions with their lines, and the notes' mistakes."""

from __future__ import annotations

from checker.facts.dockerfile import Instruction, copies_file, copy_operands, dockerfile_mistakes, parse_dockerfile

NOTES = """FROM python:3.11-slim
RUN apt-get update && xargs apt-get install -y < packages.txt
COPY packages.txt ./
COPY app.py
WORKDIR /app
CMD ["8000"]
"""
FIXED = """FROM python:3.11-slim
WORKDIR /app
COPY packages.txt ./
RUN apt-get update \\
 && xargs apt-get install -y < packages.txt
COPY app.py .
"""


def test_instructions_keep_their_first_line_and_join_continuations() -> None:
    text = "# a comment\n\nfrom busybox:1.35\nRUN echo one \\\n  # inside\n  && echo two\ncopy a b\n"
    assert parse_dockerfile(text) == [
        Instruction(3, "FROM", "busybox:1.35"),
        Instruction(4, "RUN", "echo one && echo two"),
        Instruction(7, "COPY", "a b"),
    ]


def test_a_trailing_continuation_still_ends_an_instruction() -> None:
    assert parse_dockerfile("RUN echo \\") == [Instruction(1, "RUN", "echo")]


def test_an_instruction_names_itself_by_line_and_shortens_long_text() -> None:
    assert str(Instruction(2, "COPY", "app.py")) == "line 2 `COPY app.py`"
    long = str(Instruction(9, "RUN", "x" * 100))
    assert long.endswith("…`") and len(long) < 90


def test_copy_operands_read_both_forms_without_flags() -> None:
    assert copy_operands("--chown=1:1 src/ /app/") == ["src/", "/app/"]
    assert copy_operands('["a b.txt", "/dest/"]') == ["a b.txt", "/dest/"]
    assert copy_operands("'unbalanced /x") == ["'unbalanced", "/x"]


def test_a_copy_brings_a_file_by_name_folder_or_pattern() -> None:
    assert copies_file(Instruction(1, "COPY", "packages.txt ./"), "packages.txt")
    assert copies_file(Instruction(1, "COPY", ". ."), "packages.txt")
    assert copies_file(Instruction(1, "COPY", "*.txt /app/"), "packages.txt")
    assert not copies_file(Instruction(1, "COPY", "app.py ."), "packages.txt")


def test_the_three_mistakes_are_named_in_file_order() -> None:
    mistakes = dockerfile_mistakes(NOTES, "packages.txt")
    assert len(mistakes) == 3
    assert mistakes[0].startswith("line 2 `RUN apt-get update") and "(it is copied only later, at line 3" in mistakes[0]
    assert mistakes[1].startswith("line 4 `COPY app.py` has no destination")
    assert mistakes[2].startswith("line 5 `WORKDIR /app` comes after line 2")


def test_a_fixed_file_has_no_mistake_and_a_missing_workdir_is_one() -> None:
    assert dockerfile_mistakes(FIXED, "packages.txt") == []
    without = dockerfile_mistakes(FIXED.replace("WORKDIR /app\n", ""), "packages.txt")
    assert len(without) == 1 and "there is no WORKDIR" in without[0]


def test_each_build_stage_is_judged_on_its_own() -> None:
    stages = "FROM busybox AS build\nWORKDIR /src\nCOPY . .\nFROM busybox\nCOPY --from=build /src/out out\n"
    assert dockerfile_mistakes(stages, "packages.txt") == [
        "there is no WORKDIR, so line 5 `COPY --from=build /src/out out` and the rest work in `/`: "
        "set `WORKDIR /app` before them"
    ]


def test_a_late_workdir_is_no_mistake_when_nothing_before_it_uses_the_current_folder() -> None:
    absolute = (
        "FROM python:3.11-slim\nCOPY packages.txt /app/\nRUN xargs apt-get install -y < /app/packages.txt\n"
        "COPY app.py /app/app.py\nWORKDIR /app\n"
    )
    assert dockerfile_mistakes(absolute, "packages.txt") == []
    relative_run = absolute.replace("< /app/packages.txt", "< packages.txt")
    assert dockerfile_mistakes(relative_run, "packages.txt")[-1].startswith("line 5 `WORKDIR /app` comes after line 3")
    relative_copy = absolute.replace("COPY app.py /app/app.py", "COPY app.py .")
    assert dockerfile_mistakes(relative_copy, "packages.txt")[-1].startswith("line 5 `WORKDIR /app` comes after line 4")
