"""Publishing clips to social platforms (issue 52): the grants an account holds, sealed at rest
(``tokens``), and one adapter per platform behind one interface (``platform``; ``youtube``)."""
