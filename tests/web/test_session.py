"""A real ``neuroexam serve`` session over its websocket: an intake and three findings, stored.

The browser is played by :class:`tests.web.terminal.Tab` (textual-serve's JSON protocol, one
key per message as a browser's terminal sends them); the app is the normal ``python -m
neuroexam`` in its own process, writing to this test's NEUROEXAM_HOME.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from neuroexam.core.models import Exam
from neuroexam.core.vocab import ExamStatus
from neuroexam.records.store import Store
from neuroexam.web.options import app_command
from neuroexam.web.server import SESSIONS_KEY
from tests.web.conftest import origin, served, signed_in
from tests.web.terminal import KEYS, Tab

PATIENT_ID = "P-WEB-1"


async def _until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"not reached in {timeout} s: {what}"
        await asyncio.sleep(0.05)


def _exam_of(store: Store, patient_id: str) -> Exam | None:
    for listing in store.listings():
        if listing.patient_id == patient_id:
            return store.load_exam(listing.exam_id)
    return None


async def _type(tab: Tab, text: str) -> None:
    for key in text:
        await tab.send_key(key)
    await tab.settle()


async def test_intake_and_three_findings_through_the_websocket(token: str) -> None:
    async with served(token, command=app_command()) as client:
        headers = {**signed_in(token), "Origin": origin(client)}
        tab = Tab(await client.ws_connect("/ws?width=100&height=32", headers=headers))
        await tab.wait_for_text("scratch and cutaneous trunci reflex exam")  # home screen
        await tab.settle()

        mark = len(tab.output)
        await tab.send_key("n")
        await tab.wait_for_text("Signalment", since=mark)
        await tab.settle()
        await _type(tab, PATIENT_ID)
        await tab.send_key("tab")
        await _type(tab, "Rex")
        await tab.send_key("tab")
        await tab.send_key("right")  # species: the first arrow chooses Dog
        await tab.settle()
        await tab.send_key("tab")
        await _type(tab, "Beagle")
        await tab.send_key("tab")
        await _type(tab, "6")
        await tab.send_key("f5")

        store = Store()
        try:
            await _until(lambda: _exam_of(store, PATIENT_ID) is not None, "exam saved at F5")
            await tab.settle()
            for count, key in enumerate("arp", start=1):
                await tab.send_key(key)
                await _until(
                    lambda n=count: len(_exam_of(store, PATIENT_ID).findings) == n,  # type: ignore[union-attr]
                    f"finding {count} saved",
                )
                await tab.settle()
            exam = _exam_of(store, PATIENT_ID)
        finally:
            store.close()
        await tab.close()
        await _until(lambda: client.app[SESSIONS_KEY].count == 0, "the app exited")

    assert exam is not None
    assert exam.patient.name == "Rex"
    assert exam.patient.species.value == "dog"
    assert exam.patient.breed == "Beagle"
    assert exam.patient.age_years == 6
    assert exam.status is ExamStatus.IN_PROGRESS  # closing the tab leaves it resumable
    grades = [(f.test.value, f.site, f.side.value, f.grade.value) for f in exam.findings]
    assert grades == [
        ("cutaneous_trunci", "L7", "left", "absent"),
        ("cutaneous_trunci", "L6", "left", "reduced"),
        ("cutaneous_trunci", "L5", "left", "present"),
    ]
    # what was saved stays after the app process has gone
    reopened = Store()
    try:
        again = _exam_of(reopened, PATIENT_ID)
    finally:
        reopened.close()
    assert again is not None and len(again.findings) == 3


async def test_a_burst_in_one_websocket_message_lands_in_the_right_fields(token: str) -> None:
    """A paste, or a touch keyboard's whole word, arrives as one ``stdin`` message: the intake
    keeps each part in its field, and the keys after F5 answer the wizard."""
    async with served(token, command=app_command()) as client:
        headers = {**signed_in(token), "Origin": origin(client)}
        tab = Tab(await client.ws_connect("/ws?width=100&height=32", headers=headers))
        await tab.wait_for_text("scratch and cutaneous trunci reflex exam")
        await tab.settle()
        mark = len(tab.output)
        await tab.send_key("n")
        await tab.wait_for_text("Signalment", since=mark)
        await tab.settle()
        tab_key, right, f5 = KEYS["tab"], KEYS["right"], KEYS["f5"]
        burst = f"P-BURST-1{tab_key}Bella{tab_key}{right}{tab_key}Dachshund{tab_key}5{f5}arp"
        await tab.websocket.send_json(["stdin", burst])
        store = Store()
        try:
            await _until(
                lambda: (
                    (exam := _exam_of(store, "P-BURST-1")) is not None and len(exam.findings) == 3
                ),
                "the burst's exam and its three findings saved",
            )
            exam = _exam_of(store, "P-BURST-1")
        finally:
            store.close()
        await tab.close()
        await _until(lambda: client.app[SESSIONS_KEY].count == 0, "the app exited")

    assert exam is not None
    patient = exam.patient
    assert (patient.name, patient.species.value, patient.breed, patient.age_years) == (
        "Bella",
        "dog",
        "Dachshund",
        5,
    )
    assert [f.grade.value for f in exam.findings] == ["absent", "reduced", "present"]
