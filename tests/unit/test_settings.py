from pathlib import Path

import pytest

from streams.errors import ConfigError
from streams.settings import Settings, read_env_file


def test_derived_addresses_follow_ports():
    s = Settings.from_env({"CLIPSTREAM_KAFKA_PORT": "29092", "CLIPSTREAM_POSTGRES_PORT": "25432",
                           "CLIPSTREAM_DATA_DIR": "/srv/cs"}, env_file=Path("/nonexistent"))
    assert s.kafka_bootstrap == "127.0.0.1:29092"
    assert s.postgres_dsn == "postgresql://clipstream@127.0.0.1:25432/clipstream"
    assert s.storage_url == "file:///srv/cs/storage"
    assert s.clickhouse_path == Path("/srv/cs/clickhouse")


def test_explicit_values_win_over_derived_ones():
    s = Settings.from_env({"CLIPSTREAM_KAFKA_BOOTSTRAP": "kafka-0:9092,kafka-1:9092",
                           "CLIPSTREAM_STORAGE_URL": "s3://media/prod"}, env_file=Path("/nonexistent"))
    assert s.kafka_bootstrap == "kafka-0:9092,kafka-1:9092"
    assert s.storage_url == "s3://media/prod"


def test_env_file_supplies_what_the_environment_does_not(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# local\nCLIPSTREAM_API_PORT=9000\nexport CLIPSTREAM_SENTRY_DSN='https://k@sentry/1'\n"
                        "CLIPSTREAM_TRITON_GRPC_PORT=1\n")
    s = Settings.from_env({"CLIPSTREAM_TRITON_GRPC_PORT": "28001"}, env_file=env_file)
    assert s.api_port == 9000 and s.api_url == "http://127.0.0.1:9000"
    assert s.sentry_dsn == "https://k@sentry/1"
    assert s.triton_grpc_port == 28001  # the real environment wins


def test_bad_integer_is_a_config_error_naming_the_variable():
    with pytest.raises(ConfigError, match="CLIPSTREAM_KAFKA_PORT='abc'"):
        Settings.from_env({"CLIPSTREAM_KAFKA_PORT": "abc"}, env_file=Path("/nonexistent"))


def test_malformed_env_file_line_is_reported_with_its_number(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("OK=1\nnot a pair\n")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        read_env_file(env_file)


def test_as_env_round_trips():
    s = Settings.from_env({"CLIPSTREAM_API_PORT": "9100", "CLIPSTREAM_DATA_DIR": "/srv/x"}, env_file=Path("/none"))
    again = Settings.from_env(s.as_env(), env_file=Path("/none"))
    assert again == s


def test_with_overrides_recomputes_derived_addresses():
    s = Settings.from_env({}, env_file=Path("/none")).with_overrides(kafka_port=31000, data_dir=Path("/d"))
    assert s.kafka_bootstrap == "127.0.0.1:31000" and s.storage_url == "file:///d/storage"


def test_float_settings_are_numbers_and_bad_ones_are_config_errors():
    settings = Settings.from_env({"CLIPSTREAM_CHUNK_MAX_SECONDS": "90.5"}, env_file=None)
    assert settings.chunk_max_seconds == 90.5
    with pytest.raises(ConfigError, match="CLIPSTREAM_MAX_DURATION_SECONDS"):
        Settings.from_env({"CLIPSTREAM_MAX_DURATION_SECONDS": "long"}, env_file=None)


def test_a_worker_runs_the_agent_groups_it_is_given_in_its_own_consumer_group():
    from streams.services.agent_groups import AGENT_GROUPS, agent_modules, app_id

    assert app_id("") == app_id(",".join(reversed(AGENT_GROUPS))) == "clipstream"
    assert app_id("transcribe") == "clipstream-transcribe"
    assert app_id(" render , ingest ") == "clipstream-ingest-render"  # pipeline order, whatever was typed
    assert agent_modules("search") == ["streams.agents.search"]
    # the webhooks group also publishes and bills; the groups with a scratch directory sweep it, one module for all
    assert len(agent_modules("")) == len(AGENT_GROUPS) + 3
    assert agent_modules("ingest,render") == ["streams.agents.ingest", "streams.agents.leftovers", "streams.agents.render"]
    assert agent_modules("webhooks") == ["streams.agents.webhooks", "streams.agents.publishing", "streams.agents.billing"]
    with pytest.raises(ConfigError, match="unknown agent groups rendr"):
        app_id("rendr")


def test_the_search_backend_is_one_of_three_and_open_index_honours_it(tmp_path):
    from streams.search import open_index

    with pytest.raises(ConfigError, match="CLIPSTREAM_SEARCH_BACKEND='solr': choose one of auto, embedded, meilisearch"):
        Settings.from_env({"CLIPSTREAM_SEARCH_BACKEND": "solr"})
    configured = Settings(data_dir=tmp_path, meilisearch_url="http://127.0.0.1:9", meilisearch_key="k")
    assert open_index(configured).backend == "meilisearch"  # made without a request
    index = open_index(configured.with_overrides(search_backend="embedded"))
    try:
        assert index.backend == "sqlite"
    finally:
        index.close()
    with pytest.raises(ConfigError, match="CLIPSTREAM_SEARCH_BACKEND=meilisearch but no Meilisearch is configured"):
        open_index(Settings(data_dir=tmp_path, search_backend="meilisearch"))


def test_saved_credentials_keep_each_others_fields_and_stay_private(tmp_path):
    import json
    import stat

    from streams.stack import credentials

    settings = Settings(data_dir=tmp_path)
    credentials.save(settings, tenant_id="t1", api_key="cs_1")
    credentials.save(settings, meilisearch_master_key="m" * 43)
    credentials.save(settings, api_key="cs_2")
    path = credentials.credentials_path(settings)
    assert json.loads(path.read_text()) == {"tenant_id": "t1", "api_key": "cs_2", "meilisearch_master_key": "m" * 43}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials.saved(settings, "meilisearch_key") is None and credentials.api_key_for(settings) == "cs_2"


def test_every_setting_is_declared_in_one_group_and_described_there():
    import dataclasses
    import re

    from streams.settings import GROUPS

    owners: dict[str, list[str]] = {}
    for group in GROUPS:
        # a field is described as "name: ..." or among "a / b / c: ..." (a list may wrap)
        described = set(re.findall(r"([a-z][a-z0-9_]+)(?= /|:)", group.__doc__))
        for f in dataclasses.fields(group):
            owners.setdefault(f.name, []).append(group.__name__)
            assert f.name in described, f"{group.__name__}.{f.name} is not described in its docstring"
    assert {name: groups for name, groups in owners.items() if len(groups) > 1} == {}
    assert set(owners) == {f.name for f in dataclasses.fields(Settings)}


def test_what_runs_in_production_reads_its_knobs_from_the_settings_not_the_environment():
    """Only the settings read ``CLIPSTREAM_*`` variables, so every knob is declared, described and
    checked once. Outside them, only what loads before any settings may: the model files' folder
    (Triton's model processes and the weight installers, ``tests/deploy/test_settings_names.py``)
    and the editorial head's files (read by training at setup). OpenTelemetry's own variables are
    the OpenTelemetry SDK's convention, and the local stack's tools pass the environment on."""
    import re

    streams = Path(__file__).resolve().parents[2] / "streams"
    allowed = {"settings", "stack", "cli"}  # the settings themselves, and the tools
    read = re.compile(r"os\.environ|getenv\(")
    found = {}
    for path in streams.rglob("*.py"):
        if path.relative_to(streams).parts[0] in allowed:
            continue
        text = path.read_text()
        names = re.findall(r"os\.environ(?:\.get)?\(?\[?\"([A-Z0-9_]+)\"", text)
        bare = len(read.findall(text)) - len(names)
        if names or bare:
            found[str(path.relative_to(streams))] = sorted(set(names)) + ["(unnamed)"] * (bare > 0)
    assert found == {
        "ops/tracing.py": ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME"],
        "serving/weights.py": ["CLIPSTREAM_MODELS_DIR"],
        "moments/editorial_head.py": ["(unnamed)"],
    }
