"""Real mail servers for tests: a private Dovecot IMAP instance (and the SMTP sink, re-exported)."""

from __future__ import annotations

import atexit
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

from tests.support.certificates import self_signed_certificate
from tests.support.imapwire import ImapWire, parse_uid_set
from tests.support.smtp import HOST, ReceivedMessage, SmtpSink, free_port

__all__ = [
    "DovecotServer",
    "ReceivedMessage",
    "SmtpSink",
    "dovecot_available",
    "free_port",
]

INSTALL_HINT = "dovecot not installed: run scripts/test, which installs it with apt-get"
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
USER_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
CONFIG = Path(__file__).with_name("dovecot.conf.in")


def find_binary(name: str) -> str | None:
    """Locate a Dovecot binary on PATH or in the sbin directories a user's PATH may lack."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN_DIRS:
        candidate = Path(folder, name)
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def dovecot_available() -> tuple[bool, str]:
    """Return (True, "") if a private Dovecot can run here, else (False, the reason)."""
    missing = [name for name in ("dovecot", "doveadm") if find_binary(name) is None]
    if missing:
        return False, f"{INSTALL_HINT} (missing: {', '.join(missing)})"
    return True, ""


@dataclass(frozen=True)
class RunAs:
    """The accounts Dovecot uses: mail files owner, and internal/login service users."""

    user: str
    group: str
    uid: int
    gid: int
    service_users: str

    @classmethod
    def detect(cls) -> RunAs:
        """As root, store mail as the unprivileged `dovecot` user; else run all as ourselves."""
        if os.geteuid() == 0:
            account = pwd.getpwnam("dovecot" if _has_user("dovecot") else "nobody")
            return cls(account.pw_name, grp.getgrgid(account.pw_gid).gr_name, *account[2:4], "")
        account = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        lines = (
            f"default_internal_user = {account.pw_name}\n"
            f"default_login_user = {account.pw_name}\n"
            f"default_internal_group = {group}\n"
            "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
        )
        return cls(account.pw_name, group, account.pw_uid, os.getegid(), lines)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class DovecotServer:
    """A private Dovecot on 127.0.0.1 with passwd-file users and maildir in a temp dir."""

    def __init__(self, tls: bool = False) -> None:
        self.host = HOST
        self.port = free_port()
        self.ssl_port = free_port() if tls else None
        self.root = Path(tempfile.mkdtemp(prefix="rota-dovecot-"))
        self.config_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.cert_path = self.root / "cert.pem" if tls else None
        self.run_as = RunAs.detect()
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        """Start Dovecot and wait until it greets on its port; raise with the log tail if not."""
        self._write_files()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [find_binary("dovecot") or "dovecot", "-F", "-c", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        atexit.register(self.stop)
        self._wait_until_ready(timeout)

    def stop(self) -> None:
        """Stop Dovecot and delete its directory."""
        atexit.unregister(self.stop)
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of Dovecot's log, for error messages."""
        if not self.log_path.exists():
            return "(no log written)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def create_user(self, name: str, password: str) -> None:
        """Add a mail user; Dovecot reads the passwd-file afresh, so no reload is needed."""
        if not USER_NAME.match(name) or any(c in password for c in ":\r\n"):
            raise ValueError(f"unusable test user name or password: {name!r}")
        with self._lock:
            if name in self._passwords:
                raise ValueError(f"test user {name!r} exists already")
            (self.root / "users" / name).write_text(f"{name}:{{PLAIN}}{password}::::::\n")
            self._passwords[name] = password

    @contextmanager
    def connect(self, user: str) -> Iterator[imaplib.IMAP4]:
        """An imaplib connection logged in as `user`, logged out afterwards."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        try:
            conn.login(user, self._passwords[user])
            yield conn
        finally:
            conn.logout()

    def append(
        self, user: str, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()
    ) -> int:
        """Append one message with imaplib; return its UID."""
        with self.connect(user) as conn:
            _ensure_folder(conn, folder)
            flag_list = f"({' '.join(flags)})" if flags else None
            typ, data = conn.append(_quoted(folder), flag_list, None, raw)
        _check(typ, data, "APPEND")
        return parse_uid_set(_appenduid(data[0]))[0]

    def append_many(
        self, user: str, raws: Sequence[bytes], folder: str = "INBOX", flags=(), batch=500
    ) -> list[int]:
        """Append many messages over one connection (MULTIAPPEND); return UIDs in order."""
        uids: list[int] = []
        with ImapWire(self.host, self.port) as wire:
            wire.login(user, self._passwords[user])
            if folder != "INBOX":
                wire.command(b"CREATE ", wire.literal(folder.encode()), allow_no=True)
            for start in range(0, len(raws), batch):
                uids += wire.multiappend(folder, raws[start : start + batch], flags)
        return uids

    def list_uids(self, user: str, folder: str = "INBOX") -> list[int]:
        """The UIDs in a folder, ascending."""
        with self.connect(user) as conn:
            _check(*conn.select(_quoted(folder), readonly=True), "SELECT")
            typ, data = conn.uid("SEARCH", "ALL")
        _check(typ, data, "UID SEARCH")
        return sorted(int(uid) for uid in data[0].split())

    def flags(self, user: str, folder: str, uid: int) -> set[str]:
        """The flags of one message, e.g. {'\\Seen'}."""
        with self.connect(user) as conn:
            _check(*conn.select(_quoted(folder), readonly=True), "SELECT")
            typ, data = conn.uid("FETCH", str(uid), "(FLAGS)")
        _check(typ, data, "UID FETCH")
        if not data or data[0] is None:
            raise KeyError(f"no message with UID {uid} in {folder}")
        return {flag.decode() for flag in imaplib.ParseFlags(data[0])}

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """The folder's current UIDVALIDITY."""
        with self.connect(user) as conn:
            typ, data = conn.status(_quoted(folder), "(UIDVALIDITY)")
        _check(typ, data, "STATUS")
        return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))

    def set_uidvalidity(self, user: str, folder: str = "INBOX", value: int | None = None) -> int:
        """Force a new UIDVALIDITY (default: current + 1) with doveadm; return it."""
        value = value or self.uidvalidity(user, folder) + 1
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)
        return value

    def doveadm(self, *args: str) -> str:
        """Run a doveadm command against this instance; return its output."""
        command = [find_binary("doveadm") or "doveadm", "-c", str(self.config_path), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def _write_files(self) -> None:
        mail = self.root / "mail"
        mail.mkdir()
        os.chown(mail, self.run_as.uid, self.run_as.gid)
        self.root.chmod(0o755)
        (self.root / "users").mkdir(mode=0o755)
        ssl_lines = self._make_certificate() if self.cert_path else "ssl = no"
        config = Template(CONFIG.read_text()).substitute(
            root=self.root,
            port=self.port,
            ssl_port=self.ssl_port or 0,
            ssl_lines=ssl_lines,
            uid=self.run_as.uid,
            gid=self.run_as.gid,
            service_users=self.run_as.service_users,
        )
        self.config_path.write_text(config)

    def _make_certificate(self) -> str:
        self.cert_path, key = self_signed_certificate(self.root)
        return f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{key}"

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited ({self._process.returncode}):\n{self.log_tail()}"
                )
            if _greets(self.host, self.port):
                return
            time.sleep(0.02)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"dovecot did not answer within {timeout} s:\n{tail}")


def _greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            return sock.makefile("rb").readline().startswith(b"* OK")
    except OSError:
        return False


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ensure_folder(conn: imaplib.IMAP4, folder: str) -> None:
    if folder != "INBOX":
        conn.create(_quoted(folder))  # NO when it exists already, which is fine


def _check(typ: str, data: list, what: str) -> None:
    if typ != "OK":
        raise RuntimeError(f"IMAP {what} failed: {data!r}")


def _appenduid(response: bytes) -> bytes:
    match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", response)
    if not match:
        raise RuntimeError(f"no APPENDUID in {response!r}")
    return match.group(1)
