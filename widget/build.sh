#!/usr/bin/env bash
# Build the widget: exact dependencies from package-lock.json, then dist/city311-widget.js.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --prefer-offline
npm run build
