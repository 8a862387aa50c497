"""The backing services (Kafka, PostgreSQL, object storage, ClickHouse, Triton) as the code needs
them: ``migrate`` brings them to that state (tables, topics, buckets), ``readiness`` waits until
they are (``clipstream wait``), and ``agent_groups`` says which agents a worker runs and what each
needs. Above the adapters, below the worker and the API that use it."""
