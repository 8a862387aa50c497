"""``python -m streams.cli``: the ``clipstream`` command without its installed script."""

import sys

from streams.cli.main import main

sys.exit(main())
