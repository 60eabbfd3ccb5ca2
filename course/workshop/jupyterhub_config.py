"""The file `jupyterhub -f` reads: the workshop's settings, from its state folder (course.workshop.hub)."""

from course.workshop.hub import configure
from course.workshop.state import Workshop

workshop = Workshop.load()
if workshop is None:
    raise SystemExit("No workshop is set up: start it with `python -m course workshop up`.")
configure(get_config(), workshop)  # noqa: F821 (get_config is given by the hub's config loader)
