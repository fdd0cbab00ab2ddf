#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ra2man.sh AGENT XSL PROVIDER VERSION SEEALSO: the manual page (roff, on
# stdout) of an OCF resource agent, from its own meta-data, as
# resource-agents makes ocf_heartbeat_*(7). The page date is
# SOURCE_DATE_EPOCH's when set (reproducible builds), else today.
set -euo pipefail
agent=$1 xsl=$2 provider=$3 version=$4 seealso=$5
here=$(cd "$(dirname "$0")" && pwd)
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
md=$(OCF_ROOT=/usr/lib/ocf OCF_FUNCTIONS_DIR="$here/ocf-stub" bash "$agent" meta-data)
printf '%s\n' "$md" | xsltproc --novalid --nonet \
	--stringparam provider "$provider" --stringparam version "$version" \
	--stringparam date "$date" --stringparam seealso "$seealso" "$xsl" -
