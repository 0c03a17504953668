#!/bin/sh
# The Debian packages the test suite needs beyond PyPI (everything else comes from constraints.txt):
#   chromium           opens the HTML reports headless (tests/browser.py)
#   fonts-dejavu-core  a fallback font for Chromium, so text in the screenshots has the same widths everywhere
# PDFs are read with pypdfium2 (a PyPI wheel), so poppler-utils is no longer needed.
#
# Run by `make test` before the tests: does nothing when the packages are there; installs them with apt-get when
# it can (as root, or with sudo that needs no password); otherwise stops at once with one line naming the command.
# `SPIEGEL_SKIP_SYSTEM_PACKAGES=1 make test` skips this step (for machines set up another way).
set -u
[ "${SPIEGEL_SKIP_SYSTEM_PACKAGES:-0}" = 1 ] && exit 0

missing=""
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
    && ! command -v google-chrome >/dev/null 2>&1; then
  missing="chromium"
fi
if command -v dpkg-query >/dev/null 2>&1; then
  case "$(dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null)" in
    *"ok installed"*) ;;
    *) missing="$missing fonts-dejavu-core" ;;
  esac
fi
missing="${missing# }"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test: the tests need $missing (headless Chromium); install it with your package manager, then run make test again" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  run="sudo -n"
else
  echo "make test: missing Debian packages; run: sudo apt-get install -y --no-install-recommends $missing" >&2
  exit 1
fi
echo "make test: installing the Debian packages the tests need: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086  # $run and $missing are word lists
$run apt-get update -qq >/dev/null && $run apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
  echo "make test: apt-get could not install $missing; run: sudo apt-get install -y --no-install-recommends $missing" >&2
  exit 1
}
