"""Train the editorial head (``streams.moments.editorial_head``) on labelled talk scripts and
write it where the workers load it; ``--if-stale`` trains only when the head there was trained on
other scripts (``scripts/setup.sh`` runs it so).

    python -m streams.moments.train_head [--labels DIR ...] [--leave-out NAME,...] [--out FILE] [--if-stale]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.errors import ModelMissing
from streams.moments.editorial_head import default_labels, default_path, digest, load, scripts_of, train


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the editorial head on labelled talk scripts.")
    parser.add_argument("--labels", type=Path, nargs="+", default=None, help="folders of scripts (bench/highlights)")
    parser.add_argument("--leave-out", default="", help="comma-separated talk names not to train on")
    parser.add_argument("--out", type=Path, default=None, help="the head's file (default: default_path())")
    parser.add_argument("--if-stale", action="store_true", help="train only when the file's head is older")
    args = parser.parse_args()
    scripts = scripts_of(args.labels or default_labels(), [n for n in args.leave_out.split(",") if n])
    out = args.out or default_path()
    if args.if_stale:
        try:
            if load(out).trained_on == digest(scripts):
                return
        except ModelMissing:
            pass
    from streams.text import default_encoder

    head = train(scripts, default_encoder())
    head.save(out)
    print(f"editorial head: trained on {len(scripts)} talks, written to {out}")


if __name__ == "__main__":
    main()
