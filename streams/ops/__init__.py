"""Operations: what a process does so that it can be deployed and watched.

``logs`` (JSON lines), ``metrics`` (Prometheus), ``tracing`` (OpenTelemetry), ``error_reports``
(Sentry), ``readiness`` (``clipstream wait``) and ``migrate`` (``clipstream migrate``)."""
