"""The worker: the Kafka binding the agents run on, and nothing the API imports.

- ``app``: the Faust application; ``process``: the worker process (``python -m streams.worker``)
  and its graceful stop, whose shared state is ``shutdown``.
- ``agent_groups``: which agents a worker runs and its consumer group.
- ``topics`` and ``records``: the topics and the Faust records of the events (the names and the
  envelope are ``streams.domain``).
- ``consumer``: Faust's consumer with an at-least-once commit that a rebalance cannot break.
- ``runtime``: what the agents share (catalog, storage, Triton, lifecycle events, failures), and
  ``retry``: a stage's retry budget.

This package's ``__init__`` imports nothing, so a module here that needs no Faust (``agent_groups``,
``retry``, ``shutdown``) can be imported without it."""
