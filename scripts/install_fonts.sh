#!/usr/bin/env bash
# Install the fonts and PDF tools canbao's reports need, once, at install time.
#
#   bash scripts/install_fonts.sh [PYTHON]      (PYTHON defaults to python3)
#
# - Debian packages: fontconfig, poppler-utils (pdftotext/pdffonts for the tests),
#   AR PL KaitiM GB / SungtiL GB (TrueType) and Noto CJK (fallback for rare characters),
#   libharfbuzz-subset0 (WeasyPrint subsets fonts with it ~3x faster than with fontTools).
# - Fandol fonts (from texlive-lang-chinese, free FangSong/Hei/Kai/Song faces) converted
#   from CFF to TrueType into fonts/: WeasyPrint subsets TrueType faces ~20x faster.
# Idempotent: returns quickly when everything is already in place.
# Nothing is downloaded when reports are rendered, only here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${1:-python3}"
FONTS_DIR="${CANBAO_FONTS:-$ROOT/fonts}"
APT_PACKAGES=(fontconfig poppler-utils fonts-arphic-gkai00mp fonts-arphic-gbsn00lp fonts-noto-cjk
              libharfbuzz-subset0)
FANDOL=(FandolFang-Regular FandolHei-Regular FandolHei-Bold FandolKai-Regular
        FandolSong-Regular FandolSong-Bold)

warn() { echo "字体安装：$1 / fonts: $2" >&2; }

have_apt() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }

# 1. Debian packages (skip when all are installed already).
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if have_apt; then
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
            apt-get update >/dev/null 2>&1 || true
            apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
                || warn "apt-get 安装失败，使用系统现有字体继续" \
                        "apt-get install failed (${missing[*]}); continuing with the system fonts"
        fi
    else
        warn "没有 apt-get 或非 root，使用系统现有字体继续" \
             "no apt-get or not root; continuing with the system fonts (missing: ${missing[*]})"
    fi
fi

# 2. Fandol fonts, converted to TrueType (skip when every .ttf exists).
todo=()
for face in "${FANDOL[@]}"; do
    [ -s "$FONTS_DIR/$face.ttf" ] || todo+=("$face")
done
if [ "${#todo[@]}" -gt 0 ]; then
    if have_apt; then
        work="$(mktemp -d)"
        trap 'rm -rf "$work"' EXIT
        got_deb=0
        if (cd "$work" && apt-get download texlive-lang-chinese >/dev/null 2>&1); then
            got_deb=1
        else
            apt-get update >/dev/null 2>&1 || true
            (cd "$work" && apt-get download texlive-lang-chinese >/dev/null 2>&1) && got_deb=1
        fi
        if [ "$got_deb" = 1 ]; then
            dpkg-deb -x "$work"/texlive-lang-chinese_*.deb "$work/x"
            sources=()
            for face in "${todo[@]}"; do
                found="$(find "$work/x" -name "$face.otf" -print -quit)"
                if [ -n "$found" ]; then sources+=("$found"); else
                    warn "texlive-lang-chinese 中没有 $face.otf" "$face.otf not in texlive-lang-chinese"
                fi
            done
            if [ "${#sources[@]}" -gt 0 ]; then
                mkdir -p "$FONTS_DIR"
                # One process per face: each conversion is CPU-bound (~15 s).
                pids=()
                for source in "${sources[@]}"; do
                    "$PYTHON" "$ROOT/scripts/otf2ttf.py" "$FONTS_DIR" "$source" & pids+=("$!")
                done
                failed=0
                for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
                [ "$failed" = 0 ] || warn "部分 Fandol 字体转换失败" "some Fandol conversions failed"
            fi
        else
            warn "无法下载 texlive-lang-chinese（Fandol 字体），使用系统现有字体继续" \
                 "could not download texlive-lang-chinese (Fandol fonts); continuing with the system fonts"
        fi
    else
        warn "没有 apt-get 或非 root，跳过 Fandol 字体" \
             "no apt-get or not root; skipping the Fandol fonts"
    fi
fi

if command -v fc-cache >/dev/null 2>&1 && [ "${#missing[@]}" -gt 0 ]; then
    fc-cache -f >/dev/null 2>&1 || true
fi
echo "fonts ready: $(ls "$FONTS_DIR"/*.ttf 2>/dev/null | wc -l) TrueType faces in $FONTS_DIR"
