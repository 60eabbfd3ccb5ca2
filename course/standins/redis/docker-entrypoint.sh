#!/bin/sh
# Behaves like the official redis image's entrypoint: options alone or a .conf
# file mean "redis-server ..."; redis-server drops from root to the redis user
# after taking ownership of /data. The official binary is built with protected
# mode off; Debian's is not, so switch it off unless the command sets it.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ]; then
    case " $* " in
        *protected-mode*) ;;
        *) set -- "$@" --protected-mode no ;;
    esac
    if [ "$(id -u)" = '0' ]; then
        find . \! -user redis -exec chown redis '{}' +
        exec setpriv --reuid=redis --regid=redis --init-groups "$@"
    fi
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
    umask 0077
fi

exec "$@"
