"""The image security kinds (checker/kinds/image_security.py) against the real daemon: USER, the uid of PID 1,
and secrets read out of every layer through `docker save`."""

from __future__ import annotations

import pytest

from checker.kinds import builds, image_security

from .helpers import BUSYBOX, build_image, labelled, tag_for, write, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-image-security"
SECRET = "s3cr3t-token-for-the-layer-test"


def test_image_user_not_root(ctx, tracker, docker_client) -> None:
    user, root = tag_for(tracker, "user"), tag_for(tracker, "root")
    build_image(docker_client, tracker, EXERCISE, user, f"FROM {BUSYBOX}\nUSER 10001\n")
    build_image(docker_client, tracker, EXERCISE, root, f"FROM {BUSYBOX}\n")
    assert image_security.image_user_not_root(ctx, image=user).passed
    outcome = image_security.image_user_not_root(ctx, image=root)
    assert not outcome.passed and "every container from it runs as root" in outcome.message


def test_image_process_uid_reads_pid_1(ctx, tracker, docker_client) -> None:
    user, root, ghost = tag_for(tracker, "uid"), tag_for(tracker, "uid0"), tag_for(tracker, "ghost")
    build_image(docker_client, tracker, EXERCISE, user, f'FROM {BUSYBOX}\nUSER 10001\nCMD ["sleep", "30"]\n')
    build_image(docker_client, tracker, EXERCISE, root, f'FROM {BUSYBOX}\nCMD ["sleep", "30"]\n')
    build_image(docker_client, tracker, EXERCISE, ghost, f'FROM {BUSYBOX}\nUSER nosuchuser\nCMD ["sleep", "30"]\n')
    outcome = image_security.image_process_uid(ctx, image=user)
    assert outcome.passed and "uid 10001" in outcome.message, outcome.message
    outcome = image_security.image_process_uid(ctx, image=root)
    assert not outcome.passed and "PID 1 runs as uid 0 (root)" in outcome.message
    outcome = image_security.image_process_uid(ctx, image=ghost)
    assert not outcome.passed and "no matching entries in passwd file" in outcome.message, outcome.message
    assert not labelled(docker_client, EXERCISE)


def test_image_process_uid_shows_why_the_app_stopped(ctx, tracker, docker_client) -> None:
    quitter = tag_for(tracker, "quits")
    build_image(
        docker_client, tracker, EXERCISE, quitter, f'FROM {BUSYBOX}\nUSER 10001\nCMD ["sh", "-c", "echo bye; exit 3"]\n'
    )
    outcome = image_security.image_process_uid(ctx, image=quitter)
    assert not outcome.passed and "exited with code 3" in outcome.message and "bye" in outcome.message


def _secret_image(ctx, tracker, tmp_path, name: str, dockerfile: str) -> str:
    tag = tag_for(tracker, name)
    context = write_context(tmp_path, name, dockerfile, {"token.txt": SECRET + "\n"})
    assert builds.dockerfile_builds(ctx, context=context, tag=tag).passed
    return tag


def test_image_layers_lack_secret(ctx, tracker, tmp_path) -> None:
    write(ctx, "secret.txt", SECRET + "\n")
    leaky = _secret_image(
        ctx, tracker, tmp_path, "leaky", f"FROM {BUSYBOX}\nCOPY token.txt /tmp/token.txt\nRUN rm /tmp/token.txt\n"
    )
    sealed = _secret_image(
        ctx,
        tracker,
        tmp_path,
        "sealed",
        f"FROM {BUSYBOX} AS use\nCOPY token.txt /tmp/token.txt\nRUN wc -c < /tmp/token.txt > /size\n"
        f"FROM {BUSYBOX}\nCOPY --from=use /size /size\n",
    )
    env = _secret_image(ctx, tracker, tmp_path, "env", f"FROM {BUSYBOX}\nENV TOKEN={SECRET}\n")
    outcome = image_security.image_layers_lack_secret(ctx, image=leaky, secret_file="secret.txt")
    assert not outcome.passed and "holds /tmp/token.txt" in outcome.message
    assert "A later step deletes it, but that only hides it" in outcome.message
    assert image_security.image_layers_lack_secret(ctx, image=sealed, secret_file="secret.txt").passed
    outcome = image_security.image_layers_lack_secret(ctx, image=env, secret_file="secret.txt")
    assert not outcome.passed and "config or history holds the secret" in outcome.message


def test_answer_matches_layer_file(ctx, tracker, tmp_path) -> None:
    leaky = _secret_image(
        ctx, tracker, tmp_path, "dig", f"FROM {BUSYBOX}\nCOPY token.txt /tmp/token.txt\nRUN rm /tmp/token.txt\n"
    )
    write(ctx, "found.txt", SECRET + "\n")
    outcome = image_security.answer_matches_layer_file(ctx, image=leaky, layer_path="tmp/token.txt", path="found.txt")
    assert outcome.passed, outcome.message
    write(ctx, "found.txt", "a guess\n")
    outcome = image_security.answer_matches_layer_file(ctx, image=leaky, layer_path="tmp/token.txt", path="found.txt")
    assert not outcome.passed and "which is not the tmp/token.txt hidden in the layers" in outcome.message
