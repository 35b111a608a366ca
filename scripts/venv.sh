# Sourced by run.sh and test.sh: create .venv and install the pinned requirements when they changed.
# The installer is uv (pinned below, itself installed by the venv's pip): it fetches and unpacks the wheels in
# parallel, about 10 s for requirements.txt where pip took over 3 minutes on a fresh machine. Should uv be
# unavailable, pip does the same job, without compiling bytecode up front (Python compiles what it imports).
UV_VERSION=0.13.9
VENV="${TEPLO_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  if [ -x "$VENV/bin/uv" ] || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"; then
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -r requirements.txt
  else
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
  fi
  echo "$wanted" > "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"
