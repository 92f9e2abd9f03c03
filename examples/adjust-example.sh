#!/usr/bin/env bash
# Pain-guided progression, scripted: a 3-week log in which the clamshell hurt (pain 4-5/10 and
# worse the next morning in week 3) turns into a regressed program and a clinician flag.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-../sample}
mkdir -p "$out"
rehabplan build patient.yaml --format json -o "$out/plan.json" --force
rehabplan adjust "$out/plan.json" log-3-weeks.csv -o "$out/adjusted.json" --force
