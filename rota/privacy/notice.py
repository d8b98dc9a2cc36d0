"""The privacy notice clients read: the ring's own text per language, else the built-in one."""

from collections.abc import Mapping

from flask_babel import force_locale
from flask_babel import gettext as _

from rota.links import external_url


def notice_text(config: Mapping, language: str) -> str:
    """The notice in `language`: PRIVACY_NOTICE[language], or the built-in text."""
    own = (config.get("PRIVACY_NOTICE") or {}).get(language)
    if own:
        return own
    with force_locale(language):
        return "\n\n".join(
            [
                _(
                    "%(ring)s is a guidance service run together by its member organisations. "
                    "The ring is the controller of the personal data you give us when you write "
                    "or call: your name, e-mail address, phone number and what you tell us.",
                    ring=config.get("RING_NAME", ""),
                ),
                _(
                    "We use it only to answer you. Only the counsellors handling your matter "
                    "and the ring's coordinator see it, and every opening is logged."
                ),
                _(
                    "Messages and attachments are erased %(months)s months after your matter is "
                    "closed; the original e-mails after %(days)s days; only anonymous statistics "
                    "remain.",
                    months=config.get("RETENTION_CONTACT_MONTHS", 24),
                    days=config.get("RETENTION_RAW_MAIL_DAYS", 90),
                ),
                _(
                    "You may ask for a copy of your data or for its erasure by writing to "
                    "%(email)s.",
                    email=config.get("RING_EMAIL", ""),
                ),
            ]
        )


def notice_link(language: str) -> str:
    """The public address of the notice in `language` (on BASE_URL)."""
    return external_url("privacy.notice", lang=language)


def notice_line(language: str) -> str:
    """The line every acknowledgement ends with, in `language`."""
    with force_locale(language):
        return _("How we handle your personal data: %(link)s", link=notice_link(language))
