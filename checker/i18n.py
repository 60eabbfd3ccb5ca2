"""The course's words in the learner's language: gettext catalogues made and read with Babel.

English is the source: every learner-facing string is written in English in
the code or the chapter files and marked for extraction (`_()` where it is
used, `N_()` where it is only defined). The Korean words live in one standard
PO catalogue, `checker/locale/ko/LC_MESSAGES/course.po`; `make messages`
extracts the strings (pybabel, with `babel.cfg`) and updates it. The PO file
is read directly (Babel compiles it in memory): no binary file is committed.

The language, for every command and kernel: COURSE_LANG if set (`lab --lang
ko` sets it and remembers it in the progress file), else the remembered one,
else the locale (LANG=ko_KR.UTF-8 gives Korean), else English.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import lru_cache

from checker import settings

LANGUAGES = {"en": "English", "ko": "한국어"}
SOURCE_LANGUAGE = "en"
DOMAIN = "course"
LOCALE_DIR = settings.REPO_ROOT / "checker" / "locale"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def catalogue_path(lang: str) -> os.PathLike[str]:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def from_locale(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The course language a POSIX locale asks for (`ko_KR.UTF-8` → "ko"), if the course has it."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else None
    return None


def remembered() -> str | None:
    """The language saved with the learner's progress by `lab --lang`."""
    from checker import progress

    lang = progress.load().get("lang")
    return lang if lang in LANGUAGES else None


def language() -> str:
    """The language of this process (see the module's docstring for the order)."""
    explicit = settings.LANG.get()
    if explicit in LANGUAGES:
        return explicit
    return remembered() or from_locale() or SOURCE_LANGUAGE


def use(lang: str) -> None:
    """Switch this process (and what it starts) to `lang`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; the course has {', '.join(LANGUAGES)}")
    os.environ[settings.LANG.name] = lang


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang` (English: none, the source strings are the English). A checkout without the
    catalogue (a partial copy) falls back to English rather than failing every command."""
    if lang == SOURCE_LANGUAGE or not os.path.exists(catalogue_path(lang)):
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(catalogue_path(lang), "rb") as handle:
        catalogue = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """`message` in the learner's language (itself when there is no translation)."""
    if not message:
        return message
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(language()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks a string for extraction where it is defined; `_()` translates it where it is shown."""
    return message
