#!/bin/sh
# Rebuilds wqy-microhei-gb2312.ttf from Debian's fonts-wqy-microhei with
# fontTools (apt: python3-fonttools): the first face of the collection
# (WenQuanYi Micro Hei, not the Mono one), cut to the code points that
# codepoints.py prints, without hinting or layout tables.
set -eu
cd "$(dirname "$0")"
src=${1:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -c 'import sys
from fontTools.ttLib import TTCollection
TTCollection(sys.argv[1], recalcTimestamp=False).fonts[0].save(sys.argv[2])' "$src" "$tmp/face0.ttf"
python3 codepoints.py >"$tmp/codepoints.txt"
python3 -m fontTools.subset "$tmp/face0.ttf" --unicodes-file="$tmp/codepoints.txt" \
	--output-file=wqy-microhei-gb2312.ttf --no-hinting --layout-features= \
	--name-IDs='*' --name-languages='*' \
	--drop-tables+=vhea,vmtx,FFTM,GDEF,GPOS,GSUB
