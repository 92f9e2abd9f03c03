#!/usr/bin/env bash
# Refresh the PNGs of the sample handout in docs/ (needs poppler-utils: pdftoppm, pdftotext).
# Run from the repository root after `make sample`: bash docs/screenshots.sh
set -euo pipefail
bin=${REHABPLAN:-.venv/bin/rehabplan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" build examples/patient.yaml -o "$tmp/a4.pdf" --force
"$bin" build examples/patient.yaml -o "$tmp/lp.pdf" --paper letter --large-print --force
"$bin" build examples/patient.yaml -o "$tmp/compact.pdf" --compact --force

page_of() {  # first page whose text contains $2
  local pages n
  pages=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
  for ((n = 2; n <= pages; n++)); do  # page 1 lists the sections
    if [[ $(pdftotext -f "$n" -l "$n" "$1" -) == *"$2"* ]]; then echo "$n"; return; fi
  done
  echo 1
}
shot() {  # pdf page output dpi
  pdftoppm -png -r "$4" -f "$2" -l "$2" -singlefile "$1" "$tmp/shot"
  small "$tmp/shot.png" "$3"
}
small() {  # a 64-colour palette keeps a page under ~60 KB
  python3 -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').quantize(64).save(sys.argv[2], optimize=True)" "$1" "$2"
}
shot "$tmp/a4.pdf" 1 docs/handout-cover.png 72
shot "$tmp/a4.pdf" "$(page_of "$tmp/a4.pdf" 'Your plan at a glance')" docs/handout-plan.png 72
shot "$tmp/a4.pdf" "$(page_of "$tmp/a4.pdf" 'How much to do: Glute bridge')" docs/handout-exercise-card.png 72
shot "$tmp/a4.pdf" "$(page_of "$tmp/a4.pdf" 'Your tracking log')" docs/handout-tracking-log.png 72
shot "$tmp/a4.pdf" "$(page_of "$tmp/a4.pdf" 'Warning signs: get help now')" docs/handout-red-flags.png 72
spread() {  # pdf first-page output: two pages side by side
  rm -f "$tmp"/spread-*.png
  pdftoppm -png -r 60 -f "$2" -l $(($2 + 1)) "$1" "$tmp/spread"
  python3 - "$tmp" "$3" <<'PY'
import sys, glob
from PIL import Image
pages = [Image.open(p) for p in sorted(glob.glob(sys.argv[1] + "/spread-*.png"))[:2]]
w, h = pages[0].size
sheet = Image.new("RGB", (w * len(pages), h), "white")
for i, p in enumerate(pages):
    sheet.paste(p, (i * w, 0))
sheet.convert("RGB").quantize(64).save(sys.argv[2], optimize=True)
PY
}
spread "$tmp/lp.pdf" "$(page_of "$tmp/lp.pdf" 'Glute bridge')" docs/handout-large-print-letter-card.png
spread "$tmp/compact.pdf" "$(page_of "$tmp/compact.pdf" 'How much to do: Clamshell (week')" docs/handout-compact-cards.png
# Pictures drawn from pose data: a few exercises, and the first page of the library's gallery.
for id in bird-dog clamshell sit-to-stand single-leg-step-down; do
  "$bin" exercises show "$id" --picture "$tmp/$id.png" --force >/dev/null
  small "$tmp/$id.png" "docs/figure-$id.png"
done
"$bin" exercises gallery -o "$tmp/gallery.pdf" --force
shot "$tmp/gallery.pdf" 1 docs/figures-gallery.png 60
echo "updated docs/handout-*.png, docs/figure-*.png and docs/figures-gallery.png"
