"""The keyboard-wedge buffer, fed synthetic key times: bursts are scans, typing is released in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workstation.scanning.wedge import WedgeBuffer, WedgeResult


def type_keys(
    buffer: WedgeBuffer[str], text: str, start: float, interval: float, terminator: str | None = "enter"
) -> tuple[list[str], list[str], float]:
    """Feed `text` one key every `interval` ms, then the terminator; return (scans, delivered keys, end)."""
    scans: list[str] = []
    delivered: list[str] = []

    def apply(result: WedgeResult[str], key: str) -> None:
        delivered.extend(result.release)
        if result.scan is not None:
            scans.append(result.scan)
        elif not result.held:
            delivered.append(key)

    at = start
    for ch in text:
        apply(buffer.feed_text(ch, at, ch), ch)
        at += interval
    if terminator is not None:
        apply(buffer.feed_terminator(terminator, at, f"<{terminator}>"), f"<{terminator}>")
    return scans, delivered, at


def test_a_fast_burst_ending_in_enter_is_one_scan_and_nothing_is_delivered() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    scans, delivered, _ = type_keys(buffer, "1Z5R89390357567127", 1000.0, 8.0)
    assert scans == ["1Z5R89390357567127"]
    assert delivered == []
    assert not buffer.holding


def test_a_burst_ending_in_tab_is_a_scan_too() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    scans, delivered, _ = type_keys(buffer, "RB123456785GB", 0.0, 15.0, terminator="tab")
    assert scans == ["RB123456785GB"]
    assert delivered == []


def test_typing_at_eighty_ms_per_key_is_released_in_order_and_enter_goes_through() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    scans, delivered, _ = type_keys(buffer, "damaged box", 0.0, 80.0)
    assert scans == []
    assert delivered == [*"damaged box", "<enter>"]
    assert buffer.deadline_ms() is None


def test_a_burst_shorter_than_the_minimum_is_typing() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer(min_length=6)
    scans, delivered, _ = type_keys(buffer, "12345", 0.0, 5.0)
    assert scans == []
    assert delivered == [*"12345", "<enter>"]


def test_a_slow_gap_before_enter_turns_the_burst_into_typing() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    scans, delivered, at = type_keys(buffer, "123456789", 0.0, 5.0, terminator=None)
    assert (scans, delivered) == ([], [])
    result = buffer.feed_terminator("enter", at + 200.0, "<enter>")
    assert result.scan is None
    assert result.release == tuple("123456789")
    assert not result.held  # the Enter itself goes through to the widget


def test_a_pause_mid_burst_releases_what_came_before_and_starts_again() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    _, delivered, at = type_keys(buffer, "abc", 0.0, 10.0, terminator=None)
    assert delivered == []
    scans, delivered, _ = type_keys(buffer, "1234567890", at + 300.0, 10.0)
    assert delivered == ["a", "b", "c"]
    assert scans == ["1234567890"]


def test_flush_releases_held_keys_after_the_deadline_but_not_before() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer(max_key_interval_ms=35.0)
    buffer.feed_text("x", 100.0, "x")
    assert buffer.deadline_ms() == 135.0
    assert buffer.flush(120.0).release == ()
    assert buffer.holding
    assert buffer.flush(136.0).release == ("x",)
    assert not buffer.holding


def test_flush_without_a_time_releases_everything() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    buffer.feed_text("a", 0.0, "a")
    buffer.feed_text("b", 1.0, "b")
    assert buffer.flush().release == ("a", "b")


def test_another_key_interrupts_a_burst() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    type_keys(buffer, "12345678", 0.0, 5.0, terminator=None)
    assert buffer.feed_other(45.0).release == tuple("12345678")
    assert not buffer.holding


def test_an_unconfigured_terminator_is_not_one() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer(terminators=frozenset({"enter"}))
    scans, delivered, _ = type_keys(buffer, "12345678", 0.0, 5.0, terminator="tab")
    assert scans == []
    assert delivered == [*"12345678", "<tab>"]


def test_the_gap_limit_is_inclusive() -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer(max_key_interval_ms=35.0)
    scans, _, _ = type_keys(buffer, "ABCDEFG", 0.0, 35.0)
    assert scans == ["ABCDEFG"]
    scans, _, _ = type_keys(buffer, "ABCDEFG", 1000.0, 36.0)
    assert scans == []


@given(
    text=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=6, max_size=40),
    interval=st.floats(min_value=1.0, max_value=35.0),
)
def test_any_burst_within_the_interval_is_exactly_its_text(text: str, interval: float) -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    scans, delivered, _ = type_keys(buffer, text, 0.0, interval)
    assert scans == [text]
    assert delivered == []


@given(
    text=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30),
    gaps=st.lists(st.floats(min_value=0.0, max_value=500.0), min_size=31, max_size=31),
)
def test_every_key_is_either_delivered_once_in_order_or_part_of_a_scan(text: str, gaps: list[float]) -> None:
    buffer: WedgeBuffer[str] = WedgeBuffer()
    delivered: list[str] = []
    scanned: list[str] = []
    at = 0.0
    for i, ch in enumerate(text):
        result = buffer.feed_text(ch, at, ch)
        delivered.extend(result.release)
        at += gaps[i]
    result = buffer.feed_terminator("enter", at, "\n")
    delivered.extend(result.release)
    if result.scan is not None:
        scanned.append(result.scan)
    elif not result.held:
        delivered.append("\n")
    delivered.extend(buffer.flush().release)
    assert "".join(scanned) + "".join(delivered) in (text, text + "\n")
    assert "".join(delivered) == ("" if scanned else text + "\n")
