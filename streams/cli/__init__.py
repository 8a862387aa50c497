"""The ``clipstream`` command line (``main``) and what it uses: the API client (``client``), the
printed progress and result (``console``) and the local stack's tenant and key (``credentials``).
The local stack itself is ``streams.stack``."""
