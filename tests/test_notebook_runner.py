"""lecturelib.tooling.notebook_runner: a cell that runs past its timeout is named, not waited for."""

from __future__ import annotations

import nbformat
import pytest

from lecturelib.tooling.notebook_runner import (
    CELL_TIMEOUT,
    execute_notebook,
    first_line,
    timeout_message,
)


def _notebook(folder, name: str, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a tiny notebook")]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_sleeping_cell_is_named_with_its_notebook_and_index(tmp_path):
    path = _notebook(
        tmp_path, "sleepy", "x = 1", "\n# wait here\nimport time\ntime.sleep(60)"
    )
    nb, _, error = execute_notebook(path, timeout=2)
    assert error is not None
    assert error.startswith("sleepy: cell 2 (`# wait here`) did not finish within 2 s")
    # a sleeping kernel uses no CPU: reported as idle (stalled), cell acknowledged
    assert "the kernel was idle" in error and "it had started the cell" in error
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count == 1


def test_extra_cells_have_their_own_timeout(tmp_path):
    path = _notebook(tmp_path, "fine", "print('ok')")
    _, _, error = execute_notebook(
        path, timeout=60, extra_cells=["import time; time.sleep(60)"], extra_timeout=2
    )
    assert error.startswith(
        "fine: cell 2 (`import time; time.sleep(60)`) did not finish within 2 s"
    )


def test_cells_within_the_timeout_pass(tmp_path):
    path = _notebook(tmp_path, "quick", "import time; time.sleep(0.2)", "y = 2")
    nb, _, error = execute_notebook(path, timeout=30)
    assert error is None
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2]
    nbformat.validate(nb)  # the runner's own stamps too: nbconvert validates
    assert nb.cells[1].metadata.execution["lecturelib.done"].endswith("+00:00")


def test_the_kernels_own_logs_stay_out_of_the_runners_terminal(tmp_path, capfd):
    # at shutdown the kernels logged "Got events for closed stream", ZMQ tracebacks
    # and "KeyboardInterrupt caught in kernel" to the inherited stderr (6 lines of
    # noise in one `make precompute`); the same loggers, called from a cell:
    path = _notebook(
        tmp_path, "quiet", "import logging\n"
        "logging.getLogger('tornado.general').warning('closed-stream-warning')\n"
        "logging.getLogger('tornado.application').error('zmq-traceback')\n"
        "get_ipython().kernel.log.error('interrupt-caught')",
        "sorted(k for k in globals() if not k.startswith('_') and k not in "
        "('In', 'Out', 'get_ipython', 'exit', 'quit', 'open', 'logging'))",
    )  # fmt: skip
    nb, _, error = execute_notebook(path, timeout=60)
    printed = "".join(capfd.readouterr())
    assert error is None and [c.execution_count for c in nb.cells[1:]] == [1, 2]
    for said in ("closed-stream-warning", "zmq-traceback", "interrupt-caught"):
        assert said not in printed
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "[]"  # no name left behind


def test_timeout_message_says_idle_or_working():
    busy = timeout_message("05_occlusion", 7, "w = occlusion_widget()\n", 120, cpu=95.0)
    assert busy.startswith(
        "05_occlusion: cell 7 (`w = occlusion_widget()`) did not finish within 120 s"
    )
    assert "working (95 s of CPU)" in busy and "idle" not in busy
    idle = timeout_message("04_x", 3, "a\nb", 120, cpu=0.4, seen=[])
    assert "idle (0.4 s of CPU)" in idle and "never acknowledged" in idle
    started = timeout_message("04_x", 3, "a", 120, cpu=0.4, seen=["status:busy"])
    assert "it had started the cell" in started
    # 5 % of the timeout in CPU is the border between idle and working
    assert "idle" in timeout_message("n", 0, "a", 100, cpu=4.9)
    assert "working" in timeout_message("n", 0, "a", 100, cpu=5.0)
    assert timeout_message("n", 0, "a", 100).endswith("within 100 s")


@pytest.mark.parametrize(
    ("source", "expected"),
    [("\n\n  x = 1  \ny", "x = 1"), ("", "(empty)"), ("a" * 100, "a" * 77 + "...")],
)
def test_first_line(source, expected):
    assert first_line(source) == expected


def test_default_timeout_is_minutes_not_an_hour():
    assert 60 <= CELL_TIMEOUT <= 600


class _FakeSocketWait:
    """Stands in for AsyncZMQSocketChannel.get_msg: each call waits its timeout and
    finds nothing, until ``found_on`` calls; that one returns a reply sent 3 s ago
    (a message whose wake-up the event loop missed, found by the poll at the end)."""

    def __init__(self, found_on: int):
        self.found_on, self.asked = found_on, []

    async def __call__(self, timeout=None):  # set on the class: not bound
        import asyncio
        import datetime as dt
        from queue import Empty

        self.asked.append(timeout)
        await asyncio.sleep(timeout or 0)
        if len(self.asked) < self.found_on:
            raise Empty
        sent = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=3)
        return {"msg_type": "execute_reply", "header": {"date": sent}}


def _sliced_shell_channel():
    from lecturelib.tooling import notebook_runner

    cls = notebook_runner._kernel_client_class().shell_channel_class.default_value
    return cls.__new__(cls)  # get_msg only, no socket needed


def test_waits_on_the_shell_socket_in_slices(monkeypatch):
    import asyncio

    from jupyter_client.channels import AsyncZMQSocketChannel

    from lecturelib.tooling import notebook_runner

    monkeypatch.setattr(notebook_runner, "POLL_SLICE", 0.05)
    monkeypatch.setattr(notebook_runner, "LATE_MESSAGES", [])
    fake = _FakeSocketWait(found_on=3)
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", fake)
    msg = asyncio.run(_sliced_shell_channel().get_msg(timeout=10))
    assert msg["msg_type"] == "execute_reply"
    assert fake.asked == [0.05, 0.05, 0.05]  # three slices, not one 10 s wait
    [(channel, kind, waited)] = notebook_runner.LATE_MESSAGES
    assert (channel, kind) == ("shell", "execute_reply") and 2.9 < waited < 30


def test_sliced_wait_still_times_out(monkeypatch):
    import asyncio
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    from lecturelib.tooling import notebook_runner

    monkeypatch.setattr(notebook_runner, "POLL_SLICE", 0.05)
    fake = _FakeSocketWait(found_on=99)
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", fake)
    with pytest.raises(Empty):
        asyncio.run(_sliced_shell_channel().get_msg(timeout=0.12))
    assert len(fake.asked) == 3 and fake.asked[:2] == [0.05, 0.05]
    assert 0 <= fake.asked[2] <= 0.05
    # POLL_SLICE = None: nbclient's own single wait
    monkeypatch.setattr(notebook_runner, "POLL_SLICE", None)
    fake = _FakeSocketWait(found_on=99)
    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", fake)
    with pytest.raises(Empty):
        asyncio.run(_sliced_shell_channel().get_msg(timeout=0.12))
    assert fake.asked == [0.12]
