#!/bin/sh
# Same contract as the official registry image's entrypoint: an existing file
# as first argument means "registry serve FILE"; "sh" runs a shell; a registry
# subcommand or flag runs the registry; anything else runs as given.
set -e

if [ -f "$1" ]; then
    set -- registry serve "$@"
fi

case "$1" in
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac

exec "$@"
