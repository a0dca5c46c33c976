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
#      and the page's error counter (data-errors, counting script errors,
#      console.error calls and resources that failed to load) must be 0;
#   3. every local link of index.html (table files, figures, ranking page)
#      names a file in REPORT_DIR;
#   4. when the report has a ranking page (REPORT_DIR/ranking.html, written
#      for two datasets or more) it passes the same static and browser checks,
#      with its tables #ranking-avg and #ranking-tests in the DOM;
#   5. a 1400 × 3000 screenshot is written (default REPORT_DIR/screenshot.png)
#      and must be a non-empty PNG (and REPORT_DIR/screenshot-ranking.png of
#      the ranking page).
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

# static_check PAGE: no external resources, every <img> an embedded data URI.
static_check() {
  local page=$1
  if grep -Eiq '(src|href)="(https?:)?//|<link[^>]+href=|@import|url\((["'\'']?)(https?:)?//' "$page"; then
    grep -Eion '(src|href)="(https?:)?//[^"]*|<link[^>]+href=[^>]*|@import[^;]*|url\([^)]*\)' "$page" | head -5 >&2
    die "$page references external resources"
  fi
  local imgs data_imgs
  imgs=$(grep -o '<img ' "$page" | wc -l)
  data_imgs=$(grep -o '<img src="data:image/png;base64,' "$page" | wc -l)
  [ "$imgs" -eq "$data_imgs" ] || die "$page has $imgs images but only $data_imgs are embedded data URIs"
}

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND"
  --virtual-time-budget=10000)

# browser_check PAGE: load it headless without network and check the DOM
# after load; sets $dom and $loaded.
browser_check() {
  local page=$1 abs imgs ok total errors
  abs=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
  dom=$(timeout 180 "$browser" "${flags[@]}" --dump-dom "file://$abs" 2>/dev/null) ||
    die "$browser failed to load $abs"
  loaded=$(grep -o 'data-images-loaded="[0-9]*/[0-9]*"' <<<"$dom" | head -1 | grep -o '[0-9]*/[0-9]*' || true)
  [ -n "$loaded" ] || die "$page: the page's load handler did not run (no data-images-loaded on <body>)"
  imgs=$(grep -o '<img ' "$page" | wc -l)
  ok=${loaded%/*}
  total=${loaded#*/}
  [ "$total" -eq "$imgs" ] || die "$page: the browser saw $total images, the file has $imgs"
  [ "$ok" -eq "$total" ] || die "$page: only $ok of $total images decoded in the browser"
  errors=$(grep -o 'data-errors="[0-9]*"' <<<"$dom" | head -1 | grep -o '[0-9][0-9]*' || true)
  [ -n "$errors" ] || die "$page: no data-errors on <body> (the error counter did not run)"
  [ "$errors" -eq 0 ] || die "$page: $errors script/console/resource error(s) in the browser"
  local text
  text=$(sed -E 's/data:image\/[a-z+]+;base64,[A-Za-z0-9+\/=]*//g' <<<"$dom")
  if grep -Eq '\bNaN\b' <<<"$text"; then
    grep -Eon '.{0,40}\bNaN\b.{0,40}' <<<"$text" | head -3 >&2
    die "$page shows NaN"
  fi
}

screenshot() {
  local page=$1 out=$2 abs
  abs=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
  rm -f "$out"
  timeout 180 "$browser" "${flags[@]}" --window-size=1400,3000 --screenshot="$out" "file://$abs" >/dev/null 2>&1 ||
    die "$browser failed to take a screenshot of $page"
  [ -s "$out" ] || die "screenshot $out is empty"
  [ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || die "screenshot $out is not a PNG"
}

# 1–2. The report page.
static_check "$page"
browser_check "$page"
images=$loaded
tables=0
for csv in "$dir"/*.csv; do
  [ -e "$csv" ] || continue
  name=$(basename "$csv" .csv)
  case $name in runs | ranking) continue ;; esac
  grep -q "<table class=\"results\" id=\"table-$name\"" <<<"$dom" || die "table $name (from $csv) is not on the page"
  tables=$((tables + 1))
done
[ "$tables" -gt 0 ] || die "no tables (*.csv) in $dir"

# 3. Local links name files of the report.
links=0
while IFS= read -r href; do
  case $href in '#'* | data:* | '') continue ;; esac
  [ -e "$dir/$href" ] || die "index.html links to $href, which is not in $dir"
  links=$((links + 1))
done < <(grep -o 'href="[^"]*"' "$page" | sed -E 's/^href="//; s/"$//' | sed 's/&amp;/\&/g' | sort -u)

# 4. The ranking page.
ranking=""
if [ -e "$dir/ranking.html" ]; then
  grep -q 'href="ranking.html"' "$page" || die "index.html does not link to ranking.html"
  static_check "$dir/ranking.html"
  browser_check "$dir/ranking.html"
  for id in ranking-avg ranking-tests; do
    grep -q "id=\"$id\"" <<<"$dom" || die "ranking.html lacks table #$id"
  done
  [ "${loaded%/*}" -gt 0 ] || die "ranking.html has no critical-difference figure"
  ranking="; ranking.html OK ($loaded images)"
fi

# 5. Screenshots.
screenshot "$page" "$shot"
if [ -n "$ranking" ]; then
  screenshot "$dir/ranking.html" "$(dirname "$shot")/screenshot-ranking.png"
fi

echo "check_html: $page OK: $tables tables, $images images decoded, 0 errors, $links local links present in $browser$ranking; screenshot $shot"
