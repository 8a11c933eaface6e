"""One editor per exam across browser tabs: two ``neuroexam serve`` sessions (two app
processes on one store) open the same exam; the second is offered read only or take over, and
after a take-over the first tab's next key is refused and offered as a new exam — never a
silent last-writer-wins."""

from __future__ import annotations

from datetime import UTC, datetime

from neuroexam.core.models import Exam, Finding, Grade, Patient, Side, TestId
from neuroexam.records.store import Store
from neuroexam.web.options import app_command
from neuroexam.web.server import SESSIONS_KEY
from tests.web.conftest import origin, served, signed_in
from tests.web.terminal import Tab
from tests.web.test_session import _until

HOME = "scratch and cutaneous trunci reflex exam"
L7_LEFT = (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)
L6_LEFT = (TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT)


def seed() -> None:
    """An unfinished exam on the tablet's records, L7 left already absent."""
    store = Store()
    try:
        store.create_exam(
            Exam(
                exam_id="E-TABS",
                exam_date=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
                examiner="T. Tech",
                patient=Patient(patient_id="P-TABS", name="Rex", species="dog", breed="Beagle"),
            )
        )
        store.record_finding(
            "E-TABS", Finding(test=L7_LEFT[0], site="L7", side=Side.LEFT, grade=Grade.ABSENT)
        )
    finally:
        store.close()


def stored() -> Exam:
    store = Store()
    try:
        exam = store.load_exam("E-TABS")
    finally:
        store.close()
    assert exam is not None
    return exam


async def open_tab(client, token: str) -> Tab:  # type: ignore[no-untyped-def]
    headers = {**signed_in(token), "Origin": origin(client)}
    tab = Tab(await client.ws_connect("/ws?width=100&height=32", headers=headers))
    await tab.wait_for_text(HOME)
    await tab.settle()
    return tab


async def resume(tab: Tab) -> int:
    """``r`` then enter on home: resume the (only) unfinished exam; the output mark before."""
    mark = len(tab.output)
    await tab.send_key("r")
    await tab.settle()
    await tab.send_key("enter")
    return mark


async def test_the_second_tab_is_offered_read_only_or_take_over(token: str) -> None:
    seed()
    async with served(token, command=app_command()) as client:
        first = await open_tab(client, token)
        mark = await resume(first)
        await first.wait_for_text("Cutaneous trunci", since=mark)  # the first tab edits
        await first.settle()

        second = await open_tab(client, token)
        mark = await resume(second)
        await second.wait_for_text("is open on", since=mark)
        await second.wait_for_text("Open read only", since=mark)
        await second.wait_for_text("Take over", since=mark)
        await second.settle()
        await second.send_key("enter")  # the first choice: read only
        await second.wait_for_text("read only", since=mark)
        await second.settle()
        assert stored().grade(*L6_LEFT) is None  # looking changed nothing

        # Back home, resume again and take over this time.
        mark = len(second.output)
        await second.send_key("escape")
        await second.wait_for_text("Unfinished exams", since=mark)
        await second.settle()
        mark = await resume(second)
        await second.wait_for_text("Take over", since=mark)
        await second.settle()
        await second.send_key("down")
        await second.send_key("enter")
        await second.wait_for_text("Cutaneous trunci", since=mark)
        await second.settle()
        await second.send_key("p")  # L6 left present, by the second tab
        await _until(lambda: stored().grade(*L6_LEFT) is Grade.PRESENT, "second tab's finding")

        mark = len(first.output)
        await first.send_key("a")  # the first tab's L6: refused, not written over
        await first.wait_for_text("taken over", since=mark)
        assert stored().grade(*L6_LEFT) is Grade.PRESENT
        await first.settle()
        await first.send_key("y")  # keep the first tab's version as a new exam
        await first.wait_for_text(HOME, since=mark)

        for tab in (first, second):
            await tab.close()
        await _until(lambda: client.app[SESSIONS_KEY].count == 0, "both apps exited")

    store = Store()
    try:
        copies = [e for e in store.load_exams() if e.exam_id != "E-TABS"]
    finally:
        store.close()
    assert len(copies) == 1 and "taken over" in copies[0].exam_note
    assert copies[0].grade(*L6_LEFT) is Grade.ABSENT
