#!/usr/bin/env bash
# Installs CordResponse's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are skipped; says what it installs.
# Needs root (or sudo). Set CORDRESPONSE_SKIP_DEPS=1 to skip entirely.
set -euo pipefail

if [[ "${CORDRESPONSE_SKIP_DEPS:-0}" == "1" ]]; then
  echo "install-deps: skipped (CORDRESPONSE_SKIP_DEPS=1)"
  exit 0
fi

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libinsighttoolkit5-dev libopencv-dev libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3-jsonschema  # report.json schema test
  libexpat1-dev       # XML parser of the Slicer module tests
  zlib1g-dev
)
# Optional extras: the registration peer for benchmarks and the browser for the HTML report test.
if [[ "${CORDRESPONSE_WITH_EXTRAS:-1}" == "1" ]]; then
  packages+=(elastix chromium)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
