"""What the API and the worker share, free of Faust and of every service: the event envelope
(``envelope``: the schema version, event ids, times as the events write them), the pipeline's
names (``pipeline``: its topics, the event type on each, its stages), the video, its moments and
its rendered clips as the catalog keeps them (``video``: ``Video`` and its ``VideoStage``s;
``transcript``: ``TranscriptChunk``, of ``words.Word``s; ``moment``: ``StoredMoment``; ``clip``: ``Clip``; ``webhooks``: a tenant's ``Endpoint``s with their ``SigningSecret``s, each ``Delivery`` and its ``Attempt``s; all frozen), the event contracts (``contracts``: every message checked against ``schemas/events``)
and the dead-letter record (``deadletters``). The worker's Faust binding (``streams.worker``) is
built on these; the API publishes with them and never imports Faust."""
