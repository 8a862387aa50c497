"""Analytics in ClickHouse: what an event becomes as a row (``rows``), the ordered DDL of
``schemas/clickhouse`` (``migrations``) and the tenant's usage report (``reports``). The client,
the store and the reader the API uses are in ``streams.adapters.analytics``."""
