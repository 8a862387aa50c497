"""Rendering the Kubernetes overlays and validating every document offline, strictly.

Built-in kinds are checked against kubernetes-validate's strict JSON schemas (every object
closed: an unknown field is an error, as with ``kubectl apply``'s default strict field
validation). Custom resources (Strimzi, KEDA) are checked against the ``openAPIV3Schema`` of
their published CRDs, converted to JSON Schema the way the API server reads a structural
schema: unknown fields refused unless ``x-kubernetes-preserve-unknown-fields``, int-or-string
accepted as either, ``nullable`` allowing null, and ``metadata`` checked as an ObjectMeta. A
document whose kind and apiVersion have no schema is an error too.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError
from referencing import Registry, Resource

from tests.deploy import tools

K8S_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = ("dev", "gpu")
# The oldest Kubernetes these manifests support, and the newest the schemas know.
K8S_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())
OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def build(path: Path) -> list[dict]:
    """``kustomize build`` of a directory: its documents."""
    result = subprocess.run([str(tools.kustomize_binary()), "build", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"kustomize build {path} failed:\n{result.stderr}")
    return [d for d in yaml.safe_load_all(result.stdout) if d]


# -- CRDs --------------------------------------------------------------------------------------
def structural_to_jsonschema(node):
    """One node of a CRD's openAPIV3Schema as a closed JSON Schema node."""
    if isinstance(node, list):
        return [structural_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("description", "default", "format", "example", "nullable") or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: structural_to_jsonschema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = structural_to_jsonschema(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out = {"anyOf": [{"type": "integer"}, {"type": "string"}], **out}
    if node.get("type") == "object" and "additionalProperties" not in node \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@lru_cache(maxsize=1)
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) to the JSON Schema of each served version of the fetched CRDs."""
    missing = tools.missing()
    if missing:
        raise AssertionError(f"deploy validators missing ({', '.join(missing)}); run scripts/setup.sh")
    schemas = {}
    for path in tools.crd_paths():
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", False):
                    continue
                schema = structural_to_jsonschema(version["schema"]["openAPIV3Schema"])
                schema["properties"]["metadata"] = {"$ref": OBJECT_META}
                schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
                schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


@lru_cache(maxsize=4)
def _definitions(k8s_version: str) -> Registry:
    from importlib.resources import files

    version = [v for v in kubernetes_validate.utils.all_versions()
               if kubernetes_validate.utils.major_minor(v) <= k8s_version][-1]
    path = files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict" / "_definitions.json"
    return Resource.from_contents(json.loads(path.read_text())) @ Registry()


def errors(doc: dict, k8s_version: str) -> list[str]:
    """What is wrong with one document (empty when it is valid)."""
    where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    if not doc.get("metadata", {}).get("name"):
        return [f"{where}: no metadata.name"]
    crd = crd_schemas().get((doc.get("apiVersion"), doc.get("kind")))
    if crd is not None:
        validator = jsonschema.Draft202012Validator(crd, registry=_definitions(k8s_version))
        return [f"{where}: {'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in validator.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, k8s_version, strict=True)
    except SchemaNotFoundError as exc:
        return [f"{where}: no schema for {doc.get('apiVersion')} {doc.get('kind')} ({exc.message})"]
    except jsonschema.ValidationError as exc:
        return [f"{where}: {'.'.join(map(str, exc.absolute_path)) or '(root)'}: {exc.message}"]
    return []
