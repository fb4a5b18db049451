#!/usr/bin/env bash
# Write the dev overlay's secrets.env with fresh random passwords (never committed).
#   scripts/k8s-dev-secrets.sh [FILE]   (default k8s/overlays/dev-deps/secrets.env)
set -euo pipefail

out=${1:-k8s/overlays/dev-deps/secrets.env}
if [[ -s "$out" ]]; then
  echo "$out exists; keeping it" >&2
  exit 0
fi
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
pg=$(random)
rd=$(random)
umask 077
cat >"$out" <<ENV
POSTGRES_USER=conveyor
POSTGRES_PASSWORD=$pg
REDIS_PASSWORD=$rd
DATABASE_URL=postgresql+psycopg://conveyor:$pg@conveyor-postgres:5432/conveyor
REDIS_URL=redis://:$rd@conveyor-redis:6379/0
CONVEYOR_BOOTSTRAP_ADMIN_KEY=$(random)$(random)
ENV
echo "wrote $out"
