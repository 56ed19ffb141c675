#!/usr/bin/env bash
# Runs the product locally with no Zoom account: installs what is missing, builds, starts the
# Zoom emulator and the worker under `wrangler dev`, and prints the URL. Ctrl-C stops both.
#   PORT (default 8787): the worker; EMULATOR_PORT (default 8788): the emulator;
#   TOKEN_MODE (multi|legacy, default multi): how the emulator treats re-issued tokens.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"
PORT="${PORT:-8787}"
EMULATOR_PORT="${EMULATOR_PORT:-8788}"
TOKEN_MODE="${TOKEN_MODE:-multi}"

bash scripts/setup.sh
cargo build --quiet --release -p zoom-emulator
bash scripts/build-worker.sh

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

mkdir -p .wrangler
# Local-only values: the emulator's credentials and a webhook secret / operator token for dev.
WEBHOOK_SECRET="local-webhook-secret"
ADMIN_TOKEN="local-admin-token-change-me"
SIGNING_KEY="local-booking-signing-key-change-me-0123456789"
setsid target/release/zoom-emulator --port "$EMULATOR_PORT" --token-mode "$TOKEN_MODE" \
  --webhook-secret "$WEBHOOK_SECRET" --webhook-url "http://127.0.0.1:$PORT/v1/zoom/webhook" \
  > .wrangler/emulator.log 2>&1 &
pids+=($!)
emulator="http://127.0.0.1:$EMULATOR_PORT"

WORKER_PREBUILT=1 setsid node_modules/.bin/wrangler dev --ip 127.0.0.1 --port "$PORT" \
  --var "ZOOM_API_BASE:$emulator/v2" --var "ZOOM_OAUTH_BASE:$emulator" \
  --var ZOOM_ACCOUNT_ID:emulated-account --var ZOOM_CLIENT_ID:emulated-client \
  --var ZOOM_CLIENT_SECRET:emulated-secret \
  --var "ZOOM_WEBHOOK_SECRET_TOKEN:$WEBHOOK_SECRET" --var "ADMIN_TOKEN:$ADMIN_TOKEN" \
  --var "BOOKING_SIGNING_KEY:$SIGNING_KEY" --test-scheduled \
  > .wrangler/wrangler.log 2>&1 < /dev/null &
pids+=($!)

for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; then
    cat <<MSG

zoom-booking-edge is running at http://127.0.0.1:$PORT  (Zoom emulator: $emulator, token mode $TOKEN_MODE)
Logs: .wrangler/wrangler.log, .wrangler/emulator.log. Try:

  curl -s -X POST http://127.0.0.1:$PORT/v1/bookings -H 'content-type: application/json' \\
    -d '{"name":"Ada Lovelace","email":"ada@example.com","start_time":"$(date -u -d '+2 days' +%Y-%m-%dT10:00)","timezone":"Europe/London"}'

Meetings at the emulator: curl -s $emulator/_emulator/meetings
Have the emulator send Zoom a signed webhook (meeting id from the booking):
  curl -s -X POST $emulator/_emulator/webhooks/deliver -d '{"event":"meeting.started","meeting_id":MEETING_ID}'
Then read the booking with its manage_token (from the 201 answer):
  curl -s -H 'authorization: Bearer MANAGE_TOKEN' http://127.0.0.1:$PORT/v1/bookings/BOOKING_ID
Reschedule: curl -s -X PATCH -H 'authorization: Bearer MANAGE_TOKEN' -H 'content-type: application/json' \
  -d '{"duration":45}' http://127.0.0.1:$PORT/v1/bookings/BOOKING_ID
Cancel:     curl -s -X DELETE -H 'authorization: Bearer MANAGE_TOKEN' http://127.0.0.1:$PORT/v1/bookings/BOOKING_ID
Run the calendar sync (the Cron Trigger) now: curl -s http://127.0.0.1:$PORT/__scheduled
Ctrl-C stops everything.
MSG
    wait -n "${pids[@]}" || true
    echo "a process stopped; see .wrangler/*.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "the worker did not start; last lines of .wrangler/wrangler.log:" >&2
tail -30 .wrangler/wrangler.log >&2
exit 1
