#!/usr/bin/env bash
# check_html.sh REPORT_DIR [SCREENSHOT.png]
#
# Checks the HTML report written by `runexp report` in a real browser:
#   1. static checks on REPORT_DIR/index.html: no external resources (every
#      <img> is a data URI; no http(s) src, link, @import or url());
#   2. headless Chromium loads the page with every network host unresolvable
#      and dumps the DOM after its load handler ran: the body must report that
#      all of its images decoded (data-images-loaded="N/N", N > 0 when the
#      page has images), and every table the report wrote as CSV must be in
#      the DOM as table#table-NAME;
#   3. a 1400 × 3000 screenshot is written (default REPORT_DIR/screenshot.png)
#      and must be a non-empty PNG.
# The browser is $CHROMIUM, else the first of chromium, chromium-browser,
# google-chrome found on PATH. Exit status 0 when every check passes.
set -euo pipefail

die() { echo "check_html: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 REPORT_DIR [SCREENSHOT.png]"
dir=$1
page="$dir/index.html"
shot=${2:-$dir/screenshot.png}
[ -s "$page" ] || die "$page is missing or empty (run: runexp report --out $dir)"

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
  done
fi
[ -n "$browser" ] || die "no Chromium found; install it (Debian: apt-get install -y chromium) or set CHROMIUM"

# 1. Static checks.
if grep -Eiq '(src|href)="(https?:)?//|<link[^>]+href=|@import|url\((["'\'']?)(https?:)?//' "$page"; then
  grep -Eion '(src|href)="(https?:)?//[^"]*|<link[^>]+href=[^>]*|@import[^;]*|url\([^)]*\)' "$page" | head -5 >&2
  die "$page references external resources"
fi
imgs=$(grep -o '<img ' "$page" | wc -l)
data_imgs=$(grep -o '<img src="data:image/png;base64,' "$page" | wc -l)
[ "$imgs" -eq "$data_imgs" ] || die "$page has $imgs images but only $data_imgs are embedded data URIs"

# 2. Load the page headless, no network, and read the DOM after load.
abs=$(cd "$dir" && pwd)/index.html
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND"
  --virtual-time-budget=10000)
dom=$(timeout 180 "$browser" "${flags[@]}" --dump-dom "file://$abs" 2>/dev/null) ||
  die "$browser failed to load $abs"
loaded=$(grep -o 'data-images-loaded="[0-9]*/[0-9]*"' <<<"$dom" | head -1 | grep -o '[0-9]*/[0-9]*' || true)
[ -n "$loaded" ] || die "the page's load handler did not run (no data-images-loaded on <body>)"
ok=${loaded%/*}
total=${loaded#*/}
[ "$total" -eq "$imgs" ] || die "the browser saw $total images, the file has $imgs"
[ "$ok" -eq "$total" ] || die "only $ok of $total images decoded in the browser"
tables=0
for csv in "$dir"/*.csv; do
  [ -e "$csv" ] || continue
  name=$(basename "$csv" .csv)
  grep -q "<table class=\"results\" id=\"table-$name\"" <<<"$dom" || die "table $name (from $csv) is not on the page"
  tables=$((tables + 1))
done
[ "$tables" -gt 0 ] || die "no tables (*.csv) in $dir"
text=$(sed -E 's/data:image\/[a-z+]+;base64,[A-Za-z0-9+\/=]*//g' <<<"$dom")
if grep -Eq '\bNaN\b' <<<"$text"; then
  grep -Eon '.{0,40}\bNaN\b.{0,40}' <<<"$text" | head -3 >&2
  die "the page shows NaN"
fi

# 3. Screenshot.
rm -f "$shot"
timeout 180 "$browser" "${flags[@]}" --window-size=1400,3000 --screenshot="$shot" "file://$abs" >/dev/null 2>&1 ||
  die "$browser failed to take a screenshot"
[ -s "$shot" ] || die "screenshot $shot is empty"
[ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || die "screenshot $shot is not a PNG"

echo "check_html: $page OK: $tables tables, $ok/$total images decoded in $browser; screenshot $shot"
