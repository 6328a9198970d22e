"""Threads from the CPU budget: cgroup v2 and v1 quotas (fake files), affinity, overrides."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lecturelib.core.threads import apply_threads, cpu_budget

ROOT = Path(__file__).resolve().parents[1]


def _v2(tmp_path, text):
    (tmp_path / "cpu.max").write_text(text)
    return tmp_path


def _v1(tmp_path, quota, period, folder="cpu"):
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "cpu.cfs_quota_us").write_text(quota)
    (tmp_path / folder / "cpu.cfs_period_us").write_text(period)
    return tmp_path


def test_a_v2_quota_of_two_cpus_on_64_cores_gives_two_threads(tmp_path):
    root = _v2(tmp_path, "200000 100000\n")
    assert cpu_budget(root, env={}, cores=64, affinity=64) == (
        2,
        "cgroup quota 2.0 CPUs of 64 cores",
    )


def test_a_fractional_quota_rounds_down_and_never_below_one(tmp_path):
    assert cpu_budget(_v2(tmp_path, "250000 100000"), env={}, cores=64)[0] == 2
    (tmp_path / "cpu.max").write_text("50000 100000")  # half a CPU
    n, reason = cpu_budget(tmp_path, env={}, cores=64)
    assert (n, reason) == (1, "cgroup quota 0.5 CPUs of 64 cores")


def test_v2_max_means_no_quota(tmp_path):
    root = _v2(tmp_path, "max 100000\n")
    assert cpu_budget(root, env={}, cores=8, affinity=8) == (8, "all 8 cores")


def test_a_quota_above_the_cores_does_not_raise_the_count(tmp_path):
    root = _v2(tmp_path, "1600000 100000")  # 16 CPUs on 4 cores
    assert cpu_budget(root, env={}, cores=4, affinity=4) == (4, "all 4 cores")


def test_a_v1_quota_is_read_from_the_cpu_controller(tmp_path):
    root = _v1(tmp_path, "300000\n", "100000\n")
    assert cpu_budget(root, env={}, cores=32, affinity=32) == (
        3,
        "cgroup quota 3.0 CPUs of 32 cores",
    )


def test_a_v1_quota_under_the_joint_cpu_cpuacct_folder(tmp_path):
    root = _v1(tmp_path, "150000", "100000", folder="cpu,cpuacct")
    assert cpu_budget(root, env={}, cores=32, affinity=32)[0] == 1


def test_v1_minus_one_means_no_quota(tmp_path):
    root = _v1(tmp_path, "-1", "100000")
    assert cpu_budget(root, env={}, cores=6, affinity=6) == (6, "all 6 cores")


@pytest.mark.parametrize(
    "text", ["", "garbage", "two 100000", "200000 0", "200000", "1 2 3", "\xff\xfe"]
)
def test_a_malformed_cpu_max_falls_back_to_the_cores(tmp_path, text):
    (tmp_path / "cpu.max").write_bytes(text.encode("latin-1"))
    assert cpu_budget(tmp_path, env={}, cores=8, affinity=8) == (8, "all 8 cores")


def test_a_malformed_v1_pair_falls_back_to_the_cores(tmp_path):
    root = _v1(tmp_path, "lots", "100000")
    assert cpu_budget(root, env={}, cores=8, affinity=8) == (8, "all 8 cores")


def test_an_unreadable_cpu_max_falls_back_to_the_cores(tmp_path):
    (tmp_path / "cpu.max").mkdir()  # reading a folder raises IsADirectoryError
    assert cpu_budget(tmp_path, env={}, cores=8, affinity=8) == (8, "all 8 cores")


def test_missing_cgroup_files_fall_back_to_the_cores(tmp_path):
    root = tmp_path / "no-such-folder"
    assert cpu_budget(root, env={}, cores=12, affinity=12) == (12, "all 12 cores")


def test_an_affinity_mask_smaller_than_the_cores_wins(tmp_path):
    assert cpu_budget(tmp_path, env={}, cores=64, affinity=6) == (
        6,
        "affinity mask 6 CPUs of 64 cores",
    )
    root = _v2(tmp_path, "400000 100000")  # the smaller of mask and quota
    assert cpu_budget(root, env={}, cores=64, affinity=6)[0] == 4
    assert cpu_budget(root, env={}, cores=64, affinity=3)[0] == 3


def test_the_defaults_read_this_machine():
    n, _ = cpu_budget(env={})
    assert 1 <= n <= len(os.sched_getaffinity(0)) <= os.cpu_count()


def test_lecturelib_threads_overrides_then_omp_num_threads(tmp_path):
    root = _v2(tmp_path, "200000 100000")
    env = {"LECTURELIB_THREADS": "5", "OMP_NUM_THREADS": "3"}
    assert cpu_budget(root, env=env, cores=64) == (
        5,
        "set by LECTURELIB_THREADS (64 cores)",
    )
    assert cpu_budget(root, env={"OMP_NUM_THREADS": "3"}, cores=64)[0] == 3
    assert cpu_budget(root, env={"OMP_NUM_THREADS": "4,2"}, cores=64)[0] == 4
    assert cpu_budget(root, env={"LECTURELIB_THREADS": " "}, cores=64)[0] == 2


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5"])
def test_a_bad_lecturelib_threads_is_refused(tmp_path, value):
    with pytest.raises(ValueError, match=r"LECTURELIB_THREADS must be an integer ≥ 1"):
        cpu_budget(tmp_path, env={"LECTURELIB_THREADS": value}, cores=4)


def test_a_bad_omp_num_threads_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"OMP_NUM_THREADS must be an integer ≥ 1"):
        cpu_budget(tmp_path, env={"OMP_NUM_THREADS": "0"}, cores=4)


@pytest.mark.parametrize("n", [0, -2, 1.0, True, "2"])
def test_apply_threads_refuses_a_bad_count(n):
    with pytest.raises(ValueError, match="n must be an integer ≥ 1"):
        apply_threads(n)


_CHILD = """
import torch
from lecturelib.workbook import setup_notebook
setup_notebook()
import sklearn.manifold  # loads its OpenMP runtime after the set-up
from threadpoolctl import threadpool_info
pools = sorted({p["num_threads"] for p in threadpool_info()})
print("RESULT", torch.get_num_threads(), pools)
"""


def _setup_in_a_child(threads: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LECTURELIB_THREADS=threads, PYTHONPATH=str(ROOT))
    env.pop("OMP_NUM_THREADS", None)
    return subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=False,
        timeout=300, cwd=ROOT,
    )  # fmt: skip


def test_lecturelib_threads_1_gives_torch_and_the_pools_one_thread():
    """In a child process, so that this one keeps its threads."""
    child = _setup_in_a_child("1")
    assert child.returncode == 0, child.stderr
    assert "1 thread: set by LECTURELIB_THREADS" in child.stdout
    assert child.stdout.splitlines()[-1] == "RESULT 1 [1]"


def test_a_bad_lecturelib_threads_stops_the_set_up_cell():
    child = _setup_in_a_child("abc")
    assert child.returncode != 0
    assert "ValueError: LECTURELIB_THREADS must be an integer ≥ 1" in child.stderr
