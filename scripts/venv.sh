# Sourced by run.sh and test.sh: create .venv and install a lock file when it changed since the last install:
# `source scripts/venv.sh` installs requirements.txt (what the apps need), `source scripts/venv.sh
# requirements-dev.txt` that plus the tests' and checks' tools. Every package is pinned and hash-checked
# (--require-hashes): a download that differs from the lock stops the install. README, "Upgrading a dependency".
# The installer is uv (locked in scripts/requirements-uv.txt, itself installed by the venv's pip): it fetches and
# unpacks the wheels in parallel, about 10 s for requirements.txt where pip took over 3 minutes on a fresh machine.
# Should uv be unavailable, pip does the same job, without compiling bytecode up front (Python compiles what it
# imports). An unchanged lock installs nothing.
LOCK="${1:-requirements.txt}"
VENV="${TEPLO_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
stamp="$VENV/.$(basename "$LOCK").sha256"
wanted=$(cat "$LOCK" scripts/requirements-uv.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  if "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
       -r scripts/requirements-uv.txt; then
    # install, not sync: run.sh's runtime lock must not uninstall the test tools test.sh put in a shared .venv.
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --require-hashes -r "$LOCK"
  else
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile --require-hashes -r "$LOCK"
  fi
  echo "$wanted" > "$stamp"
fi
case "$VENV" in
  /*) export PATH="$VENV/bin:$PATH" ;;
  *) export PATH="$PWD/$VENV/bin:$PATH" ;;
esac
