"""A throw-away self-signed certificate for 127.0.0.1 and localhost, made by the openssl command."""

import base64
import hashlib
import subprocess
from pathlib import Path


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write cert.pem and key.pem into `folder` (valid two days); return their paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def spki_pin(cert: Path) -> str:
    """The base64 SHA-256 of the certificate's public key: given to Chromium's
    --ignore-certificate-errors-spki-list, the certificate counts as a valid one (so a page may
    start downloads, which Chromium cancels on a page with a certificate error)."""
    run = {"check": True, "capture_output": True}
    key = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], **run).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=key, **run).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()
