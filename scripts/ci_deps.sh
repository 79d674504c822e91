#!/bin/sh
# System packages the test suite needs: Debian's Chromium (headless HTML statement checks) and its
# driver. Installs them only when missing; never downloads a browser from anywhere else.
# Usage (as root, or with sudo available):  scripts/ci_deps.sh
set -eu

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "chromium and chromium-driver already installed: $(chromium --version 2>/dev/null || true)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium chromium-driver
chromium --version
