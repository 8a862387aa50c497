"""The layers keep apart: the API process never imports Faust (or mode, its service library), the
worker's Kafka binding; what the two share is ``streams.domain``, which imports no service at all.

Checked twice: by running (a fresh interpreter in which importing Faust fails imports every API
module and builds the app) and by reading (every import the API's code could reach, those inside
functions included, followed through the project's own modules)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.imports import imports_of

ROOT = Path(__file__).resolve().parents[2]
WORKER_ONLY = ("faust", "mode")

BLOCKED_RUN = """
import importlib, pkgutil, sys

class NoWorkerLibraries:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"the API imported {{name}}")

sys.meta_path.insert(0, NoWorkerLibraries())
import api
for module in pkgutil.walk_packages(api.__path__, "api."):
    importlib.import_module(module.name)
from api.app import create_app
from streams.settings import Settings
app = create_app(Settings.from_env())
assert app.routes
print(sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r}))
"""


def _module_file(module: str) -> Path | None:
    path = ROOT / module.replace(".", "/")
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(path: Path, module: str):
    """Every module name an import statement in ``path`` names (function-level ones too)."""
    for imported in imports_of(path, module):
        yield imported.base
        if imported.is_from:
            yield from (target for _, target in imported.names)


def reachable(start: list[str]) -> tuple[set[str], dict[str, list[str]]]:
    """The project's modules reachable by import from ``start``, and each outside library reached
    with the chain of modules that reaches it first."""
    seen: set[str] = set()
    came_from: dict[str, str] = {}
    outside: dict[str, list[str]] = {}
    todo = [".".join(m.split(".")[: i + 1]) for m in start for i in range(m.count(".") + 1)]  # packages too
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module)
        if path is None:
            continue
        for name in _imported_names(path, module):
            parts = name.split(".")
            if parts[0] not in ("api", "streams"):
                if parts[0] not in outside:
                    chain = [module]
                    while chain[-1] in came_from:
                        chain.append(came_from[chain[-1]])
                    outside[parts[0]] = chain
                continue
            for i in range(1, len(parts) + 1):  # the packages on the way are imported too
                sub = ".".join(parts[:i])
                if sub not in seen and _module_file(sub) is not None:
                    came_from.setdefault(sub, module)
                    todo.append(sub)
    return seen, outside


def test_the_api_process_runs_without_importing_faust():
    out = subprocess.run([sys.executable, "-c", BLOCKED_RUN.format(blocked=WORKER_ONLY)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_no_import_in_the_api_s_code_reaches_faust():
    api_modules = [f"api.{p.stem}" for p in (ROOT / "api").glob("*.py")]
    modules, outside = reachable(api_modules)
    assert "streams.domain.envelope" in modules and "starlette" in outside  # the walk does follow imports
    assert {lib: outside[lib] for lib in WORKER_ONLY if lib in outside} == {}


def test_the_worker_s_binding_does_reach_faust():
    """The same reading finds Faust where it is: the check above could not pass by missing it."""
    _, outside = reachable(["streams.worker.topics"])
    assert "faust" in outside


PURE_DOMAIN = ("envelope", "pipeline", "video", "moment", "clip", "words", "transcript", "webhooks", "upload",
               "options", "option_contract", "brand", "corrections")


def test_the_domain_imports_nothing_but_the_standard_library():
    modules, outside = reachable([f"streams.domain.{m}" for m in PURE_DOMAIN])
    errors = {m for m in modules if m == "streams.errors" or m.startswith("streams.errors.")}
    assert {m for m in modules if _module_file(m)} - errors == {"streams", "streams.domain",
                                                                *(f"streams.domain.{m}" for m in PURE_DOMAIN)}
    assert set(outside) <= set(sys.stdlib_module_names) | {"__future__"}, outside


def test_the_rest_of_the_domain_reaches_no_service_and_not_faust():
    """Contracts and dead letters may use pure libraries (jsonschema), but the API imports them: no
    service client and no Faust may be reached from any module of ``streams.domain``."""
    modules = [f"streams.domain.{p.stem}" for p in (ROOT / "streams" / "domain").glob("*.py")]
    _, outside = reachable(modules)
    assert "jsonschema" in outside  # the walk went past envelope and pipeline
    assert {lib: chain for lib, chain in outside.items() if lib in SERVICE_CLIENTS + WORKER_ONLY} == {}


# The only loose modules at the root of ``streams/``: what nearly every package imports. Anything else
# belongs in a package named by its concern (DEVELOPERS.md, "Where things live").
ROOT_MODULES = {"__init__", "failures", "tenancy"}  # and the errors package


def test_the_root_of_streams_holds_packages_and_only_the_shared_modules():
    loose = {p.stem for p in (ROOT / "streams").glob("*.py")}
    assert loose == ROOT_MODULES, f"new at the root of streams/: {sorted(loose - ROOT_MODULES)}; give it a package"
    packages = {p.name for p in (ROOT / "streams").iterdir() if (p / "__init__.py").is_file()}
    assert {"agents", "worker", "domain", "adapters", "ops", "cli"} <= packages



SERVICE_CLIENTS = ("tritonclient", "grpc", "asyncpg", "aiokafka", "faust", "boto3", "botocore", "httpx",
                   "clickhouse_connect", "chdb", "meilisearch")


def test_media_and_moments_call_no_service_and_no_adapter():
    """``streams.media`` and ``streams.moments`` are handed what they call (the face models, a
    sentence encoder): no module they reach imports an adapter or a service's client library."""
    files = [p for package in ("media", "moments") for p in (ROOT / "streams" / package).rglob("*.py")]
    start = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in files]
    modules, outside = reachable(start)
    assert "streams.media.reframe.sampling" in modules and "streams.vision.face_models" in modules
    assert "numpy" in outside  # the walk does reach outside libraries
    assert sorted(m for m in modules if m.startswith("streams.adapters")) == []
    assert {lib: outside[lib] for lib in SERVICE_CLIENTS if lib in outside} == {}


def test_media_and_moments_know_nothing_of_the_worker_that_runs_them():
    """Not the worker's Faust binding, its graceful stop or its agents: what the media code must
    know of a stop it is told (``streams.media.stopping``, which the worker watches)."""
    files = [p for package in ("media", "moments") for p in (ROOT / "streams" / package).rglob("*.py")]
    start = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in files]
    modules, _ = reachable(start)
    assert "streams.media.stopping" in modules
    assert sorted(m for m in modules if m.startswith(("streams.worker", "streams.agents"))) == []
    assert "streams.media.stopping" in reachable(["streams.worker.shutdown"])[0]


def test_the_render_agent_does_reach_the_triton_adapter():
    """The same reading finds the adapter where it is used: the check above could not pass by
    missing it."""
    modules, outside = reachable(["streams.agents.render"])
    assert "streams.adapters.triton" in modules and "tritonclient" in outside


# --- the floors (issue 55) ---------------------------------------------------------------------
# Every package of the house on its floor, lowest first. An import goes to the importer's own
# package or to a package on a lower floor; packages on one floor do not import each other. The
# top two floors are tools (the local stack and the command line): nothing that runs in
# production imports them.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("streams.errors",),
    ("streams", "streams.failures", "streams.settings"),
    ("streams.domain", "streams.ops", "streams.serving", "streams.net", "streams.vision", "streams.prosody"),
    ("streams.text", "streams.analytics", "streams.billing", "streams.people"),
    ("streams.asr", "streams.judge"),
    ("streams.speakers",),
    ("streams.moments",),
    ("streams.media",),
    ("streams.timeline",),
    ("streams.adapters",),
    ("streams.search", "streams.publish", "streams.usage", "streams.tenancy", "streams.webhooks",
     "streams.services"),
    ("streams.worker",),
    ("streams.agents", "api"),
    ("streams.stack",),
    ("streams.cli",),
)
TOOLS = ("streams.stack", "streams.cli")


def _all_modules() -> dict[str, Path]:
    files = [*(ROOT / "streams").rglob("*.py"), *(ROOT / "api").rglob("*.py")]
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in files}


def _import_edges(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {project module it imports: line}, every import statement counted (inside
    functions and under ``TYPE_CHECKING`` too). ``from package import name`` is an import of the
    module ``package.name`` when there is one, else of ``package``."""

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        found: dict[str, int] = {}
        for imported in imports_of(path, module):
            if not imported.is_from:
                names = [imported.base]
            else:
                names = [target if target in modules else imported.base for _, target in imported.names]
            for name in names:
                target = resolve(name) if name.split(".")[0] in ("streams", "api") else None
                if target is not None and target != module:
                    found.setdefault(target, imported.line)
        edges[module] = found
    return edges


def package_of(module: str) -> str:
    parts = module.split(".")
    return "api" if parts[0] == "api" else ".".join(parts[:2])


def _floor_of() -> dict[str, int]:
    return {package: floor for floor, packages in enumerate(FLOORS) for package in packages}


def upward_imports(edges: dict[str, dict[str, int]], floor_of: dict[str, int]) -> list[str]:
    """Each import that goes up a floor or across one, as ``module:line -> module``."""
    wrong = []
    for module, targets in sorted(edges.items()):
        mine = package_of(module)
        for target, line in sorted(targets.items()):
            theirs = package_of(target)
            if theirs != mine and floor_of[theirs] >= floor_of[mine]:
                wrong.append(f"{module}:{line} -> {target} ({mine} on floor {floor_of[mine]}, "
                             f"{theirs} on {floor_of[theirs]})")
    return wrong


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The import cycles among modules: the strongly connected components of more than one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_every_package_has_a_floor():
    packages = {package_of(m) for m in _all_modules()}
    assert packages == set(_floor_of()), (sorted(packages - set(_floor_of())), sorted(set(_floor_of()) - packages))


def test_the_readme_maps_every_package_on_its_floor():
    """The README's map of ``streams/`` (floor, package) is the code's: every package, each on its floor."""
    rows = re.findall(r"^\| (\d+) \| `(\w+)/` \|", (ROOT / "README.md").read_text(), re.MULTILINE)
    mapped = {f"streams.{name}": int(floor) for floor, name in rows}
    floors = _floor_of()
    packages = {p: n for p, n in floors.items() if p.startswith("streams.") and (ROOT / p.replace(".", "/")).is_dir()}
    assert len(rows) == len(mapped) and mapped == packages, (sorted(set(mapped.items()) ^ set(packages.items())))


def test_no_import_runs_up_a_floor_or_across_one():
    edges = _import_edges(_all_modules())
    assert sum(len(t) for t in edges.values()) > 500  # the reading does find the house's imports
    assert upward_imports(edges, _floor_of()) == []


def test_no_module_imports_itself_round_a_circle():
    assert cycles(_import_edges(_all_modules())) == []


def test_what_runs_in_production_never_imports_the_tools():
    edges = _import_edges(_all_modules())
    reaching = sorted(f"{m} -> {t}" for m, targets in edges.items() for t in targets
                      if package_of(t) in TOOLS and package_of(m) not in TOOLS)
    assert reaching == []


def test_the_floor_checks_find_what_they_look_for():
    """A planted upward import, a planted circle and a function-local import are all caught."""
    floor_of = _floor_of()
    planted = {"streams.adapters.triton": {"streams.worker.topics": 1}, "streams.worker.topics": {}}
    assert upward_imports(planted, floor_of) == [
        "streams.adapters.triton:1 -> streams.worker.topics (streams.adapters on floor 9, streams.worker on 11)"]
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert upward_imports({"streams.domain.video": {"streams.domain.clip": 1}}, floor_of) == []
    edges = _import_edges(_all_modules())
    assert "streams.moments.readers" in edges["streams.worker.process"]  # imported inside a function


MAX_MODULE_LINES = 400  # issue 55: a module someone new can read whole


def test_no_module_is_longer_than_a_reader_takes_in_at_once():
    long = {name: n for name, path in _all_modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}
