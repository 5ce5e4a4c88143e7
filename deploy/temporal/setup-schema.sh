#!/bin/sh
# Creates Temporal's two MySQL databases and brings their schemas to the
# version of the admin-tools image (run by the temporal-schema service,
# before the server starts; idempotent: a second run only updates).
set -eu
: "${MYSQL_SEEDS:?}" "${MYSQL_USER:?}" "${SQL_PASSWORD:?}"
tool() { temporal-sql-tool --plugin mysql8 --ep "$MYSQL_SEEDS" -u "$MYSQL_USER" -p "${DB_PORT:-3306}" "$@"; }
for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  tool --db "$db" create || true # exists on a second run
  tool --db "$db" setup-schema -v 0.0 || true # already set up
  tool --db "$db" update-schema -d "/etc/temporal/schema/mysql/v8/$dir/versioned"
done
echo "temporal schema ready"
