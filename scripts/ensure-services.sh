#!/usr/bin/env bash
# Make sure PostgreSQL, MariaDB and Redis listen on 127.0.0.1 before the tests run.
# Starts whichever is down (with the commands this machine kind documents). Under CI=true a
# service that still does not answer fails the run, so storage tests are never skipped there.
set -u

is_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_up() {
  for _ in $(seq 1 40); do is_up "$1" && return 0; sleep 0.25; done
  return 1
}

start_postgres() {
  command -v pg_ctlcluster >/dev/null || return 1
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
}
start_mariadb() {
  command -v start-stop-daemon >/dev/null && [ -x /usr/sbin/mariadbd ] || return 1
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}
start_redis() {
  command -v redis-server >/dev/null || return 1
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
}

failed=0
for spec in "postgres:5432" "mariadb:3306" "redis:6379"; do
  name=${spec%%:*}; port=${spec##*:}
  if is_up "$port"; then continue; fi
  echo "ensure-services: $name is down on 127.0.0.1:$port, starting it" >&2
  "start_$name" >/dev/null 2>&1 || true
  if ! wait_up "$port"; then
    echo "ensure-services: $name did not come up on 127.0.0.1:$port" >&2
    failed=1
  fi
done

if [ "$failed" -ne 0 ] && [ "${CI:-}" = "true" ]; then
  echo "ensure-services: a required service is missing and CI=true, failing the run" >&2
  exit 1
fi
exit 0
