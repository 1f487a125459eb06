#!/usr/bin/env bash
# Build the one-folder app into dist/vanish/ with PyInstaller (from the `packaging` extra):
#   packaging/build.sh            # uses .venv (created by `make run`/`make test`) or $PYTHON
# then checks it: `dist/vanish/vanish --version` and, with a display or xvfb-run, the editor's
# `--self-test` (demo project, classical preview, export). Prints the build time and the size.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "Installing PyInstaller (pip install -e '.[packaging]')..."
    "$PY" -m pip install -q -e '.[packaging]'
fi
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/vanish.spec
took=$(( $(date +%s) - start ))
size=$(du -sh dist/vanish | cut -f1)
files=$(find dist/vanish -type f | wc -l)
echo "built dist/vanish in ${took} s: ${size} in ${files} files"
echo "--- dist/vanish/vanish --version"
dist/vanish/vanish --version
echo "--- dist/vanish/vanish-editor --version"
dist/vanish/vanish-editor --version
if [ -n "${DISPLAY:-}" ]; then
    run=()
elif command -v xvfb-run >/dev/null; then
    run=(xvfb-run -a -s "-screen 0 1600x1000x24")
else
    echo "no display and no xvfb-run: skipping the editor's --self-test"
    exit 0
fi
echo "--- dist/vanish/vanish-editor --self-test"
"${run[@]}" dist/vanish/vanish-editor --self-test
