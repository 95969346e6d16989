#!/usr/bin/env bash
# Builds and deploys each Cloud Function on its own, from functions/manifest.yaml.
#
#   ./deploy.sh [--dry-run] [function ...]
#
# For each function (default: every one in the manifest) it stages a source
# folder in .deploy/NAME holding only that function's package, the module's
# packages it imports, go.mod and go.sum, then runs `gcloud functions deploy`
# with the manifest's entry point, memory, timeout, instances, environment,
# secrets and service account. Terraform (terraform/) must have created the
# project's infrastructure first; see the README.
#
# --dry-run stages the folders and prints the commands without running them,
# and needs no gcloud.
#
# Settings (`terraform output -raw deploy_env` prints them as export lines):
#   GOOGLE_CLOUD_PROJECT     project id (default: gcloud's core/project)
#   IHEP_REGION              region (default us-central1)
#   IHEP_FHIR_STORE          full FHIR store name
#                            (default projects/P/locations/R/datasets/ihep/fhirStores/phi)
#   IHEP_CORS_ORIGINS        comma-separated browser origins (default none)
#   IHEP_TRUSTED_PROXY_HOPS  proxies in front of the HTTPS functions (default 2)
#   IHEP_DEPLOY_DIR          staging folder (default .deploy)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly ROOT

die() {
	echo "deploy: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

DRY_RUN=false
FUNCTIONS=()
while (($# > 0)); do
	case $1 in
	--dry-run) DRY_RUN=true ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option '$1' (see ./deploy.sh --help)" ;;
	*) FUNCTIONS+=("$1") ;;
	esac
	shift
done

command -v go >/dev/null || die "go is not installed: the staging step needs the Go toolchain that go.mod names"

PROJECT=${GOOGLE_CLOUD_PROJECT:-}
if ! $DRY_RUN; then
	command -v gcloud >/dev/null ||
		die "gcloud is not installed: install the Google Cloud CLI, or use --dry-run to only print the commands"
	account=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null || true)
	[[ -n $account ]] || die "gcloud is not authenticated: run 'gcloud auth login' first"
	if [[ -z $PROJECT ]]; then
		PROJECT=$(gcloud config get-value core/project 2>/dev/null || true)
	fi
	[[ -n $PROJECT ]] ||
		die "the project is not set: export GOOGLE_CLOUD_PROJECT or run 'gcloud config set project PROJECT_ID'"
elif [[ -z $PROJECT ]] && command -v gcloud >/dev/null; then
	PROJECT=$(gcloud config get-value core/project 2>/dev/null || true)
fi
# A dry run without a project prints the commands for a placeholder.
PROJECT=${PROJECT:-PROJECT_ID}

REGION=${IHEP_REGION:-us-central1}
OUT=${IHEP_DEPLOY_DIR:-$ROOT/.deploy}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# deployplan stages each function and prints the names it planned.
(cd "$ROOT" && go run ./shared/manifest/deployplan \
	-out "$OUT" \
	-project "$PROJECT" \
	-region "$REGION" \
	-fhir-store "${IHEP_FHIR_STORE:-}" \
	-cors-origins "${IHEP_CORS_ORIGINS:-}" \
	-trusted-proxy-hops "${IHEP_TRUSTED_PROXY_HOPS:-2}" \
	"${FUNCTIONS[@]}") >"$OUT/planned" || die "staging failed (see the messages above)"
mapfile -t FUNCTIONS <"$OUT/planned"

for name in "${FUNCTIONS[@]}"; do
	mapfile -t args <"$OUT/$name.args"
	if $DRY_RUN; then
		printf 'gcloud'
		printf ' %q' "${args[@]}"
		printf '\n'
	else
		echo "deploy: deploying $name" >&2
		gcloud "${args[@]}" || die "deploying $name failed (source staged in $OUT/$name)"
	fi
done
