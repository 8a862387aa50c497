"""Every CLIPSTREAM_* name in deploy/ is a field of streams.settings.Settings: a misspelt setting
in a compose file, a ConfigMap or a Dockerfile would otherwise be ignored without a word."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from streams.settings import PREFIX, Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAME = re.compile(rf"\b{PREFIX}[A-Z0-9_]+\b")


# Read straight from the environment, not through Settings: the model files' folder is needed by
# Triton's model.py processes and `python -m streams.*.models`, which load no settings.
DIRECT = {name for path in (DEPLOY.parent / "streams").rglob("*.py")
          for name in re.findall(rf"os\.environ\.get\(\"({PREFIX}[A-Z0-9_]+)\"", path.read_text())}


def unknown_names(text: str) -> set[str]:
    fields = {f.name for f in dataclasses.fields(Settings)}
    return {n for n in NAME.findall(text) if n[len(PREFIX):].lower() not in fields and n not in DIRECT}


def deploy_files() -> list[Path]:
    # deploy/local: the local stack's build files; deploy/prepared: scripts/wheelhouse.sh's downloads.
    return [p for p in DEPLOY.rglob("*")
            if p.is_file() and not set(p.relative_to(DEPLOY).parts[:1]) & {"local", "prepared"}]


def test_every_setting_named_in_deploy_exists():
    files = deploy_files()
    assert {p.suffix for p in files} >= {".yaml", ".Dockerfile", ".example", ".md"}
    used = {n for p in files for n in NAME.findall(p.read_text())}
    assert {"CLIPSTREAM_KAFKA_BOOTSTRAP", "CLIPSTREAM_AGENTS", "CLIPSTREAM_WORKER_HOST"} <= used
    wrong = {str(p.relative_to(DEPLOY)): sorted(unknown_names(p.read_text())) for p in files}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_names_read_outside_settings_are_known():
    assert "CLIPSTREAM_MODELS_DIR" in DIRECT
    assert unknown_names("CLIPSTREAM_MODELS_DIR=/opt/models CLIPSTREAM_MODEL_DIR=/x") == {"CLIPSTREAM_MODEL_DIR"}


def test_a_misspelt_setting_is_caught():
    assert unknown_names("CLIPSTREAM_KAFKA_BOOTSTRAPS: kafka:9092\nCLIPSTREAM_API_PORT: 8080") == \
        {"CLIPSTREAM_KAFKA_BOOTSTRAPS"}
