#!/usr/bin/env bash
# End to end with containers: build the api, worker and beat images with podman from a locally
# bootstrapped Debian bookworm base (no registry needed), render the chart, `podman kube play`
# its api, worker and beat Deployments on the host network against a PostgreSQL and a Redis on
# this machine, submit a job through the api and wait for it to succeed. Everything started is
# torn down on exit.
#
#   make e2e-pods                    (root; installs podman, runc, debootstrap when missing)
#   E2E_KEEP_BASE=1 make e2e-pods    (reuse the base image of an earlier run)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAG=${E2E_TAG:-e2e}
BASE=localhost/conveyor-base:bookworm
WORK=$(mktemp -d -t conveyor-e2e.XXXXXX)
HELM="$ROOT/bin/helm"
LOG="$WORK/e2e.log"
started=$(date +%s)
declare -A timing

step() { echo "== $*" >&2; }
elapsed() { echo $(($(date +%s) - started)); }

require_tools() {
  local missing=()
  for tool in podman runc debootstrap curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    step "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap curl uidmap >/dev/null
  fi
  bash "$ROOT/scripts/fetch-k8s-tools.sh" "$ROOT/bin" >/dev/null
}

# crun fails on hybrid cgroups here; the default nofile limit is above what the host allows.
write_containers_conf() {
  local nofile
  nofile=$(ulimit -Hn)
  cat >"$WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF="$WORK/containers.conf"
}

# ---------------------------------------------------------------- teardown
PLAYED=""
BACKING_PID=""
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$PLAYED" ]]; then
    podman kube down "$PLAYED" >/dev/null 2>&1
  fi
  for pod in $(podman pod ls --filter label=conveyor-e2e=1 -q 2>/dev/null); do
    podman pod rm -f "$pod" >/dev/null 2>&1
  done
  podman rm -f conveyor-e2e-migrate >/dev/null 2>&1
  podman secret rm conveyor-secrets >/dev/null 2>&1
  if [[ -n "$BACKING_PID" ]]; then
    kill "$BACKING_PID" 2>/dev/null
    wait "$BACKING_PID" 2>/dev/null
  fi
  if ((rc != 0)); then
    echo "e2e-pods failed (exit $rc); logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

# ---------------------------------------------------------------- base image
debian_mirror() {
  local sources=/etc/apt/sources.list.d/debian.sources
  if [[ -f "$sources" ]]; then
    awk '/^URIs:/ {print $2; exit}' "$sources"
  else
    echo "http://deb.debian.org/debian"
  fi
}

build_base() {
  if [[ -n "${E2E_KEEP_BASE:-}" ]] && podman image exists "$BASE"; then
    step "reusing $BASE"
    return
  fi
  step "debootstrap bookworm (python3) -> $BASE"
  local rootfs="$WORK/rootfs"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,curl \
    bookworm "$rootfs" "$(debian_mirror)" >"$WORK/debootstrap.log" 2>&1
  # HTTPS from the build may pass through a proxy whose CA the host trusts: trust it too.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import - "$BASE" >/dev/null
  rm -rf "$rootfs"
}

build_images() {
  for svc in api worker beat; do
    step "podman build conveyor-$svc"
    podman build --network host -q -f "$ROOT/services/$svc/Dockerfile" \
      --build-arg "BASE_IMAGE=$BASE" -t "localhost/conveyor-$svc:$TAG" "$ROOT" >/dev/null
  done
}

# ---------------------------------------------------------------- backing services
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_backing() {
  step "PostgreSQL and Redis on 127.0.0.1"
  (cd "$ROOT" && exec uv run --frozen python - "$WORK/servers" >"$WORK/backing.out" 2>"$WORK/backing.log" <<'PY'
import signal
import sys
import threading
from pathlib import Path

from conveyor_cli.devstack import backing
from conveyor_cli.devstack.ports import free_port

services = backing.start(Path(sys.argv[1]), database_url=None, redis_url=None,
                         postgres_port=free_port(), redis_port=free_port())
print(services.database_url, services.redis_url, flush=True)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
services.stop()
PY
  ) &
  BACKING_PID=$!
  for _ in $(seq 120); do
    [[ -s "$WORK/backing.out" ]] && break
    kill -0 "$BACKING_PID" 2>/dev/null || { cat "$WORK/backing.log" >&2; return 1; }
    sleep 0.5
  done
  read -r DATABASE_URL REDIS_URL <"$WORK/backing.out"
}

# ---------------------------------------------------------------- chart -> pods
ADMIN_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')

# podman 4.3 cannot read env from a Kubernetes Secret; a podman secret of the same name holding
# JSON {"KEY": "<base64>"} serves the chart's secretKeyRef instead.
create_secret() {
  python3 - "$DATABASE_URL" "$REDIS_URL" "$ADMIN_KEY" <<'PY' | podman secret create conveyor-secrets - >/dev/null
import base64
import json
import sys

names = ["DATABASE_URL", "REDIS_URL", "CONVEYOR_BOOTSTRAP_ADMIN_KEY"]
print(json.dumps({n: base64.b64encode(v.encode()).decode() for n, v in zip(names, sys.argv[1:])}))
PY
}

render() {
  API_PORT=$(free_port)
  "$HELM" template conveyor "$ROOT/charts/conveyor" --namespace conveyor \
    -f "$ROOT/charts/conveyor/ci/minimal-values.yaml" \
    --set image.registry=localhost --set image.tag="$TAG" --set image.pullPolicy=Never \
    --set config.environment=development --set config.extra.CONVEYOR_DIAGNOSTICS=true \
    --set api.port="$API_PORT" --set api.autoscaling.enabled=false --set api.replicas=1 \
    --set workers.default.metricsPort="$(free_port)" \
    --set workers.maintenance.metricsPort="$(free_port)" \
    --set workers.ai.enabled=false --set workers.data.enabled=false \
    --set workers.billing.enabled=false --set workers.tools.enabled=false \
    >"$WORK/chart.yaml"
  # kube play runs Deployments and ConfigMaps; drop what it ignores or cannot do on the host
  # network (ports), and label the pods for teardown.
  uv run --frozen --project "$ROOT" python - "$WORK/chart.yaml" "$WORK/play.yaml" <<'PY'
import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
keep = [d for d in docs if d["kind"] in ("ConfigMap", "Deployment")]
for doc in keep:
    if doc["kind"] != "Deployment":
        continue
    doc["spec"]["replicas"] = 1
    doc["spec"]["template"]["metadata"]["labels"]["conveyor-e2e"] = "1"
    for container in doc["spec"]["template"]["spec"]["containers"]:
        container.pop("ports", None)
        container.pop("startupProbe", None)
yaml.safe_dump_all(keep, open(sys.argv[2], "w"), sort_keys=False)
print("rendered:", " ".join(d["metadata"]["name"] for d in keep if d["kind"] == "Deployment"))
PY
}

migrate() {
  step "migrations (the chart's hook Job command, in the api image)"
  podman run --rm --name conveyor-e2e-migrate --network host --user 10001:10001 \
    --read-only --tmpfs /tmp -w /app -e "DATABASE_URL=$DATABASE_URL" \
    "localhost/conveyor-api:$TAG" alembic upgrade head >"$WORK/migrate.log" 2>&1
}

wait_for() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq "$tries"); do
    if "$@"; then return 0; fi
    sleep 1
  done
  echo "timed out waiting for $what" >&2
  return 1
}

api_ready() { curl -fsS "http://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; }

submit_job() {
  curl -fsS -X POST "http://127.0.0.1:$API_PORT/api/v1/jobs" \
    -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d '{"kind": "diag.echo", "params": {"message": "hello from a pod"}}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

job_succeeded() {
  curl -fsS "http://127.0.0.1:$API_PORT/api/v1/jobs/$JOB_ID" -H "Authorization: Bearer $ADMIN_KEY" |
    python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["status"] != "succeeded")'
}

main() {
  require_tools
  write_containers_conf
  build_base
  timing[base]=$(elapsed)
  build_images
  timing[images]=$(elapsed)
  start_backing
  create_secret
  render
  migrate
  step "podman kube play --network host"
  podman kube play --network host "$WORK/play.yaml" >"$WORK/play.log"
  PLAYED="$WORK/play.yaml"
  wait_for "api readiness" 120 api_ready
  timing[ready]=$(elapsed)
  JOB_ID=$(submit_job)
  step "job $JOB_ID submitted"
  wait_for "job $JOB_ID to succeed" 120 job_succeeded
  timing[job]=$(elapsed)
  step "job succeeded"
  echo "image sizes:"
  podman image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "conveyor-(base|api|worker|beat)"
  echo "timing (s from start): base=${timing[base]} images=${timing[images]} api-ready=${timing[ready]} job-succeeded=${timing[job]}"
}

exec > >(tee "$LOG") 2>&1
main "$@"
