# The README's two commands, `make run` and `make test`, and the helpers behind them.
# Everything a fresh Debian 12 machine lacks is installed by `setup`; a warm machine
# skips apt and pip entirely (dpkg check + stamp file), so `make test` starts at once.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed.stamp

APP    ?= main.py
ARGS   ?=
OUT    ?= screenshots/app.png
WAIT   ?= 4
SCREEN ?= 1600x900x24
XVFB   := xvfb-run -a -s "-screen 0 $(SCREEN)"

# Debian packages Qt needs (the team's NOTES.md, measured on a minimal Debian 12):
# offscreen Qt (tests, `render`), then a real window under Xvfb (xcb), then the
# virtual screen itself and a font (without one, text renders as empty boxes).
QT_OFFSCREEN_PKGS := libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
QT_XCB_PKGS := libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 \
	libxcb-xfixes0 libxcb-xkb1 libxcb-glx0 libx11-xcb1 libxkbcommon-x11-0
X_PKGS := xvfb xauth fonts-dejavu-core
# desktop-file-validate, which tests/test_desktop.py runs on the menu entry; objdump
# (binutils), without which PyInstaller refuses to build the bundle on Linux.
TOOL_PKGS := desktop-file-utils binutils
SYSTEM_PKGS := $(QT_OFFSCREEN_PKGS) $(QT_XCB_PKGS) $(X_PKGS) $(TOOL_PKGS)

# Installs the given Debian packages that are not installed yet; nothing (not even
# `apt-get update`) when all are present. Not root: prints the command and goes on.
define apt_install
	@missing=""; \
	for p in $(1); do \
	  [ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null)" = installed ] || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "warning: not a Debian system; make sure these are installed:$$missing" >&2; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "warning: missing Debian packages; run: sudo apt-get install --no-install-recommends$$missing" >&2; \
	else \
	  echo "apt-get install$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: help setup system-deps run test bench screenshot clean icons bundle

help:
	@echo "make run         set everything up and open the app (ARGS='--preset NAME' to pass options)"
	@echo "make test        set everything up, then ruff, the layer contracts and the test suite (offscreen Qt)"
	@echo "make bench       run every benchmarks/bench_*.py"
	@echo "make screenshot  run the app under Xvfb ($(SCREEN)) and save OUT=$(OUT)"
	@echo "make setup       Debian libraries Qt needs (as root) + .venv with '.[test]'"
	@echo "make bundle      a one-folder app without Python in dist/optimizer-playground/ (PyInstaller)"
	@echo "make icons       re-draw the app icon's PNG sizes from resources/icons/optimizer-playground.svg"
	@echo "make clean       remove .venv and build leftovers"

setup: system-deps $(STAMP)

system-deps:
	$(call apt_install,$(SYSTEM_PKGS))

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml changed since the last install. flock keeps two
# make processes in the same tree from running pip into the same venv at once.
$(STAMP): pyproject.toml | $(PY)
	flock $(VENV)/.install.lock $(PY) -m pip install --disable-pip-version-check --progress-bar off \
		-q -e '.[test,bundle]'
	@touch $@

run: setup
	$(PY) $(APP) $(ARGS)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The standalone app (tools/build_bundle.py prints its build time and size).
bundle: setup
	$(PY) tools/build_bundle.py

icons: setup
	QT_QPA_PLATFORM=offscreen $(PY) tools/render_icons.py

# Benchmarks run under Xvfb so that ones timing a real (or OpenGL) window can; the
# numerical ones do not care.
bench: setup
	@shopt -s nullglob; files=(benchmarks/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks/bench_*.py yet"; exit 0; fi; \
	for f in "$${files[@]}"; do \
	  echo "== $$f"; \
	  $(XVFB) $(PY) "$$f" || exit 1; \
	done

# Starts the app on a virtual 1600x900 screen, waits WAIT seconds for it to paint, and
# grabs the whole screen with ImageMagick's `import` (Debian's imagemagick; a stand-in
# `convert` elsewhere on PATH is not it). Fails if the app died before the grab.
screenshot: setup
	$(call apt_install,imagemagick)
	@mkdir -p "$(dir $(OUT))"
	$(XVFB) bash -c '\
	  $(PY) $(APP) $(ARGS) & app=$$!; \
	  sleep $(WAIT); \
	  if ! kill -0 $$app 2>/dev/null; then wait $$app; echo "$(APP) exited before the screenshot" >&2; exit 1; fi; \
	  /usr/bin/import -window root "$(OUT)"; rc=$$?; \
	  kill $$app; wait $$app 2>/dev/null; exit $$rc'
	@echo "saved $(OUT)"

clean:
	rm -rf $(VENV) build dist *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
