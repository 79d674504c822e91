#!/bin/sh
# System packages the test suite needs: Debian's Chromium (headless HTML statement checks) and its
# driver, and node + npm (Cloud Carbon Footprint's npm packages are the --method ccf test oracle,
# tests/ccf_oracle). Installs them only when missing; never downloads a browser from anywhere else.
# Usage (as root, or with sudo available):  scripts/ci_deps.sh
set -eu

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "chromium, chromium-driver, node and npm already installed: $(chromium --version 2>/dev/null || true)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
PKGS=""
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || PKGS="chromium chromium-driver"
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
# shellcheck disable=SC2086
$SUDO apt-get install -y $PKGS
chromium --version
node --version
