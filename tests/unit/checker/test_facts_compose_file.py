"""What the compose-file reader (checker/facts/compose_file.py) finds that Compose does not say at once."""

from __future__ import annotations

import yaml

from checker.facts.compose_file import Validation, duplicate_keys, file_mistakes, self_dependencies

TWICE = """services:
  web:
    image: busybox
    restart: always
    restart: no
"""
SELF = """services:
  web:
    depends_on: [web, db]
  db:
    depends_on:
      db:
        condition: service_started
"""


def test_a_key_given_twice_is_named_with_its_line() -> None:
    assert duplicate_keys(yaml.compose(TWICE, Loader=yaml.SafeLoader)) == [
        "`restart:` is given twice (line 5); a key may appear only once"
    ]


def test_services_that_depend_on_themselves_are_named_in_both_forms() -> None:
    root = yaml.compose(SELF, Loader=yaml.SafeLoader)
    assert self_dependencies(root) == ["service `web` depends on itself", "service `db` depends on itself"]
    assert self_dependencies(yaml.compose("- a\n", Loader=yaml.SafeLoader)) == []


def test_every_mistake_at_once_patterns_first() -> None:
    problems = file_mistakes(TWICE, {"obsolete version": r"^version:", "restart always": r"restart: always"})
    assert problems == ["restart always", "`restart:` is given twice (line 5); a key may appear only once"]


def test_a_mistake_named_in_a_comment_is_not_the_mistake() -> None:
    """A learner's note (`# was envirionment:`) must not fail a fixed file; a `#` inside a string is no comment."""
    fixed = "# fixed: envirionment\nservices:\n  web:\n    environment:  # was envirionment\n"
    fixed += "      A: 'x # envirionment'\n"
    assert file_mistakes(fixed, {"misspelt": "envirionment"}) == ["misspelt"]
    assert file_mistakes(fixed.replace("'x # envirionment'", "x"), {"misspelt": "envirionment"}) == []


def test_a_file_that_is_not_yaml_says_so_with_its_line() -> None:
    problems = file_mistakes("services:\n  web: [unclosed\n")
    assert len(problems) == 1 and "not valid YAML yet (line 3)" in problems[0]


def test_one_policy_for_warnings() -> None:
    assert Validation(True, "").accepted and not Validation(True, "").warns
    assert Validation(True, "warn: version is obsolete").warns
    assert not Validation(False, "error").warns
