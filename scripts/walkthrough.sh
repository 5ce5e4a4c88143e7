#!/usr/bin/env bash
# One application through its whole lifecycle with curl, against a fresh
# `make run` (task IDs are those of the first application on a new data dir).
# The README shows the same commands.
set -euo pipefail
API=${API:-http://127.0.0.1:8080/api/v1}
JAR=$(mktemp -d)
say() { printf '\n# %s\n' "$*"; }
login() { # a session cookie in $JAR/USER and its CSRF token in $JAR/USER.csrf
  curl -sS --fail-with-body -c "$JAR/$1" -X POST "$API/session" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"datagate-demo\"}" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' > "$JAR/$1.csrf"; }
call() { # call USER METHOD PATH [JSON]
  [ -s "$JAR/$1.csrf" ] || login "$1"
  curl -sS --fail-with-body -X "$2" "$API$3" -b "$JAR/$1" -H "X-CSRF-Token: $(cat "$JAR/$1.csrf")" \
    -H 'Content-Type: application/json' ${4:+-d "$4"}; echo; }
d() { call "$1" POST "/tasks/$2/decision" "$3"; } # d USER TASK JSON

say "an applicant submits an application for two conditional datasets"
call applicant POST /applications '{"title":"小微企业信贷风控","domain":"金融服务","purpose":"授信评估","scope":"本市小微企业","period_months":24,"access_mode":"sandbox","security_controls":"沙箱隔离,结果脱敏","datasets":["DS-0100","DS-0102"],"submit":true}'
sleep 1
say "the big-data center's inbox, then its initial review"
call initial_reviewer GET /tasks
d initial_reviewer application-1-t1 '{"decision":"pass"}'
say "each provider department reviews its own datasets"
d reviewer-gsa application-1-t2 '{"decision":"approve"}'
d reviewer-commerce application-1-t3 '{"decision":"approve"}'
say "agreements: authorization (bureau, operator), commitment (applicant), service (operator, applicant), filing (bureau)"
d bureau_officer application-1-t4 '{"decision":"sign"}'
d operator application-1-t5 '{"decision":"sign"}'
d applicant application-1-t6 '{"decision":"sign"}'
d operator application-1-t7 '{"decision":"sign"}'
d applicant application-1-t8 '{"decision":"sign"}'
d bureau_officer application-1-t9 '{"decision":"file"}'
say "a model built on the data is reviewed by the bureau and both departments"
call applicant POST /applications/1/models '{"name":"风控评分模型","description":"仅输出评分,不含个人标识"}'
sleep 1
d bureau_officer application-1-model-1-t1 '{"decision":"approve"}'
d reviewer-gsa application-1-model-1-t2 '{"decision":"approve"}'
d reviewer-commerce application-1-model-1-t3 '{"decision":"approve"}'
say "an evaluation on demand: self-evaluation, then the bureau's rating"
call bureau_officer POST /applications/1/evaluations '{"reason":"年度抽查"}'
d applicant application-1-t10 '{"decision":"submit","comment":"按约定范围使用"}'
d bureau_officer application-1-t11 '{"decision":"qualified"}'
say "termination for a violation, then exit confirmation and verification"
call bureau_officer POST /applications/1/terminate '{"reason":"向第三方提供数据","basis":"授权协议第六条"}'
d applicant application-1-t12 '{"decision":"confirm","comment":"数据已返还,衍生模型已销毁"}'
d bureau_officer application-1-t13 '{"decision":"verify"}'
say "the application with its timeline"
# Its first 1500 characters (a pipe into head would end curl early, and
# pipefail would fail the script).
timeline=$(call applicant GET /applications/1)
printf '%s\n' "${timeline:0:1500}"
