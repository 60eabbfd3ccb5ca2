"""The workshop's single-user image for Zero to JupyterHub: its Dockerfile, entry point and builder (build.py).

`python -m course.workshop.image` builds `docker-course/singleuser:<version>`; docs/scaling.md says how a
cluster runs it, with a Docker daemon per learner pod.
"""
