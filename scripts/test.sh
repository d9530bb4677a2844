#!/usr/bin/env bash
# The README's test command after setup: types, lint, formatting, unit, integration and dashboard tests, then the journeys
# in Chromium. Next.js's telemetry notice stays out of the output.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

npx tsc --noEmit
npx eslint . --max-warnings 0
npx prettier --check . --log-level warn
npx vitest run
npx playwright test
