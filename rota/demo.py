"""A demo ring modelled on the Central Finland pilot: 10 members, memoranda, people, the rota
with counsellors named on the coming weeks' shifts, and a day's contacts in every state."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from rota.contacts.events import record_event
from rota.contacts.models import (
    Call,
    CallOutcome,
    Contact,
    ContactEventKind,
    ContactStatus,
    Message,
    MessageDirection,
    SavedReply,
)
from rota.members import memoranda, people, service
from rota.members.models import Organisation, Role, User
from rota.schedule import service as shifts
from rota.schedule.coverage import rota_between
from rota.schedule.hours import closures
from rota.schedule.hours import patterns as service_hours
from rota.schedule.models import Shift
from rota.schedule.planning import replan
from rota.schedule.planning.generation import RotaSettings

DEMO_PASSWORD = "demo-password"

PILOT_BODY = (
    "Jäsenorganisaatiot ylläpitävät aikuisille yhteistä virtuaalista ohjauspalvelua, jolla on "
    "yksi sähköpostiosoite ja yksi puhelinnumero. Ohjausvuorot kiertävät jäsenten kesken "
    "kunkin alla sitoutuman osuuden suhteessa. Hanke maksaa puhelinkulut kokeilun ajan; "
    "kukin organisaatio maksaa omien ohjaajiensa työn."
)

# name, short name, colour, commitment (hours / month), signed in the pilot?
ORGANISATIONS = [
    ("Koulutuskuntayhtymä Gradia", "Gradia", "#0b6e4f", 24, True),
    ("Jyväskylän kaupunki, työllisyyspalvelut", "JKL-TYP", "#1f4e99", 20, True),
    ("Jyväskylän kansalaisopisto", "JKO", "#8a3b12", 12, True),
    ("JAMK avoin ammattikorkeakoulu", "JAMK", "#6b2c91", 16, True),
    ("Jyväskylän yliopiston avoin yliopisto", "JYU-AY", "#00615a", 16, True),
    ("Keski-Suomen Työttömät ry", "KSTY", "#a1232b", 8, True),
    ("Alkio-opisto", "Alkio", "#5c5c00", 8, True),
    ("Äänekosken kaupunki, aikuisohjaus", "ÄKS", "#30507a", 12, False),
    ("Saarijärven kansalaisopisto", "SKO", "#7a3050", 8, False),
    ("Svenska studieförbundet, Mellersta Finland", "SSF", "#2b5d2b", 8, False),
]

LATER_STARTS = {"ÄKS": date(2025, 9, 1), "SKO": date(2026, 1, 1), "SSF": date(2026, 3, 1)}

FIRST_NAMES = [
    "Aino",
    "Eero",
    "Helmi",
    "Juho",
    "Kaisa",
    "Lauri",
    "Minna",
    "Niklas",
    "Oona",
    "Pekka",
    "Riikka",
    "Sanna",
    "Tuomas",
    "Ville",
    "Elin",
    "Johan",
    "Linnea",
    "Mikael",
    "Saga",
    "Anton",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lindqvist",
    "Sjöberg",
    "Nyström",
    "Åberg",
    "Holm",
]


def _demo_name(index: int) -> str:
    return f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[(index * 7) % len(LAST_NAMES)]}"


def _agreements(session: Session):
    pilot = memoranda.create_agreement(
        session,
        title="Ohjausrenkaan yhteistyömuistio",
        version_label="1.0 (pilotti)",
        effective_from=date(2024, 1, 1),
        body=PILOT_BODY,
    )
    current = memoranda.create_agreement(
        session,
        title="Ohjausrenkaan yhteistyömuistio",
        version_label="2.0",
        effective_from=date(2025, 8, 1),
        body=PILOT_BODY.replace("kokeilun ajan", "31.12.2027 asti"),
    )
    return pilot, current


def _sign(session, org, agreement, valid_from, hours, supersedes=None, valid_until=None):
    terms = dict(
        agreement_id=agreement.id,
        signed_on=valid_from.replace(day=1),
        signed_by_name=f"Rehtori {_demo_name(org.id + 40)}",
        signed_by_title="Rehtori / johtaja",
        valid_from=valid_from,
        valid_until=valid_until,
        commitment_amount=hours,
        commitment_unit="hours",
        cost_terms="Ohjaajien kulut: organisaatio. Puhelinkulut: rengas/hanke 31.12.2027 asti.",
    )
    if supersedes is not None:
        return memoranda.amend(session, supersedes, None, **terms)
    return memoranda.sign(session, org, None, **terms)


def _people(session, org, index, password_hash):
    languages = "fi,sv" if org.short_name == "SSF" or index % 4 == 0 else "fi,en"
    people.save_person(
        session,
        None,
        actor=None,
        organisation=org,
        role=Role.ORG_ADMIN,
        name=_demo_name(index * 4),
        email=f"admin@{org.short_name.lower().replace('ä', 'a')}.example.fi",
        phone=f"+35840{1000000 + index * 4:07d}",
        languages=languages.split(","),
        password_hash=password_hash,
    )
    for n in range(1, 4):
        people.save_person(
            session,
            None,
            actor=None,
            organisation=org,
            role=Role.COUNSELLOR,
            name=_demo_name(index * 4 + n),
            email=f"ohjaaja{n}@{org.short_name.lower().replace('ä', 'a')}.example.fi",
            phone=f"+35840{1000000 + index * 4 + n:07d}",
            languages=languages.split(","),
            password_hash=password_hash,
        )


def load_demo(session: Session) -> bool:
    """Load the demo ring into an empty database; returns False if members already exist."""
    if session.scalar(select(Organisation.id).limit(1)) is not None:
        return False
    pilot, current = _agreements(session)
    password_hash = generate_password_hash(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    people.save_person(
        session,
        None,
        actor=None,
        role=Role.COORDINATOR,
        name="Kirsi Koordinaattori",
        email="koordinaattori@example.fi",
        phone="+358401000000",
        languages=["fi", "sv", "en"],
        password_hash=password_hash,
    )
    for index, (name, short, colour, hours, in_pilot) in enumerate(ORGANISATIONS, start=1):
        org = service.save_organisation(
            session,
            None,
            "FI",
            name=name,
            short_name=short,
            colour=colour,
            email=f"info@{short.lower().replace('ä', 'a')}.example.fi",
            phone="",
            address="",
            website="",
        )
        if in_pilot:
            first = _sign(session, org, pilot, date(2024, 1, 1), hours)
            signature = _sign(session, org, current, date(2025, 8, 1), hours, supersedes=first)
        else:
            signature = _sign(session, org, current, LATER_STARTS[short], hours)
        if short == "Alkio":
            memoranda.withdraw(session, signature, date(2027, 1, 1), "Resources moved elsewhere.")
        _people(session, org, index, password_hash)
    _service_hours(session)
    return True


def load_demo_day(session: Session, now: datetime, settings: RotaSettings) -> None:
    """A day's contacts in every state, handled by today's counsellors, and saved replies."""
    _contacts_of_the_day(session, now, _on_duty_today(session, now, settings))
    _saved_replies(session, now)


# weekday (Monday 0), start hour, end hour, channel, language (None: any): only the channels
# the ring serves, its one phone number and one e-mail address
SERVICE_HOURS = [
    *((day, 9, 12, "phone", None) for day in range(4)),
    *((day, 12, 15, "phone", "sv" if day == 3 else None) for day in range(4)),
    *((day, 9, 15, "email", None) for day in range(5)),
]


def _service_hours(session: Session) -> None:
    """The demo ring's weekly service hours and its summer break."""
    pattern = service_hours.save_pattern(
        session, None, name="Palveluajat 2024–", valid_from=date(2024, 1, 1), valid_until=None
    )
    for weekday, start, end, channel, language in SERVICE_HOURS:
        service_hours.add_slot(
            session,
            pattern,
            weekday=weekday,
            start_time=time(start),
            end_time=time(end),
            channel=channel,
            language=language,
        )
    for year in (2025, 2026, 2027):
        closures.add_closure(
            session,
            first=date(year, 7, 6),
            last=date(year, 7, 31),
            name="Kesätauko",
            actor_id=None,
        )


def plan_demo_rota(session: Session, now: datetime, settings: RotaSettings, weeks: int = 4) -> int:
    """Generate the demo rota and name a counsellor (one who speaks the slot's language) on
    every shift from today to `weeks` ahead, as the organisations' admins would; returns how
    many."""
    today = now.astimezone(settings.zone).date()
    morning = datetime.combine(today, time(0), settings.zone).astimezone(UTC)
    replan.generate(session, None, morning, settings=settings, mail=None)  # today's shifts too
    coordinator = session.scalar(select(User).filter_by(role=Role.COORDINATOR))
    query = select(User).filter_by(role=Role.COUNSELLOR, active=True).order_by(User.id)
    staff: dict[int, list[User]] = {}
    for person in session.scalars(query):
        staff.setdefault(person.organisation_id, []).append(person)
    turns = {org_id: itertools.cycle(people_) for org_id, people_ in staff.items()}
    named = 0
    for entry in rota_between(session, today, today + timedelta(weeks=weeks)):
        shift = entry.shift
        able = [p for p in staff.get(shift.organisation_id, []) if not shift.language
                or shift.language in p.language_list]  # fmt: skip
        if not able:
            continue
        person = next(p for p in turns[shift.organisation_id] if p in able)
        shifts.name_counsellor(session, shift.id, coordinator, counsellor_id=person.id, now=morning)
        named += 1
    return named


def _on_duty_today(session: Session, now: datetime, settings: RotaSettings) -> list[User]:
    """The counsellors named on today's shifts, in shift order (the ring's first counsellor when
    nobody is: the service is closed today)."""
    today = now.astimezone(settings.zone).date()
    query = select(Shift).where(Shift.local_day == today).order_by(Shift.starts_at)
    named = [shift.counsellor for shift in session.scalars(query) if shift.counsellor]
    return named or [session.scalars(select(User).where(User.role == Role.COUNSELLOR)).first()]


# minutes ago, subject, client, address or phone, language, state, the client's text
DAY = [
    (
        25,
        "Hakemus yhteishakuun",
        "Aino Aaltonen",
        "aino.aaltonen@example.com",
        "fi",
        "new",
        "Hei! Haen syksyllä aikuiskoulutukseen. Mistä löydän hakulomakkeen?",
    ),
    (
        70,
        "Kysymys oppisopimuksesta",
        "Mikko Mäkelä",
        "mikko.makela@example.com",
        "fi",
        "claimed",
        "Voiko oppisopimuksen tehdä osa-aikatyössä? Työskentelen kaupassa 20 h viikossa.",
    ),
    (
        140,
        "Fråga om yrkesutbildning",
        "Saga Lindholm",
        "saga.lindholm@example.com",
        "sv",
        "answered",
        "Hej! Jag vill byta bransch. Kan ni hjälpa mig att hitta en utbildning?",
    ),
    (
        260,
        "Kiitos avusta",
        "Eeva Eskola",
        "eeva.eskola@example.com",
        "fi",
        "closed",
        "Kiitos, sain hakemuksen lähetettyä!",
    ),
    (35, "", "", "+358401234567", "fi", "missed", ""),
]


def _contacts_of_the_day(session: Session, now: datetime, on_duty: list[User]) -> None:
    """A day's contacts in every state: new, claimed, answered, closed, a missed call."""
    for n, (minutes, subject, name, address, language, state, text) in enumerate(DAY):
        counsellor = on_duty[n % len(on_duty)]
        at = now - timedelta(minutes=minutes)
        phone = state == "missed"
        contact = Contact(
            channel="phone" if phone else "email",
            subject=subject,
            client_name=name,
            client_email="" if phone else address,
            client_phone=address if phone else "",
            language=language,
            owner_id=None if state == "new" else counsellor.id,
            organisation_id=counsellor.organisation_id,
            received_at=at,
            updated_at=at,
        )
        session.add(contact)
        session.flush()
        contact.reference = f"R-{contact.id}"
        record_event(session, contact, ContactEventKind.RECEIVED, at)
        if phone:
            session.add(
                Call(
                    contact_id=contact.id,
                    caller=address,
                    started_at=at,
                    outcome=CallOutcome.MISSED,
                    callback_needed=True,
                )
            )
            record_event(session, contact, ContactEventKind.CALL_MISSED, at)
            continue
        session.add(
            Message(
                contact_id=contact.id,
                direction=MessageDirection.IN,
                from_name=name,
                from_addr=address,
                subject=subject,
                body_text=text,
                created_at=at,
            )
        )
        if state == "new":
            continue
        contact.status, contact.opened_at = ContactStatus.OPEN, at + timedelta(minutes=5)
        record_event(
            session, contact, ContactEventKind.CLAIMED, contact.opened_at, actor_id=counsellor.id
        )
        if state in ("answered", "closed"):
            replied = at + timedelta(minutes=30)
            answer = {"fi": "Hienoa, kiitos kun kerroit!", "sv": "Hej! Vi ringer dig i morgon."}
            session.add(
                Message(
                    contact_id=contact.id,
                    direction=MessageDirection.OUT,
                    author_id=counsellor.id,
                    body_text=answer[language],
                    created_at=replied,
                )
            )
            contact.first_response_at = replied
            record_event(
                session, contact, ContactEventKind.REPLIED, replied, actor_id=counsellor.id
            )
        if state == "closed":
            contact.status, contact.closed_at = ContactStatus.CLOSED, at + timedelta(minutes=40)
            record_event(
                session, contact, ContactEventKind.CLOSED, contact.closed_at, actor_id=counsellor.id
            )
    session.flush()


SAVED_REPLIES = [
    (
        "fi",
        "Aukioloajat",
        "Hei!\n\nOhjauspalvelu palvelee puhelimessa ma–to klo 9–15 ja "
        "sähköpostilla ma–pe. Vastaamme viestiisi seuraavana arkipäivänä.",
    ),
    (
        "sv",
        "Öppettider",
        "Hej!\n\nVägledningen svarar i telefon mån–tors kl. 9–15 och per "
        "e-post mån–fre. Vi svarar på ditt meddelande följande vardag.",
    ),
    (
        "en",
        "Opening hours",
        "Hello,\n\nThe guidance service answers the phone Mon–Thu "
        "9–15 and e-mail Mon–Fri. We answer your message on the next working day.",
    ),
]


def _saved_replies(session: Session, now: datetime) -> None:
    """Ring-wide saved replies in the three languages."""
    for language, title, text in SAVED_REPLIES:
        session.add(SavedReply(language=language, title=title, text=text, updated_at=now))
    session.flush()
