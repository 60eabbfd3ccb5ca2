#!/bin/sh
# Entry point of the workshop's single-user image: the learner's copy of the notebooks, then the command
# (`jupyterhub-singleuser` on the hub, anything else when run by hand).
#
# On the hub the home is a volume mounted over /home/jovyan, so the notebooks cannot be baked into it:
# each start copies the image's notebooks that the learner does not have yet. A file already there is
# never overwritten, so a learner keeps their edits and a newer image still brings its new chapters.
# The server then starts in that folder, which is its root: /lab/tree/00-start-here.ipynb opens the course.
set -eu

work="${COURSE_WORKDIR:-$HOME/course}"
mkdir -p "$work/workspace"
for notebook in /opt/docker-course/src/notebooks/*.ipynb; do
    [ -e "$work/${notebook##*/}" ] || cp "$notebook" "$work/"
done
cd "$work"
exec "$@"
