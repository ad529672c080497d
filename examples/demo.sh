#!/usr/bin/env bash
# The offline CLI on the reference configuration, then a live lab cluster (run by `make demo`).
#
# Loads examples/seed-cluster.crm (the tutorial's `crm configure show`) into a
# fresh CIB file in a temporary directory, shows what was migrated, the
# configuration as crm text and as XML, the verify report, and checks the XML
# with Debian's crm_verify when it is installed. Needs no configuration.
set -euo pipefail

cd "$(dirname "$0")/.."
PACELINE=${PACELINE:-.venv/bin/paceline}
SEED=examples/seed-cluster.crm

TMP=$(mktemp -d -t paceline-demo.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CIB="$TMP/cib.xml"

heading() { printf '\n==== %s ====\n' "$*"; }

heading "Load $SEED into a new CIB ($CIB): what was migrated"
"$PACELINE" --cib "$CIB" configure load replace "$SEED"

heading "paceline configure show"
"$PACELINE" --cib "$CIB" configure show

heading "paceline configure show xml"
"$PACELINE" --cib "$CIB" configure show xml | tee "$TMP/shown.xml"

heading "paceline verify -V"
status=0
"$PACELINE" --cib "$CIB" verify -V || status=$?
echo "(exit code $status: 0 = valid, 78 = errors or warnings, as crm_verify)"

heading "Pacemaker's own check of the XML: crm_verify -x"
if command -v crm_verify >/dev/null 2>&1; then
    if crm_verify -V -x "$TMP/shown.xml"; then
        echo "crm_verify (Pacemaker $(crm_verify --version | head -1 | awk '{print $2}')): no errors"
    else
        echo "crm_verify reported errors (exit code $?)"
        exit 1
    fi
else
    echo "crm_verify is not installed (Debian package pacemaker-cli-utils): check skipped"
fi

heading "A live two-node lab cluster: VIP + Apache, standby and power-off through the VIP"
if [ "$(id -u)" = 0 ]; then
    .venv/bin/python -m paceline.lab.demo_cluster
else
    echo "needs root (lab namespaces): skipped"
fi
