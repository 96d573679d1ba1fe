#!/usr/bin/env bash
# Install canbao on this machine, then run the demo or the tests.
#   bash scripts/setup.sh demo    install, then generate the demo data and run it
#   bash scripts/setup.sh test    install with the test tools, then run the tests
# Safe to run again: each step only does what is missing.
set -euo pipefail

mode="${1:-demo}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '==> %s\n' "$*"; }

# 1. System packages: the Pango libraries WeasyPrint draws text with (fonts come in step 3),
#    and for the tests LibreOffice.
system_packages=(libpango-1.0-0 libpangoft2-1.0-0)
# The tests open canbao's DOCX and XLSX in a real office client: LibreOffice, headless
# (its Writer and Calc without the desktop), and the portal in a real browser: Debian's
# chromium, driven by Playwright (the tests skip where either is absent).
if [ "$mode" = test ]; then
  system_packages+=(libreoffice-writer-nogui libreoffice-calc-nogui chromium)
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "安装系统软件包 / installing system packages: ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    }
  fi
else
  say "未使用 apt-get（非 root 或非 Debian）：请确认已安装 ${system_packages[*]} / apt-get not used"
fi

# 2. Python 3.11 virtual environment with the pinned dependency set.
python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python="$candidate"
      break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "错误：需要 Python 3.11 / Python 3.11 is required" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  say "创建虚拟环境 / creating .venv with $python"
  "$python" -m venv .venv
fi
lock=requirements/run.lock
[ "$mode" = test ] && lock=requirements/test.lock
stamp=".venv/.installed-$(sha256sum requirements/*.lock pyproject.toml | sha256sum | cut -c1-16)-$mode"
if [ ! -f "$stamp" ]; then
  say "安装 Python 依赖 / installing pinned Python packages ($lock)"
  .venv/bin/python -m pip install -qq --disable-pip-version-check -r "$lock"
  .venv/bin/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
  touch "$stamp"
fi

# 3. Fonts: TrueType CJK faces for fast, embeddable PDFs (see fonts/README.md).
bash scripts/install_fonts.sh .venv/bin/python

# 4. The job itself.
case "$mode" in
  demo) exec .venv/bin/canbao demo ;;
  test) exec .venv/bin/python -m pytest -q ;;
  *) echo "用法 / usage: bash scripts/setup.sh demo|test" >&2; exit 2 ;;
esac
