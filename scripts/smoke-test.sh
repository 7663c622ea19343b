#!/usr/bin/env bash
# The smoke test of a deployed stack: run it right after `sam deploy`. One line per check,
# PASS/FAIL/SKIP with what it saw, then a summary; exits 1 if any check failed.
#
#   SMOKE_CLIENT_JWT=... SMOKE_OTHER_CLIENT_JWT=... SMOKE_STACK_NAME=onboarding-export-dev \
#     scripts/smoke-test.sh https://abc123.execute-api.eu-west-1.amazonaws.com/dev
#
# The argument is the stage URL (ExportApiUrl without /exports/onboarding). The environment:
#   SMOKE_CLIENT_JWT           Strapi JWT of a client user whose client has responses in SMOKE_DATE_RANGE (required)
#   SMOKE_OTHER_CLIENT_JWT     Strapi JWT of a client user of another client (required)
#   SMOKE_STACK_NAME           the stack (default: samconfig.toml's default stack_name); its functions are
#                              <stack>-authorizer, <stack>-export, <stack>-export-worker, <stack>-scheduled, each with the alias live
#   SMOKE_DATE_RANGE           date_range of the test exports (default last_30_days)
#   SMOKE_ALLOWED_ORIGIN       an origin the stack allows (default: the first of its CorsAllowedOrigins; empty: none)
#   SMOKE_OTHER_ORIGIN         an origin it does not allow (default https://not-allowed.invalid)
#   SMOKE_MAX_RUNNING_EXPORTS  its MaxRunningExportsPerUser (default: read from the stack)
#   SMOKE_SCHEDULE_NAME        the schedule whose input is fired (default <stack>-weekly, the template's)
#   SMOKE_EVENT_BUS            the bus the exports' events are put on (default: the stack's output ExportEventBusName)
#   AWS credentials and region as for any AWS CLI command; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
#   (LAMBDA, SQS, EVENTBRIDGE, SCHEDULER, CLOUDFORMATION) point the calls elsewhere (the local run).
# Without SMOKE_ALLOWED_ORIGIN, SMOKE_MAX_RUNNING_EXPORTS or SMOKE_EVENT_BUS it reads the stack (cloudformation describe-stacks).
set -euo pipefail

missing=0
need() {
  if ! command -v "$1" >/dev/null; then
    echo "smoke-test: $1 is missing; install it with: $2" >&2
    missing=1
  fi
}
need curl "sudo apt-get install -y curl"
need jq "sudo apt-get install -y jq"
need aws "pip install awscli"
((missing == 0)) || exit 2

if [[ $# -ne 1 ]]; then
  echo "usage: SMOKE_CLIENT_JWT=... SMOKE_OTHER_CLIENT_JWT=... $0 <API stage URL>" >&2
  exit 2
fi
API=${1%/}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLIENT_JWT=${SMOKE_CLIENT_JWT:?set SMOKE_CLIENT_JWT to a client user\'s Strapi JWT}
OTHER_CLIENT_JWT=${SMOKE_OTHER_CLIENT_JWT:?set SMOKE_OTHER_CLIENT_JWT to the JWT of a user of another client}
STACK=${SMOKE_STACK_NAME:-$(sed -n 's/^stack_name = "\(.*\)"$/\1/p' "$ROOT/samconfig.toml" | head -n 1)}
DATE_RANGE=${SMOKE_DATE_RANGE:-last_30_days}
OTHER_ORIGIN=${SMOKE_OTHER_ORIGIN:-https://not-allowed.invalid}
SCHEDULE_NAME=${SMOKE_SCHEDULE_NAME:-$STACK-weekly}
CSV_HEADER_START="response_id,submitted_at,campaign_id,campaign_name,client_id,client_name"
# HS256-shaped, so it passes API Gateway's validation expression and the authorizer itself refuses it.
REFUSED_TOKEN="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6MSwiZXhwIjo0MTAyNDQ0ODAwfQ.c21va2UtdGVzdC1ub3QtYS1zaWduYXR1cmU"
export AWS_PAGER=""

# AWS CLI v1 ignores AWS_ENDPOINT_URL for SQS, so the endpoint variables are passed as --endpoint-url.
awscli() {
  local service=$1 id=$1
  shift
  [[ $service == events ]] && id=eventbridge
  local variable="AWS_ENDPOINT_URL_${id^^}"
  local endpoint=${!variable:-${AWS_ENDPOINT_URL:-}}
  aws "$service" "$@" --output json ${endpoint:+--endpoint-url "$endpoint"}
}

TMP=$(mktemp -d)
passed=0 failed=0 skipped=0
pass() { echo "PASS $1: $2"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }

# http NAME METHOD URL [curl options]: the body in $TMP/NAME.body, the headers in $TMP/NAME.headers; prints the status.
http() {
  local name=$1 method=$2 url=$3
  shift 3
  curl -sS --max-time 60 -X "$method" -o "$TMP/$name.body" -D "$TMP/$name.headers" -w '%{http_code}' "$url" "$@" 2>"$TMP/$name.err" || true
}
header() { grep -i "^$2:" "$TMP/$1.headers" 2>/dev/null | tail -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//' || true; }
json() { jq -r "$2 // empty" "$TMP/$1.body" 2>/dev/null || true; }
# An answer's error in short: its code and message, else the start of its body, else curl's own error.
error_of() {
  jq -rc 'if .error then "\(.error.code): \(.error.message)" else tostring end' "$TMP/$1.body" 2>/dev/null \
    || head -c 200 "$TMP/$1.body" 2>/dev/null || tr '\n' ' ' <"$TMP/$1.err"
}
# post_export NAME BODY [curl options]: POST /exports/onboarding as the client user.
post_export() { http "$1" POST "$API/exports/onboarding" -H "Authorization: Bearer $CLIENT_JWT" -H 'Content-Type: application/json' -d "$2" "${@:3}"; }

# Polls a status URL as the client until the export is no longer running (3 minutes at most); prints the last status.
await_export() {
  local name=$1 url=$2 state=""
  for _ in $(seq 1 90); do
    state=$(http "$name" GET "$url" -H "Authorization: Bearer $CLIENT_JWT")
    [[ $state == 200 ]] && state=$(json "$name" .status)
    [[ $state == running ]] || break
    sleep 2
  done
  echo "$state"
}

# ------------------------------------------------------------------ what the stack says
ALLOWED_ORIGIN=${SMOKE_ALLOWED_ORIGIN-}
MAX_RUNNING=${SMOKE_MAX_RUNNING_EXPORTS:-}
EVENT_BUS=${SMOKE_EVENT_BUS:-}
if [[ -z ${SMOKE_ALLOWED_ORIGIN+set} || -z $MAX_RUNNING || -z $EVENT_BUS ]]; then
  if ! awscli cloudformation describe-stacks --stack-name "$STACK" >"$TMP/stack.json" 2>"$TMP/stack.err"; then
    echo "smoke-test: cannot read the stack $STACK: $(cat "$TMP/stack.err")" >&2
    echo "smoke-test: set SMOKE_STACK_NAME, or SMOKE_ALLOWED_ORIGIN and SMOKE_MAX_RUNNING_EXPORTS" >&2
    exit 2
  fi
  parameter() { jq -r --arg key "$1" '.Stacks[0].Parameters[] | select(.ParameterKey == $key) | .ParameterValue' "$TMP/stack.json"; }
  stack_api=$(jq -r '.Stacks[0].Outputs[] | select(.OutputKey == "ExportApiUrl") | .OutputValue' "$TMP/stack.json")
  if [[ $stack_api != "$API/exports/onboarding" ]]; then
    echo "smoke-test: $API is not the API of the stack $STACK (its ExportApiUrl is $stack_api)" >&2
    exit 2
  fi
  [[ -n ${SMOKE_ALLOWED_ORIGIN+set} ]] || ALLOWED_ORIGIN=$(parameter CorsAllowedOrigins | cut -d, -f1)
  [[ -n $MAX_RUNNING ]] || MAX_RUNNING=$(parameter MaxRunningExportsPerUser)
  if [[ -z $EVENT_BUS ]]; then
    EVENT_BUS=$(jq -r '.Stacks[0].Outputs[] | select(.OutputKey == "ExportEventBusName") | .OutputValue' "$TMP/stack.json")
    if [[ -z $EVENT_BUS ]]; then
      echo "smoke-test: the stack $STACK has no output ExportEventBusName (deploy the current template, or set SMOKE_EVENT_BUS)" >&2
      exit 2
    fi
  fi
fi
echo "Smoke test of $API (stack $STACK)"

# ------------------------------------------------------------------ a queue that receives the exports' events
# A rule on the stack's event bus, made first, so it is in force before the schedule runs; deleted on exit.
QUEUE_NAME="smoke-${STACK:0:40}-$$"
QUEUE_URL="" RULE_MADE=""
cleanup() {
  if [[ -n $RULE_MADE ]]; then
    awscli events remove-targets --event-bus-name "$EVENT_BUS" --rule "$QUEUE_NAME" --ids queue >/dev/null 2>&1 || true
    awscli events delete-rule --event-bus-name "$EVENT_BUS" --name "$QUEUE_NAME" >/dev/null 2>&1 || true
  fi
  [[ -z $QUEUE_URL ]] || awscli sqs delete-queue --queue-url "$QUEUE_URL" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
make_event_queue() {
  local queue_arn rule_arn policy
  QUEUE_URL=$(awscli sqs create-queue --queue-name "$QUEUE_NAME" | jq -r .QueueUrl) || return 1
  queue_arn=$(awscli sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn | jq -r .Attributes.QueueArn) || return 1
  rule_arn=$(awscli events put-rule --event-bus-name "$EVENT_BUS" --name "$QUEUE_NAME" --event-pattern '{"source":["onboarding-export"]}' | jq -r .RuleArn) || return 1
  RULE_MADE=yes
  policy=$(jq -nc --arg queue "$queue_arn" --arg rule "$rule_arn" '{Version: "2012-10-17", Statement: [{Effect: "Allow",
    Principal: {Service: "events.amazonaws.com"}, Action: "sqs:SendMessage", Resource: $queue,
    Condition: {ArnEquals: {"aws:SourceArn": $rule}}}]}')
  awscli sqs set-queue-attributes --queue-url "$QUEUE_URL" --attributes "$(jq -nc --arg p "$policy" '{Policy: $p}')" >/dev/null || return 1
  awscli events put-targets --event-bus-name "$EVENT_BUS" --rule "$QUEUE_NAME" --targets "$(jq -nc --arg arn "$queue_arn" '[{Id: "queue", Arn: $arn}]')" >/dev/null || return 1
}
EVENT_QUEUE_ERROR=""
make_event_queue 2>"$TMP/queue.err" || EVENT_QUEUE_ERROR="could not make the event queue and rule: $(tr '\n' ' ' <"$TMP/queue.err")"

# ------------------------------------------------------------------ the checks
check_sync_export() {
  local check="sync csv export" status rows size link file_status bytes header records
  status=$(post_export sync "{\"date_range\":\"$DATE_RANGE\",\"file_format\":\"csv\",\"mode\":\"sync\"}")
  if [[ $status != 200 ]]; then
    fail "$check" "POST answered $status $(error_of sync)"
    return
  fi
  rows=$(json sync .record_count) size=$(json sync .size_bytes) link=$(json sync .download_url)
  file_status=$(curl -sS --max-time 60 -o "$TMP/export.csv" -w '%{http_code}' "$link" 2>/dev/null || true)
  if [[ $file_status != 200 ]]; then
    fail "$check" "200 with record_count $rows, but its download_url answered $file_status"
    return
  fi
  bytes=$(wc -c <"$TMP/export.csv")
  header=$(head -n 1 "$TMP/export.csv" | tr -d '\r')
  # Records, not lines: a line ends a record only outside quotes (a quoted value may hold a line break).
  records=$(awk '{ quotes += gsub(/"/, "&") } quotes % 2 == 0 { n++ } END { print n + 0 }' "$TMP/export.csv")
  local saw="200 record_count $rows size_bytes $size; the link downloads $bytes bytes, $((records - 1)) rows under a header of $(awk -F, 'NR == 1 { print NF }' <<<"$header") columns starting ${header:0:${#CSV_HEADER_START}}"
  if [[ $header == "$CSV_HEADER_START"* && $bytes == "$size" && $((records - 1)) == "$rows" && $rows -gt 0 ]]; then
    pass "$check" "$saw"
  else
    fail "$check" "$saw"
  fi
}

ASYNC_STATUS_URL=""
check_async_export() {
  local check="async export" status started state
  status=$(post_export async "{\"date_range\":\"$DATE_RANGE\",\"file_format\":\"csv\",\"mode\":\"async\"}")
  if [[ $status != 202 ]]; then
    fail "$check" "POST answered $status $(error_of async)"
    return
  fi
  ASYNC_STATUS_URL=$(json async .status_url)
  started=$SECONDS
  state=$(await_export async-status "$ASYNC_STATUS_URL")
  if [[ $state == succeeded ]]; then
    pass "$check" "202, then $state after $((SECONDS - started)) s with record_count $(json async-status .record_count) and a link"
  else
    fail "$check" "202, then $state after $((SECONDS - started)) s $(error_of async-status)"
  fi
}

check_other_client() {
  local check="status of another client" status
  if [[ -z $ASYNC_STATUS_URL ]]; then
    fail "$check" "no background export to read (the async export failed)"
    return
  fi
  status=$(http other GET "$ASYNC_STATUS_URL" -H "Authorization: Bearer $OTHER_CLIENT_JWT")
  if [[ $status == 404 && $(json other .error.code) == NOT_FOUND ]]; then
    pass "$check" "GET of the async export's status by SMOKE_OTHER_CLIENT_JWT's user answered 404 NOT_FOUND"
  else
    fail "$check" "GET of the async export's status by SMOKE_OTHER_CLIENT_JWT's user answered $status $(error_of other)"
  fi
}

# Three answers for an origin: API Gateway's 401 to a refused token, the function's 400 to a refused
# request, the function's preflight. Prints "status:Access-Control-Allow-Origin" of each.
cors_answers() {
  local origin=$1 refused invalid preflight
  refused=$(http cors-401 POST "$API/exports/onboarding" -H "Origin: $origin" -H "Authorization: Bearer $REFUSED_TOKEN" \
    -H 'Content-Type: application/json' -d '{}')
  invalid=$(post_export cors-400 '{"file_format":"pdf"}' -H "Origin: $origin")
  preflight=$(http cors-preflight OPTIONS "$API/exports/onboarding" -H "Origin: $origin" \
    -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization,content-type')
  echo "$refused:$(header cors-401 Access-Control-Allow-Origin) $invalid:$(header cors-400 Access-Control-Allow-Origin)" \
    "$preflight:$(header cors-preflight Access-Control-Allow-Origin)"
}

check_cors_listed() {
  local check="cors listed origin" seen refused invalid preflight
  if [[ -z $ALLOWED_ORIGIN ]]; then
    skip "$check" "the stack allows no origin (CorsAllowedOrigins is empty)"
    return
  fi
  read -r refused invalid preflight <<<"$(cors_answers "$ALLOWED_ORIGIN")"
  seen="Origin $ALLOWED_ORIGIN: refused token ${refused%%:*} with Access-Control-Allow-Origin '${refused#*:}', refused request ${invalid%%:*} with '${invalid#*:}', preflight ${preflight%%:*} with '${preflight#*:}'"
  if [[ $refused == "401:$ALLOWED_ORIGIN" && $invalid == "400:$ALLOWED_ORIGIN" && $preflight == "204:$ALLOWED_ORIGIN" ]]; then
    pass "$check" "$seen"
  else
    fail "$check" "$seen"
  fi
}

# API Gateway's own 401 echoes any Origin when the stack allows one (a gateway response cannot check a
# list; the README's CORS section), so "none for another origin" is checked on the function's answers.
check_cors_other() {
  local check="cors other origin" seen invalid preflight
  read -r _ invalid preflight <<<"$(cors_answers "$OTHER_ORIGIN")"
  seen="Origin $OTHER_ORIGIN: refused request ${invalid%%:*} with Access-Control-Allow-Origin '${invalid#*:}', preflight ${preflight%%:*} with '${preflight#*:}'"
  if [[ $invalid == "400:" && $preflight == "403:" ]]; then
    pass "$check" "$seen"
  else
    fail "$check" "$seen"
  fi
}

check_limit() {
  local check="per-user limit" burst=$((MAX_RUNNING + 2)) accepted=0 refused=0 other="" retry_after="" finished=""
  # As many synchronous exports at once first: they warm as many instances of the export function, so
  # the burst reaches it together instead of spread over cold starts, while the first ones could finish.
  for i in $(seq 1 "$burst"); do
    post_export "warm-$i" "{\"date_range\":\"$DATE_RANGE\",\"file_format\":\"csv\",\"mode\":\"sync\"}" >/dev/null &
  done
  wait
  for i in $(seq 1 "$burst"); do
    post_export "burst-$i" "{\"date_range\":\"$DATE_RANGE\",\"file_format\":\"csv\",\"mode\":\"async\"}" >"$TMP/burst-$i.status" &
  done
  wait
  for i in $(seq 1 "$burst"); do
    case "$(cat "$TMP/burst-$i.status")" in
      202) accepted=$((accepted + 1)) ;;
      429)
        if [[ $(json "burst-$i" .error.code) == TOO_MANY_EXPORTS && -n $(header "burst-$i" Retry-After) ]]; then
          refused=$((refused + 1))
          retry_after=$(header "burst-$i" Retry-After)
        else
          other+=" 429 $(error_of "burst-$i") Retry-After '$(header "burst-$i" Retry-After)';"
        fi
        ;;
      *) other+=" $(cat "$TMP/burst-$i.status") $(error_of "burst-$i");" ;;
    esac
  done
  # The accepted ones run to their end, so they leave the user's places free.
  for i in $(seq 1 "$burst"); do
    [[ $(cat "$TMP/burst-$i.status") != 202 ]] || finished+=" $(await_export "burst-$i-status" "$(json "burst-$i" .status_url)")"
  done
  local seen="$burst at once (limit $MAX_RUNNING): $accepted x 202, $refused x 429 TOO_MANY_EXPORTS with Retry-After: ${retry_after:-none}${other:+; others:$other}; the accepted ended:${finished:- none}"
  if ((refused > 0 && accepted <= MAX_RUNNING && accepted + refused == burst)) && [[ ! $finished =~ (running|failed) ]]; then
    pass "$check" "$seen"
  else
    fail "$check" "$seen"
  fi
}

check_schedule() {
  local check="schedule event" source input export_id executed event="" deadline
  if [[ -n $EVENT_QUEUE_ERROR ]]; then
    fail "$check" "$EVENT_QUEUE_ERROR"
    return
  fi
  if awscli scheduler get-schedule --name "$SCHEDULE_NAME" >"$TMP/schedule.json" 2>"$TMP/schedule.err"; then
    source="the input of schedule $SCHEDULE_NAME"
    jq -j .Target.Input "$TMP/schedule.json" >"$TMP/schedule-input.json"
  elif grep -q ResourceNotFoundException "$TMP/schedule.err"; then
    source="events/scheduled-export.json (no schedule $SCHEDULE_NAME)"
    cp "$ROOT/events/scheduled-export.json" "$TMP/schedule-input.json"
  else
    fail "$check" "get-schedule $SCHEDULE_NAME: $(tr '\n' ' ' <"$TMP/schedule.err")"
    return
  fi
  # A tick of its own, now, as the Scheduler fills in <aws.scheduler.scheduled-time>.
  jq -c --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.scheduled_time = $now' "$TMP/schedule-input.json" >"$TMP/schedule-tick.json"
  mv "$TMP/schedule-tick.json" "$TMP/schedule-input.json"
  # The function may run up to 15 minutes; the CLI's 60 s read timeout would retry (the same tick: one export all the same).
  if ! awscli lambda invoke --function-name "$STACK-scheduled" --qualifier live --cli-read-timeout 900 \
    --payload "fileb://$TMP/schedule-input.json" "$TMP/schedule-answer.json" >"$TMP/invoke.json" 2>"$TMP/invoke.err"; then
    fail "$check" "invoke of $STACK-scheduled:live failed: $(tr '\n' ' ' <"$TMP/invoke.err")"
    return
  fi
  executed=$(jq -r .ExecutedVersion "$TMP/invoke.json")
  export_id=$(jq -r '.export_id // empty' "$TMP/schedule-answer.json" 2>/dev/null || true)
  if [[ -z $export_id ]]; then
    fail "$check" "$STACK-scheduled:live (version $executed) with $source answered $(head -c 300 "$TMP/schedule-answer.json")"
    return
  fi
  deadline=$((SECONDS + 90))
  while [[ -z $event && $SECONDS -lt $deadline ]]; do
    awscli sqs receive-message --queue-url "$QUEUE_URL" --max-number-of-messages 10 --wait-time-seconds 5 >"$TMP/messages.json" || true
    event=$(jq -c --arg id "$export_id" '.Messages[]?.Body | fromjson | select(.detail.export_id == $id)' "$TMP/messages.json" 2>/dev/null | head -n 1 || true)
  done
  local seen="$STACK-scheduled:live (version $executed) ran $source: export $export_id $(jq -r .status "$TMP/schedule-answer.json")"
  if [[ -z $event ]]; then
    fail "$check" "$seen, but no event of it reached the queue in 90 s"
  elif [[ $(jq -r '."detail-type"' <<<"$event") == "Export Succeeded" && $(jq -r .detail.mode <<<"$event") == scheduled ]]; then
    pass "$check" "$seen; event $(jq -r '"\(.source) \(."detail-type"), mode \(.detail.mode), \(.detail.record_count) rows"' <<<"$event")"
  else
    fail "$check" "$seen; event $(jq -c '{source, "detail-type", detail: (.detail | {mode, status, error_code, message})}' <<<"$event")"
  fi
}

check_live_alias() {
  local check="live alias" seen="" ok=yes function live newest
  for function in "$STACK-authorizer" "$STACK-export" "$STACK-export-worker" "$STACK-scheduled"; do
    live=$(awscli lambda get-alias --function-name "$function" --name live 2>/dev/null | jq -r .FunctionVersion || true)
    newest=$(awscli lambda list-versions-by-function --function-name "$function" 2>/dev/null \
      | jq -r '[.Versions[].Version | select(. != "$LATEST") | tonumber] | max // empty' || true)
    seen+="${seen:+, }$function live=${live:-none} newest=${newest:-none}"
    [[ -n $live && $live == "$newest" ]] || ok=""
  done
  if [[ -n $ok ]]; then
    pass "$check" "$seen"
  else
    fail "$check" "$seen"
  fi
}

check_sync_export
check_async_export
check_other_client
check_cors_listed
check_cors_other
check_limit
check_schedule
check_live_alias

echo "SUMMARY: $((passed + failed + skipped)) checks, $passed PASS, $failed FAIL, $skipped SKIP"
((failed == 0))
