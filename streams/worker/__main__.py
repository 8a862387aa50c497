"""``python -m streams.worker``: a worker process running the agent groups of ``CLIPSTREAM_AGENTS``."""

from streams.worker.process import main

main()
