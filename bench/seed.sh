#!/usr/bin/env bash
# Times `spp-api seed` at England scale on this machine: a release build, a private PostgreSQL
# with default settings (durability on, as the run command's), migrated, then one load of
# 24,000 schools (3,000 partnerships, about 300,000 people and 60,000 reviews) with the time of
# each table, then tests/seed_rules.sql over the result (every count must be 0). Prints the load
# average before and after: the machine is shared, so note it beside the figures.
#   bench/seed.sh [schools, default 24000] [seed, default 1]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
schools=${1:-24000}
seed=${2:-1}
BENCH_NO_REDIS=1 bench_start spp-bench

echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
build/release/spp-api seed --schools "$schools" --seed "$seed" --today 2026-12-03 2>&1 | grep -v '^  '
t1=$(date +%s.%N)
printf 'wall clock (spp-api seed, from start to exit): %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rules broken (tests/seed_rules.sql; every count must be 0):"
psql -X -At -F ': ' "$SPP_DATABASE_URL" -f tests/seed_rules.sql | sed 's/^/  /'
