"""Reading uploads in a child process, so that a decoder that hangs, crashes or eats memory on a
hostile file costs that file's job and never the worker.

``probe_media``, ``read_source`` and ``AudioChunks`` do what ``probe.probe``, ``source.describe``
and ``chunking.iter_chunks`` do (``look.Look`` what ``onscreen.Glance`` does), in
``python -I -m streams.media.sandbox.entry``: a fresh interpreter with an empty environment (no
credentials), ``/`` as its directory, and the confinements of ``confine`` (it also
dies with the worker). The worker enforces the wall clock (``SandboxLimits``); the child's kernel
limits enforce memory and CPU. Whatever the child does, the caller gets a result or a ``MediaError``:

- a refusal the child reports (not media, cut off, over a limit) is raised as that error;
- a child that crashes, is killed for memory or CPU, or says something malformed:
  ``MediaUnreadable``; one that takes too long: ``MediaTimeout``;
- a child that dies before it is ready (before it opened the file), one stopped here
  (``close``, ``stop_all``), or one ended by a signal while the worker is stopping
  (``streams.media.stopping``): ``SandboxUnavailable``, the machine's fault, retriable.

Each child runs in a process group of its own, so a signal to the worker's group reaches the
worker only; a stopping worker kills its children itself (``stop_all``) when its grace is over.

What one child costs (start-up, imports, the confinement) is measured by ``bench/probe_isolation.py``.

The parts: ``limits`` (what a child may use), ``handle`` (one child run from the worker's side),
``reading`` (probing, describing and decoding an upload), ``look`` (looking at its picture),
``protocol`` (the frames between them), ``entry`` (what runs in the child) and ``confine`` (the
child's confinement). Nothing is imported here: the child starts from this package and must
stay single-threaded until it has confined itself.
"""
