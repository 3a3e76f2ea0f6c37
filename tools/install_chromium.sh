#!/usr/bin/env bash
# Installs Debian's chromium, the real browser the HTML report tests drive (through Playwright).
# Run as root, or with sudo; the tests call it when /usr/bin/chromium is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q chromium || { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium; }
