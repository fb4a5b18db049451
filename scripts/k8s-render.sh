#!/usr/bin/env bash
# Render a kustomize overlay (dev or prod): the chart's output with the overlay's values.yaml,
# plus the overlay's own objects. Prints the manifests; pipe them to `kubectl apply -f -`.
#   scripts/k8s-render.sh dev|prod
set -euo pipefail

overlay=${1:?usage: k8s-render.sh dev|prod}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/k8s/overlays/$overlay"
[[ -d "$dir" ]] || { echo "no overlay $overlay" >&2; exit 2; }
bash "$root/scripts/fetch-k8s-tools.sh" "$root/bin" >/dev/null
if [[ "$overlay" == dev ]]; then
  bash "$root/scripts/k8s-dev-secrets.sh" "$root/k8s/overlays/dev-deps/secrets.env" >&2
fi
"$root/bin/helm" template conveyor "$root/charts/conveyor" --namespace conveyor \
  -f "$dir/values.yaml" >"$dir/chart.yaml"
"$root/bin/kubectl" kustomize "$dir"
