#!/bin/sh
# Creates DataGate's namespace and its search attributes on the running
# server (run by the temporal-namespace service; idempotent). datagate
# serve and worker also register missing search attributes at start-up;
# doing it here shows the commands an operator would run.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$NAMESPACE" --retention "${RETENTION:-720h}" --address "$TEMPORAL_ADDRESS"
for sa in DataGateApplicationId:Int DataGateApplicantOrg:Keyword DataGateStep:Keyword DataGateOverdue:Bool; do
  name=${sa%%:*} type=${sa#*:}
  temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" | grep -q "$name" ||
    temporal operator search-attribute create -n "$NAMESPACE" --name "$name" --type "$type" --address "$TEMPORAL_ADDRESS"
done
echo "namespace $NAMESPACE ready"
