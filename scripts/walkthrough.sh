#!/usr/bin/env bash
# One application through its whole lifecycle with curl, against a running
# `make run` (any data directory: each task is found in its actor's inbox).
# The README shows the same commands. Exits 0 once the application is closed.
set -euo pipefail
API=${API:-http://127.0.0.1:8080/api/v1}
JAR=$(mktemp -d)
trap 'rm -rf "$JAR"' EXIT
say() { printf '\n# %s\n' "$*"; }
login() { # a session cookie in $JAR/USER and its CSRF token in $JAR/USER.csrf
  curl -sS --fail-with-body -c "$JAR/$1" -X POST "$API/session" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"datagate-demo\"}" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' > "$JAR/$1.csrf"; }
call() { # call USER METHOD PATH [JSON]
  [ -s "$JAR/$1.csrf" ] || login "$1"
  curl -sS --fail-with-body -X "$2" "$API$3" -b "$JAR/$1" -H "X-CSRF-Token: $(cat "$JAR/$1.csrf")" \
    -H 'Content-Type: application/json' ${4:+-d "$4"}; echo; }
task() { # task USER KIND: the ID of USER's open KIND task on application $APP, once it is open
  local id
  for _ in $(seq 50); do
    id=$(call "$1" GET "/tasks?application=$APP&kind=$2" | grep -o '"id":"[^"]*"' | sed -n '1s/"id":"\(.*\)"/\1/p' || true)
    if [ -n "$id" ]; then echo "$id"; return; fi
    sleep 0.2
  done
  echo "no open $2 task in the inbox of $1 for application $APP" >&2; return 1; }
d() { local id; id=$(task "$1" "$2"); call "$1" POST "/tasks/$id/decision" "$3"; } # d USER KIND JSON

say "an applicant submits an application for two conditional datasets"
created=$(call applicant POST /applications '{"title":"小微企业信贷风控","domain":"金融服务","purpose":"授信评估","scope":"本市小微企业","period_months":24,"access_mode":"sandbox","security_controls":"沙箱隔离,结果脱敏","datasets":["DS-0100","DS-0102"],"submit":true}')
printf '%s\n' "${created:0:400}…"
APP=$(printf '%s' "$created" | sed -n 's/.*"application":{"id":\([0-9]*\).*/\1/p')
say "the big-data center's inbox, then its initial review of application $APP"
call initial_reviewer GET "/tasks?application=$APP"
d initial_reviewer initial_review '{"decision":"pass"}'
say "each provider department reviews its own datasets"
d reviewer-gsa department_review '{"decision":"approve"}'
d reviewer-commerce department_review '{"decision":"approve"}'
say "agreements: authorization (bureau, operator), commitment (applicant), service (operator, applicant), filing (bureau)"
d bureau_officer sign_authorization '{"decision":"sign"}'
d operator sign_authorization '{"decision":"sign"}'
d applicant sign_commitment '{"decision":"sign"}'
d operator sign_service '{"decision":"sign"}'
d applicant sign_service '{"decision":"sign"}'
d bureau_officer file_service '{"decision":"file"}'
say "a model built on the data is reviewed by the bureau and both departments"
call applicant POST "/applications/$APP/models" '{"name":"风控评分模型","description":"仅输出评分,不含个人标识"}'
d bureau_officer model_review '{"decision":"approve"}'
d reviewer-gsa model_review '{"decision":"approve"}'
d reviewer-commerce model_review '{"decision":"approve"}'
say "an evaluation on demand: self-evaluation, then the bureau's rating"
call bureau_officer POST "/applications/$APP/evaluations" '{"reason":"年度抽查"}'
d applicant self_evaluation '{"decision":"submit","comment":"按约定范围使用"}'
d bureau_officer rate_evaluation '{"decision":"qualified"}'
say "termination for a violation, then exit confirmation and verification"
call bureau_officer POST "/applications/$APP/terminate" '{"reason":"向第三方提供数据","basis":"授权协议第六条"}'
d applicant exit_confirmation '{"decision":"confirm","comment":"数据已返还,衍生模型已销毁"}'
d bureau_officer exit_verification '{"decision":"verify"}'
say "the application with its timeline"
# Its first 1500 characters (a pipe into head would end curl early, and
# pipefail would fail the script).
timeline=$(call applicant GET "/applications/$APP")
printf '%s\n' "${timeline:0:1500}"
case $timeline in
*'"status":"closed"'*) say "application $APP is closed" ;;
*) echo "application $APP is not closed" >&2; exit 1 ;;
esac
