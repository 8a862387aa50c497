"""Today's code beside the change, in the same run: a checkout of a baseline commit (a ``git
worktree`` under ``.local/baselines``, made once and kept) and the ranking of stored transcripts
replayed by any checkout (``bench/ranking_replay.py`` in a subprocess with that checkout first on
``PYTHONPATH``). The benchmarks that compare rankings use these, so that both figures come from
the same transcripts, the same machine and the same minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ROOT / ".local" / "baselines"
# The ranking as it stood before issue 48 (rhetoric, genres, boundaries, titles): "today's".
RANKING_BASELINE = "9ca0b2a"


def python_for(root: Path) -> Path:
    """A Python that imports the checkout at ``root`` whatever the flags: the media sandbox's child
    runs ``python -I``, which ignores PYTHONPATH. This checkout's own venv for this checkout; for
    another, a venv of its own whose one .pth file names that checkout first and then this venv's
    packages (read as a plain path, so this venv's editable install of this checkout is not)."""
    if Path(root).resolve() == ROOT:
        return Path(sys.executable)
    venv = root / ".local" / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
        site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        (site / "checkout.pth").write_text(f"{root}\n{sysconfig.get_paths()['purelib']}\n")
    return python


def checkout(commit: str, *, heads: bool = True) -> Path:
    """A worktree of ``commit`` (made on first use; the repository's own history, no network).

    With ``heads``, the commit's editorial heads are trained in it as its setup trains them
    (``streams.moments.train_head --if-stale``, where the commit has that module): git does not
    keep them, and without them its ranking stops at ``ModelMissing``. They are trained on the
    commit's own labelled scripts, and into the worktree, whatever ``CLIPSTREAM_EDITORIAL_HEAD*``
    says in this process. A benchmark that only reads the code passes ``heads=False``."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True,
                         text=True)
    if sha.returncode != 0:
        raise SystemExit(f"baseline {commit!r} is not a commit of this repository: {sha.stderr.strip()}")
    folder = BASELINES / sha.stdout.strip()[:12]
    if not (folder / "streams").is_dir():
        BASELINES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(["git", "worktree", "add", "--detach", "--force", str(folder), sha.stdout.strip()], cwd=ROOT,
                       check=True, capture_output=True)
    if heads and (folder / "streams" / "moments" / "train_head.py").is_file():
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSTREAM_EDITORIAL_HEAD")}
        subprocess.run([sys.executable, "-m", "streams.moments.train_head", "--if-stale"], cwd=folder,
                       env={**env, "PYTHONPATH": str(folder)}, check=True)
    return folder


def replayed(
    videos: list[dict[str, Any]], code: Path | None = None, repeat: int = 1, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The final rankings of ``videos`` (each ``{"key", "options", "duration", "chunks"}``) made by
    the code of ``code`` (a checkout; None: this one), each replayed ``repeat`` times, with ``env``
    added to the environment."""
    code = code or ROOT
    path = os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env = {**os.environ, **(env or {}), "PYTHONPATH": path}
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps({"videos": videos}))
        subprocess.run([sys.executable, str(ROOT / "bench" / "ranking_replay.py"), str(inp), str(out),
                        "--repeat", str(repeat)], env=env, check=True, cwd=code)
        result = json.loads(out.read_text())
    if Path(result["code"]).resolve() != code.resolve():
        raise RuntimeError(f"the replay ran the code of {result['code']}, not of {code}")
    return result
