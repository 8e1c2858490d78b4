#!/usr/bin/env bash
# Renders the bundled sample's HTML report (triage --output html) in headless
# Chromium: a desktop (1280 px) and a phone (375 px) screenshot into docs/,
# a check that the page logs no console error and loads nothing, and, when
# axe-core can be installed from npm (into /tmp, not the repo), an automated
# accessibility check (WCAG 2 A/AA rules) whose violations are listed.
#
#   bash scripts/screenshot.sh
#
# Needs chromium (installed with apt-get when /usr/bin/chromium is absent)
# ImageMagick's `convert`, when present, shrinks the PNGs to 64 colours. Not part of
# .ci/run: tests/html_report.rs is the CI check of the page's structure.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  apt-get install -y chromium
fi
WORK=$(mktemp -d /tmp/html-shot.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PAGE="$WORK/report.html"
cargo run --quiet --release --example triage -- --output html examples/data/sample.jsonl > "$PAGE"
echo "page: $(wc -c < "$PAGE") bytes"

chrome() {
  # No network: every request the page might make would fail visibly.
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --disable-extensions --proxy-server=127.0.0.1:9 \
    --proxy-bypass-list='<-loopback>' "$@"
}

shot() { # width height output
  chrome --window-size="$1,$2" --screenshot="$WORK/shot.png" "file://$PAGE" 2>/dev/null
  if convert -version 2> /dev/null | grep -q ImageMagick; then
    # 64 colours keep the text crisp and the file small.
    convert "$WORK/shot.png" -colors 64 -strip "png8:$3"
  else
    cp "$WORK/shot.png" "$3"
  fi
  echo "$3: $(wc -c < "$3") bytes"
}
mkdir -p docs
shot 1280 1700 docs/html-report-desktop.png
shot 375 1400 docs/html-report-phone.png

# Console errors and failed loads, from Chromium's own log.
chrome --enable-logging=stderr --v=0 --dump-dom "file://$PAGE" > "$WORK/dom.html" 2> "$WORK/log.txt" || true
errors=$(grep -E 'CONSOLE|Failed to load|net::ERR' "$WORK/log.txt" || true)
if [ -n "$errors" ]; then
  echo "console errors or failed loads:"
  echo "$errors"
  status=1
else
  echo "console: no errors, no failed loads"
  status=0
fi

# Accessibility: axe-core injected into a copy of the page (the report
# itself has no script), results written into the DOM and read back.
AXE_DIR=${AXE_DIR:-/tmp/html-axe}
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] && command -v npm > /dev/null; then
  npm install --no-audit --no-fund --prefix "$AXE_DIR" axe-core > /dev/null 2>&1 || true
fi
AXE="$AXE_DIR/node_modules/axe-core/axe.min.js"
if [ -f "$AXE" ]; then
  {
    sed 's#</body></html>##' "$PAGE"
    printf '<script>'
    cat "$AXE"
    printf '</script><script>
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
  .then(function (r) {
    var out = {violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help};
    }), passes: r.passes.length, incomplete: r.incomplete.map(function (v) { return v.id; })};
    var pre = document.createElement("pre"); pre.id = "axe-result";
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  });
</script></body></html>\n'
  } > "$WORK/axe.html"
  chrome --virtual-time-budget=20000 --dump-dom "file://$WORK/axe.html" 2>/dev/null > "$WORK/axe-dom.html" || true
  result=$(sed -n 's#.*<pre id="axe-result">\(.*\)</pre>.*#\1#p' "$WORK/axe-dom.html" | sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g')
  if [ -z "$result" ]; then
    echo "axe-core: no result (the run did not finish)"
    status=1
  else
    echo "axe-core $(node -p "require('$AXE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || echo '?'): $result"
    if ! echo "$result" | grep -q '"violations":\[\]'; then
      status=1
    fi
  fi
else
  echo "axe-core not available (no npm or no network): accessibility check skipped"
fi
exit $status
