#!/bin/sh
# Vendors Apache ECharts 5 for the dashboard (web/static/dashboard.js): the
# console serves it from /static/vendor, never from a CDN. Run from the
# repository root and commit the files it writes:
#   sh web/static/vendor/update-echarts.sh
set -eu
dest=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund echarts@5 >/dev/null)
cp "$tmp/node_modules/echarts/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$tmp/node_modules/echarts/LICENSE" "$dest/echarts.LICENSE"
if [ -f "$tmp/node_modules/echarts/NOTICE" ]; then cp "$tmp/node_modules/echarts/NOTICE" "$dest/echarts.NOTICE"; fi
v=$(node -p "require('$tmp/node_modules/echarts/package.json').version")
echo "echarts $v" > "$dest/echarts.VERSION"
echo "vendored echarts $v into $dest"
