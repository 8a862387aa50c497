"""Train the editorial heads (``streams.moments.editorial_head``: one for English, one for the
other languages) on labelled talk scripts and write them where the workers load them;
``--if-stale`` trains only a head that was trained on other scripts (``scripts/setup.sh`` runs it so).

    python -m streams.moments.train_head [--labels DIR ...] [--leave-out NAME,...]
        [--space english|multilingual [--out FILE]] [--if-stale]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.errors import ModelMissing
from streams.moments.editorial_head import (
    SPACES,
    default_labels,
    default_path,
    digest,
    encoder_of,
    load,
    scripts_of,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the editorial heads on labelled talk scripts.")
    parser.add_argument("--labels", type=Path, nargs="+", default=None, help="folders of scripts (bench/highlights)")
    parser.add_argument("--leave-out", default="", help="comma-separated talk names not to train on")
    parser.add_argument(
        "--space", choices=sorted(SPACES), action="append", help="the heads to train (default: every space)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="the head's file, with one --space (default: default_path(space))"
    )
    parser.add_argument(
        "--if-stale", action="store_true", help="train only a head whose file was trained on other scripts"
    )
    args = parser.parse_args()
    spaces = args.space or sorted(SPACES)
    if args.out is not None and len(spaces) != 1:
        parser.error("--out names one head's file: give one --space with it")
    scripts = scripts_of(args.labels or default_labels(), [n for n in args.leave_out.split(",") if n])
    for space in spaces:
        out = args.out or default_path(space)
        if args.if_stale:
            try:
                if load(out, space).trained_on == digest(scripts, space):
                    continue
            except ModelMissing:
                pass
        train(scripts, encoder_of(space), space).save(out)
        print(f"editorial head ({space}): trained on {len(scripts)} talks, written to {out}")


if __name__ == "__main__":
    main()
