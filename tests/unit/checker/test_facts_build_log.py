"""The classic build log reader (checker/facts/build_log.py): steps, cache hits, the container a step runs in."""

from __future__ import annotations

from checker.facts.build_log import BuildResult, BuildStep, StepParser

LOG = (
    "Step 1/4 : FROM busybox:1.35\n ---> 0123456789ab\n"
    "Step 2/4 : COPY deps.txt .\n ---> Using cache\n ---> 1111111111aa\n"
    "Step 3/4 : RUN cat deps.txt\n ---> Running in abcdef123456\nhello\n ---> 2222222222bb\n"
    "Step 4/4 : LABEL org.dockercourse.managed=true\n ---> Running in fedcba654321\n ---> 3333333333cc\n"
)


def parse(chunks: list[str]) -> tuple[BuildResult, list[BuildStep]]:
    result, ran = BuildResult(), []
    parser = StepParser(result, ran.append)
    for chunk in chunks:
        parser.feed(chunk)
    parser.flush()
    return result, ran


def test_steps_cache_hits_and_layers_are_read() -> None:
    result, ran = parse([LOG])
    assert [(s.number, s.keyword, s.cached) for s in result.steps] == [
        (1, "FROM", False),
        (2, "COPY", True),
        (3, "RUN", False),
        (4, "LABEL", False),
    ]
    assert result.steps[1].image == "1111111111aa" and result.steps[2].container == "abcdef123456"
    assert [s.number for s in ran] == [3, 4]


def test_a_stream_split_anywhere_reads_the_same() -> None:
    whole, _ = parse([LOG])
    pieces, _ = parse([LOG[i : i + 7] for i in range(0, len(LOG), 7)])
    assert pieces.steps == whole.steps and pieces.lines == whole.lines


def test_the_label_step_the_check_adds_is_not_the_learners() -> None:
    result, _ = parse([LOG])
    assert result.steps[3].added_by_check
    assert [s.number for s in result.learner_steps] == [1, 2, 3]
    assert str(result.steps[2]) == "step 3/4 `RUN cat deps.txt`"


def test_a_result_is_ok_only_with_an_image_and_no_error() -> None:
    result, _ = parse([LOG])
    assert not result.ok
    result.image_id = "sha256:3333333333cc"
    assert result.ok
    result.timed_out = True
    assert not result.ok
    assert result.tail(2) == " ---> Running in fedcba654321\n ---> 3333333333cc"
    assert BuildResult().tail() == "(no output)"
