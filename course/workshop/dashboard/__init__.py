"""The instructor dashboard: a JupyterHub service showing the class live, for the hub's admins only.

The hub runs it (`python -m course.workshop.dashboard`) and proxies it under
/services/dashboard/. It reads the same files as `workshop status` and
`workshop export` (course.workshop.report builds the view from them): one row per
learner, one cell per exercise, who is stuck and why, the pass rate per exercise.
`app` serves it, `page` draws it, `assets` styles and refreshes it, `text` holds the
translation hooks.
"""

from __future__ import annotations
