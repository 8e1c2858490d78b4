#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 60) and prints the
# executions per target. Needs a nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Exits non-zero if any target found a crash
# (the reproducer is left in fuzz/artifacts/TARGET/).
#
#   fuzz/run.sh 600            # ten minutes per target
#   TARGETS="policy_parse" fuzz/run.sh 30
set -uo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-60}"
TARGETS="${TARGETS:-policy_parse classify_items item_parse cluster_items learn_items}"
JOBS="${JOBS:-1}"

seed() {
    local target=$1 dir=corpus/$1
    mkdir -p "$dir"
    case $target in
    policy_parse)
        for f in ../tests/data/bad/policies/* ../examples/data/*.json ../examples/data/*.toml; do
            [ -f "$f" ] && cp -n "$f" "$dir/seed-$(basename "$f")"
        done
        ;;
    classify_items | item_parse | cluster_items | learn_items)
        if [ -f ../examples/data/sample.jsonl ]; then
            n=0
            while IFS= read -r line; do
                n=$((n + 1))
                printf '%s' "$line" >"$dir/seed-sample-$n"
            done <../examples/data/sample.jsonl
        fi
        for f in ../tests/data/bad/items/*; do
            [ -f "$f" ] && cp -n "$f" "$dir/seed-$(basename "$f")"
        done
        ;;
    esac
}

cargo +nightly fuzz build -O || exit 2
status=0
summary=""
for t in $TARGETS; do
    seed "$t"
    log=$(mktemp)
    max_len=4096
    dict=()
    [ "$t" = policy_parse ] && max_len=65536 && dict=(-dict=policy.dict)
    echo "== $t: ${SECONDS_PER_TARGET}s" >&2
    cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=$max_len -rss_limit_mb=4096 "${dict[@]}" \
        $([ "$JOBS" -gt 1 ] && echo "-jobs=$JOBS -workers=$JOBS") -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
    if [ $rc -ne 0 ]; then
        status=1
        echo "== $t: CRASH (exit $rc); last lines:" >&2
        tail -40 "$log" >&2
        ls artifacts/"$t"/ >&2 2>/dev/null
    fi
    summary+="$t: $execs executions in ${SECONDS_PER_TARGET}s (exit $rc)"$'\n'
    rm -f "$log" fuzz-*.log
done
printf '%s' "$summary"
exit $status
