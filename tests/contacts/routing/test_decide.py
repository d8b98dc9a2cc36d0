"""The pure routing decision: properties over random rotas, and the named cases."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rota.contacts.routing.decide import DutyShift, RotaView, Route, decide

T0 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
CHANNELS = ("email", "phone")
LANGS = ("fi", "sv", "en")


def shift(shift_id, start_h, hours=3, *, channel="email", counsellor=None, langs=("fi",), **kw):
    return DutyShift(
        shift_id=shift_id,
        organisation_id=100 + shift_id,
        channel=channel,
        starts_at=T0 + timedelta(hours=start_h),
        ends_at=T0 + timedelta(hours=start_h + hours),
        counsellor_id=counsellor,
        counsellor_languages=langs if counsellor else (),
        **kw,
    )


@st.composite
def shifts(draw):
    n = draw(st.integers(0, 8))
    result = []
    for i in range(n):
        named = draw(st.booleans())
        result.append(
            shift(
                i + 1,
                draw(st.integers(-6, 30)),
                draw(st.integers(1, 8)),
                channel=draw(st.sampled_from(CHANNELS)),
                counsellor=1000 + i if named else None,
                langs=tuple(draw(st.sets(st.sampled_from(LANGS), min_size=1))),
                counsellor_absent=named and draw(st.booleans()),
                language=draw(st.none() | st.sampled_from(LANGS)),
            )
        )
    return result


arrivals = st.integers(0, 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
languages = st.none() | st.sampled_from(LANGS)


def running(all_shifts, channel, at):
    return [s for s in all_shifts if s.channel == channel and s.starts_at <= at < s.ends_at]


@given(shifts(), st.sampled_from(CHANNELS), languages, arrivals)
def test_a_present_counsellor_on_duty_for_the_channel_always_gets_the_contact(
    all_shifts, channel, language, at
):
    decision = decide(RotaView(on_duty=tuple(all_shifts)), channel, language, at)
    present = [s for s in running(all_shifts, channel, at) if s.staffed]
    if present:
        assert decision.route == Route.ON_DUTY
        assert decision.owner_id in {s.counsellor_id for s in present}
        speakers = [s for s in present if language in s.counsellor_languages]
        if speakers:
            assert decision.owner_id in {s.counsellor_id for s in speakers}


@given(shifts(), st.sampled_from(CHANNELS), languages, arrivals)
def test_the_owner_is_never_absent_never_of_another_channel_and_matches_the_shift(
    all_shifts, channel, language, at
):
    decision = decide(RotaView(on_duty=tuple(all_shifts)), channel, language, at)
    by_id = {s.shift_id: s for s in all_shifts}
    if decision.shift_id is None:
        assert decision.route == Route.NO_ROTA
        assert not [s for s in all_shifts if s.channel == channel and s.ends_at > at]
        return
    chosen = by_id[decision.shift_id]
    assert chosen.channel == channel
    assert decision.organisation_id == chosen.organisation_id
    if decision.owner_id is not None:
        assert decision.owner_id == chosen.counsellor_id and not chosen.counsellor_absent
    assert decision.on_duty == (chosen.starts_at <= at < chosen.ends_at)


@given(shifts(), st.sampled_from(CHANNELS), languages, arrivals)
def test_outside_service_hours_the_next_shift_to_start_takes_the_contact(
    all_shifts, channel, language, at
):
    decision = decide(RotaView(next_shifts=tuple(all_shifts)), channel, language, at)
    if running(all_shifts, channel, at):
        return
    later = [s for s in all_shifts if s.channel == channel and s.starts_at > at]
    if not later:
        assert decision.route == Route.NO_ROTA and decision.owner_id is None
        return
    first = min(s.starts_at for s in later)
    assert decision.route in (Route.NEXT_SHIFT, Route.NEXT_ORG_QUEUE)
    assert decision.shift.starts_at == first


@given(shifts(), st.sampled_from(CHANNELS), languages, arrivals, st.randoms())
def test_the_decision_does_not_depend_on_the_order_of_the_rota(
    all_shifts, channel, language, at, rnd
):
    shuffled = list(all_shifts)
    rnd.shuffle(shuffled)
    assert decide(RotaView(tuple(all_shifts)), channel, language, at) == decide(
        RotaView(tuple(shuffled)), channel, language, at
    )


def test_a_shift_without_a_counsellor_sends_the_contact_to_its_organisations_queue():
    decision = decide(RotaView((shift(1, 0),)), "email", None, T0 + timedelta(hours=1))
    assert (decision.route, decision.owner_id, decision.organisation_id) == (
        Route.ORG_QUEUE,
        None,
        101,
    )


def test_an_absent_counsellor_sends_the_contact_to_the_organisations_queue():
    away = shift(1, 0, counsellor=7, counsellor_absent=True)
    decision = decide(RotaView((away,)), "email", None, T0)
    assert decision.route == Route.ORG_QUEUE and decision.params["absent"]


def test_a_swedish_speaker_on_duty_is_preferred_for_swedish_mail():
    fi, sv = shift(1, 0, counsellor=7, langs=("fi",)), shift(2, 0, counsellor=8, langs=("sv",))
    decision = decide(RotaView((fi, sv)), "email", "sv", T0)
    assert decision.owner_id == 8 and decision.language_matched
    assert decide(RotaView((fi, sv)), "email", "fi", T0).owner_id == 7


def test_nobody_on_duty_and_no_shift_ahead_leaves_the_contact_unassigned():
    decision = decide(RotaView(), "email", "fi", T0)
    assert decision == decide(RotaView((shift(1, 0, channel="phone"),)), "email", "fi", T0)
    assert decision.route == Route.NO_ROTA and decision.owner_id is None
