"""Shift events in the subscriber's language: summary and description texts, one event."""

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from rota.schedule.feeds.ical import FeedEvent, shift_description, slot_uid
from rota.schedule.models import Channel, ShiftStatus

DUTY = {
    Channel.PHONE: _l("Phone duty"),
    Channel.EMAIL: _l("E-mail duty"),
    Channel.CHAT: _l("Chat duty"),
}
CHANNEL = {Channel.PHONE: _l("phone"), Channel.EMAIL: _l("e-mail"), Channel.CHAT: _l("chat")}


@dataclass(frozen=True)
class Ring:
    """What every feed says about the ring itself, from the configuration."""

    name: str
    phone: str
    email: str
    tz: str = "Europe/Helsinki"
    refresh_minutes: int = 60

    @property
    def uid_domain(self) -> str:
        """The domain in event UIDs: the ring's e-mail domain, stable across host names."""
        return self.email.rpartition("@")[2] or "rota"


@dataclass(frozen=True)
class Texts:
    """Everything translated once per feed, so that 10 000 events cost no gettext calls."""

    duty: dict
    channel: dict
    languages: dict
    summary: str
    named: str
    cancelled: str
    labels: tuple[str, ...]
    nobody: str
    locale: str


def texts_for(locale: str) -> Texts:
    """The texts of a feed in `locale` (fi, sv or en)."""
    with force_locale(locale):
        return Texts(
            duty={key: str(value) for key, value in DUTY.items()},
            channel={key: str(value) for key, value in CHANNEL.items()},
            languages={},
            summary=gettext("%(duty)s: %(organisation)s"),
            named=gettext("%(duty)s: %(organisation)s (%(counsellor)s)"),
            cancelled=gettext("Cancelled: %(summary)s"),
            labels=(
                gettext("Channel"),
                gettext("Organisation"),
                gettext("Counsellor"),
                gettext("Language"),
                gettext("The ring's phone"),
                gettext("The ring's e-mail"),
            ),
            nobody=gettext("not named yet"),
            locale=locale,
        )


def _language(texts: Texts, code: str | None) -> str:
    if not code:
        return ""
    if code not in texts.languages:
        try:
            texts.languages[code] = Locale.parse(code).get_display_name(texts.locale) or code
        except (ValueError, UnknownLocaleError):
            texts.languages[code] = code
    return texts.languages[code]


def _summary(row, texts: Texts, counsellor: str | None) -> str:
    values = {"duty": texts.duty[row.channel], "organisation": row.organisation}
    if counsellor:
        summary = texts.named % {**values, "counsellor": counsellor}
    else:
        summary = texts.summary % values
    if row.status == ShiftStatus.CANCELLED:
        return texts.cancelled % {"summary": summary}
    return summary


def _description(row, texts: Texts, ring: Ring, counsellor: str | None, public: bool) -> str:
    channel, org, person, language, phone, email = texts.labels
    fields = [(channel, texts.channel[row.channel]), (org, row.organisation)]
    if not public:
        fields.append((person, counsellor or texts.nobody))
    fields += [(language, _language(texts, row.language)), (phone, ring.phone)]
    return shift_description([*fields, (email, ring.email)])


def shift_event(row, texts: Texts, ring: Ring, public: bool) -> FeedEvent:
    """One shift row as an event; the public variant leaves out the counsellor."""
    counsellor = None if public else row.counsellor
    return FeedEvent(
        uid=slot_uid(row.channel, row.starts_at, ring.uid_domain),
        start=row.starts_at,
        end=row.ends_at,
        summary=_summary(row, texts, counsellor),
        description=_description(row, texts, ring, counsellor, public),
        sequence=row.sequence,
        last_modified=row.updated_at,
        created=row.created_at,
        cancelled=row.status == ShiftStatus.CANCELLED,
        categories=(texts.channel[row.channel],),
    )
