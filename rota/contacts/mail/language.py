"""Pure language hint for a client's message: Finnish, Swedish or English, from stop words.

Deterministic and deliberately simple: count how many words of the text are common function
words of each language; the language with clearly more hits wins. When the text says too
little, the address the client wrote to (e.g. "neuvonta@" or "vagledning@") decides.
"""

from __future__ import annotations

import re
from collections import Counter

LANGUAGES = ("fi", "sv", "en")
MIN_HITS = 2
MAX_CHARS = 5000

_STOP_WORDS = {
    "fi": frozenset(
        [
            "ja",
            "on",
            "ei",
            "että",
            "se",
            "hän",
            "minä",
            "mä",
            "olen",
            "oli",
            "ovat",
            "olla",
            "mutta",
            "kun",
            "jos",
            "niin",
            "kuin",
            "tai",
            "myös",
            "voi",
            "mitä",
            "miten",
            "minulla",
            "minun",
            "sinun",
            "teidän",
            "tämä",
            "tässä",
            "tätä",
            "ole",
            "olisi",
            "kiitos",
            "hei",
            "moi",
            "haluaisin",
            "apua",
            "kanssa",
            "vain",
            "nyt",
            "sitten",
            "mikä",
            "koska",
            "joka",
            "siitä",
            "onko",
            "voisitteko",
            "terveisin",
            "ystävällisin",
            "yhteyttä",
            "asiaa",
            "pitäisi",
            "voisin",
            "tarvitsen",
            "enkä",
            "en",
            "ihan",
        ]
    ),
    "sv": frozenset(
        [
            "och",
            "att",
            "det",
            "som",
            "på",
            "är",
            "för",
            "med",
            "har",
            "jag",
            "inte",
            "till",
            "av",
            "om",
            "den",
            "ett",
            "kan",
            "vill",
            "skulle",
            "mitt",
            "mig",
            "vi",
            "ni",
            "hej",
            "tack",
            "hälsningar",
            "vänliga",
            "hur",
            "var",
            "också",
            "eller",
            "från",
            "när",
            "måste",
            "behöver",
            "min",
            "mina",
            "där",
            "här",
            "detta",
            "vad",
            "någon",
            "hjälp",
            "undrar",
            "eftersom",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "to",
            "of",
            "that",
            "it",
            "for",
            "with",
            "have",
            "you",
            "my",
            "not",
            "this",
            "be",
            "would",
            "could",
            "please",
            "thanks",
            "thank",
            "hello",
            "hi",
            "regards",
            "can",
            "what",
            "how",
            "need",
            "help",
            "about",
            "from",
            "was",
            "will",
            "your",
            "am",
            "do",
            "does",
            "there",
            "which",
            "want",
        ]
    ),
}
_ADDRESS_HINTS = {
    "fi": ("neuvonta", "ohjaus", "info.fi", "palaute"),
    "sv": ("vagledning", "vägledning", "radgivning", "rådgivning"),
    "en": ("guidance", "advice", "english"),
}
_WORD = re.compile(r"[^\W\d_]+")


def _unquoted(text: str) -> str:
    """The text without quoted reply lines ("> ..."), which are often our own words."""
    lines = text[:MAX_CHARS].splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(">"))


def _scores(text: str) -> dict[str, int]:
    """Stop-word hits per language."""
    counts = Counter(_WORD.findall(_unquoted(text).lower()))
    return {
        lang: sum(counts[word] for word in counts.keys() & _STOP_WORDS[lang]) for lang in LANGUAGES
    }


def _address_hint(address: str) -> str | None:
    """The language the local part of the receiving address suggests, if any."""
    local = address.lower().split("@", 1)[0]
    for lang in LANGUAGES:
        if local and any(hint in local for hint in _ADDRESS_HINTS[lang]):
            return lang
    return None


def detect_language(text: str, address: str = "") -> str | None:
    """ "fi", "sv", "en" or None: the language of a message by stop words, else by address."""
    ranked = sorted(_scores(text).items(), key=lambda item: (-item[1], LANGUAGES.index(item[0])))
    (best, hits), (_, runner_up) = ranked[0], ranked[1]
    if hits >= MIN_HITS and hits > runner_up:
        return best
    return _address_hint(address)
