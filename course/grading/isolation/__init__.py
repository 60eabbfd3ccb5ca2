"""Isolated Docker daemons for parallel grading: one network namespace, containerd and dockerd per worker.

Two learners' notebooks both create a container called `hello-course` and
publish host port 8301. Graded side by side on one daemon they would collide,
so `grade --jobs N` gives each worker its own daemon in its own network
namespace (what ENVIRONMENT.md saw work; docker-in-docker did not): container
names, networks, images and host ports (each namespace has its own localhost)
are all separate. A submission's kernel and the grader's checks run under
`nsenter --net=…` with DOCKER_HOST pointing at the worker's socket.

This isolates names, ports and visibility. It is NOT a security boundary: a
Docker socket is root on the host. Untrusted submissions need VMs.

Everything is torn down at the end, even after a failure or Ctrl-C: the
daemons are stopped, the namespaces deleted, mounts and cgroups released and
the temporary folders removed. The main daemon is never touched.

host     can this machine isolate, and the tools that tidy up after a worker
(a worker's way out to the package mirror is a sandbox's: course.sandbox.uplink)
worker   one worker: its namespace, containerd, dockerd, wipe and teardown
pool     the workers of one grading run
"""

from __future__ import annotations

from course.grading.isolation.host import IsolationUnavailable, isolation_problem, require_isolation
from course.grading.isolation.pool import WorkerPool
from course.grading.isolation.worker import Worker

__all__ = ["IsolationUnavailable", "Worker", "WorkerPool", "isolation_problem", "require_isolation"]
