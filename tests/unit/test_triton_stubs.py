"""The Triton stub check's pure parts: which instances the loaded models have, which of them no
live stub of the server serves, and how ``/proc`` is read."""

from pathlib import Path

import pytest

from streams.errors import ConfigError
from streams.services.triton_stubs import Process, instances, processes, server_pid, without_stub

STUB = "/opt/tritonserver/backends/python/triton_python_backend_stub"


def stub(pid: int, instance: str, ppid: int = 1, state: str = "S") -> Process:
    return Process(pid, ppid, state, (STUB, f"/app/models/{instance}/1/model.py", "shm", "1048576", "1048576",
                                      str(ppid), "/opt/tritonserver/backends/python", "336", instance, "DEFAULT"))


def test_instances_are_named_by_group_and_count_for_python_models_only():
    configs = {
        "whisper": {"backend": "python", "instance_group": [{"name": "whisper_0", "count": 2}]},
        "judge": {"backend": "python", "instance_group": [{"count": 1}, {"name": "judge_gpu", "count": 1}]},
        "plain": {"backend": "python"},
        "onnx": {"backend": "onnxruntime", "instance_group": [{"name": "onnx_0", "count": 3}]},
    }
    assert instances(configs) == ["whisper_0_0", "whisper_0_1", "judge_0_0", "judge_gpu_0", "plain_0_0"]


def test_an_instance_whose_stub_died_or_belongs_to_another_server_has_none():
    found = [
        Process(1, 0, "S", ("tritonserver", "--model-repository=/app/models")),
        stub(10, "whisper_0_0"),
        Process(11, 1, "Z", ()),  # a stub that died: a zombie, its arguments gone
        stub(12, "face_detector_0_0", ppid=99),  # another server's
        stub(13, "speaker_encoder_0_0", state="R"),
    ]
    expected = ["whisper_0_0", "face_landmarks_0_0", "face_detector_0_0", "speaker_encoder_0_0"]
    assert without_stub(expected, found, server=1) == ["face_landmarks_0_0", "face_detector_0_0"]
    assert without_stub(expected, found, server=99) == ["whisper_0_0", "face_landmarks_0_0", "speaker_encoder_0_0"]
    assert without_stub([], found, server=1) == []


def test_proc_is_read_with_names_that_hold_spaces_and_parentheses(tmp_path: Path):
    def make(pid: int, stat: str, argv: list[str]) -> None:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(stat)
        (tmp_path / str(pid) / "cmdline").write_bytes(b"".join(a.encode() + b"\0" for a in argv))

    make(7, "7 (tritonserver) S 1 7 7 0 -1", ["/usr/bin/tritonserver", "--http-port=8000"])
    make(8, "8 (a (b) c) R 7 8 8 0 -1", [STUB, "whisper_0_0"])
    make(9, "9 (triton_python_b) Z 7 9 9 0 -1", [])
    (tmp_path / "self").mkdir()  # not a pid
    found = sorted(processes(tmp_path), key=lambda p: p.pid)
    assert found == [Process(7, 1, "S", ("/usr/bin/tritonserver", "--http-port=8000")),
                     Process(8, 7, "R", (STUB, "whisper_0_0")), Process(9, 7, "Z", ())]
    assert server_pid(found) == 7
    with pytest.raises(ConfigError, match="2 tritonserver processes"):
        server_pid([*found, Process(20, 1, "S", ("tritonserver",))])
    with pytest.raises(ConfigError, match="0 tritonserver processes"):
        server_pid(found[1:])
