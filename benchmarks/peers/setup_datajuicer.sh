#!/usr/bin/env bash
# Create the data-juicer peer's own virtualenv (never part of lawrpt_corpus's dependencies).
#   bash benchmarks/peers/setup_datajuicer.sh [VENV_DIR]     (default: benchmarks/out/venv-dj)
# Also installs datatrove (second dedup peer) into the same venv. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$here/out/venv-dj}"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
# Versions pinned so the peer numbers are comparable between runs.
"$venv/bin/python" -m pip install -q "py-data-juicer==${DJ_VERSION:-1.6.1}"
# Imported by data-juicer 1.6.1 but not declared (aiohttp), or loaded lazily by the ops of the
# recipe (ftfy, opencc as pinned by its `nlp` extra, scipy for the MinHash band optimiser):
# installed here so that data-juicer never auto-installs packages in the middle of a timed run.
"$venv/bin/python" -m pip install -q aiohttp ftfy "opencc==1.1.9" scipy
# datatrove 0.10.1 + what its MinHash pipeline needs for Chinese and JSON Lines: spaCy with the
# jieba segmenter, tokenizers, orjson; xxhash < 4 because xxhash 4 refuses the str that
# datatrove 0.10.1 hashes ("Strings must be encoded before hashing").
"$venv/bin/python" -m pip install -q "datatrove==${DT_VERSION:-0.10.1}" spacy jieba tokenizers \
  orjson "xxhash<4" || echo "datatrove did not install; the runner will record its failure" >&2
"$venv/bin/python" -c "import data_juicer, sys; print('data-juicer', data_juicer.__version__, sys.version.split()[0])"
