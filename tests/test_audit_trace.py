"""The critical path of a device's audit: data dependencies and the order of steps on one line."""

from __future__ import annotations

import logging
import threading

from scanner.model import Observation
from scanner.net import exchanges
from scanner.pipeline.trace import Part, Step, Trace

MAIN, HELPER = 1, 2


def _trace(*steps: Step) -> Trace:
    trace = Trace()
    trace.steps.extend(steps)
    return trace


def test_the_chain_follows_the_latest_answer_each_step_waited_for():
    trace = _trace(
        Step("http.root", (), 0.0, 4.0, 2, HELPER),  # a silent port kept GET / waiting
        Step("onvif", (), 0.0, 0.5, 16, MAIN),
        Step("rtsp", ("http.root", "onvif"), 4.0, 4.1, 3, MAIN),
        Step("vendor.1", ("rtsp",), 4.1, 4.2, 2, MAIN),
        Step("vendor.2", ("rtsp",), 4.1, 4.3, 2, HELPER),
    )
    chain = trace.critical_path()
    assert [s.name for s in chain] == ["http.root", "rtsp", "vendor.2"]
    assert sum(s.requests for s in chain) == 7


def test_a_step_also_waits_for_the_step_before_it_on_its_line():
    trace = _trace(
        Step("onvif", (), 0.0, 0.5, 16, MAIN),
        Step("rtsp", ("onvif",), 0.5, 0.6, 2, MAIN),
        Step("vendor.1", ("rtsp",), 0.6, 0.8, 3, MAIN),
        Step("vendor.session", ("rtsp",), 0.8, 0.9, 3, MAIN),  # reads no vendor answer, but ran after them
    )
    assert [s.name for s in trace.critical_path()] == ["onvif", "rtsp", "vendor.1", "vendor.session"]


def test_steps_are_timed_and_counted_and_logged_only_when_asked(caplog):
    trace = Trace()
    observation = Observation("http.root", "GET http://127.0.0.1:80/", "ok")

    def challenged_then_answered() -> Part:  # a login challenge, then the request asked again with the login
        exchanges.answered()
        exchanges.answered()
        return Part(observations=(observation,))

    assert trace.step("http.root", (), challenged_then_answered).observations == (observation,)
    other = threading.Thread(target=exchanges.answered)  # another thread's exchange is not this step's
    assert trace.step("rtsp", (), lambda: (other.start(), other.join(), Part())[-1]) == Part()
    assert [(s.name, s.requests) for s in trace.steps] == [("http.root", 2), ("rtsp", 0)]
    logger = logging.getLogger("tests.trace")
    with caplog.at_level(logging.INFO, logger="tests.trace"):
        trace.log(logger, "127.0.0.1")
    assert not caplog.records
    with caplog.at_level(logging.DEBUG, logger="tests.trace"):
        trace.log(logger, "127.0.0.1")
    figures = caplog.records[0].trace
    assert figures["chain"] == ["http.root", "rtsp"] and figures["requests"] == figures["critical_requests"] == 2


def test_an_empty_trace_has_no_path():
    assert Trace().critical_path() == []
