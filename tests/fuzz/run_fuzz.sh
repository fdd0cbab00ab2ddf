#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs a fuzz target for the meson 'fuzz' suite.
#   run_fuzz.sh replay BIN SEEDS WORK          every seed, and every input a
#                                              libFuzzer run saved in WORK/corpus
#   run_fuzz.sh fuzz BIN SEEDS WORK SECONDS DICT
#                                              libFuzzer for SECONDS, one job;
#                                              new inputs go to WORK/corpus,
#                                              crashes to WORK/artifacts
#   run_fuzz.sh runs BIN SEEDS WORK RUNS DICT [SEED]
#                                              the same for RUNS executions
#                                              (the long runs of docs/testing.md)
set -eu
mode=$1 bin=$2 seeds=$3 work=$4
mkdir -p "$work/corpus" "$work/artifacts"
case $mode in
replay)
	exec "$bin" "$seeds" "$work/corpus"
	;;
fuzz|runs)
	dict=$6
	if [ "$mode" = fuzz ]; then
		limit="-max_total_time=$5"
	else
		limit="-runs=$5 -seed=${7:-0}"
	fi
	case $(basename "$bin") in
	fuzz_frame) maxlen=20000 ;;
	*) maxlen=4096 ;;
	esac
	# -rss_limit_mb: the EAL's 256 MB plus ASan's quarantine and shadow;
	# -error_exitcode: libFuzzer's default, 77, is meson's "skipped", so a
	# crash would pass as a skip
	# shellcheck disable=SC2086 # $limit is two words on purpose
	exec "$bin" $limit -timeout=20 -rss_limit_mb=6144 -error_exitcode=1 \
		-max_len="$maxlen" -dict="$dict" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
	;;
*)
	echo "usage: $0 replay|fuzz|runs ..." >&2
	exit 2
	;;
esac
