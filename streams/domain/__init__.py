"""What the API and the worker share, free of Faust and of every service: the event envelope
(``envelope``: the schema version, event ids, times as the events write them) and the pipeline's
names (``pipeline``: its topics, the event type on each, its stages). The worker's Faust binding
(``streams.records``, ``streams.topics``) is built on these; the API publishes with them and never
imports Faust."""
