"""Running the ``openssl`` command line with the GOST engine (Debian's libengine-gost-openssl).

The engine is loaded through a private OpenSSL configuration file written once per process and passed to
each child through ``OPENSSL_CONF`` in the child's environment only: the Python process itself (and its
``ssl`` module, which shares libcrypto) never loads the engine.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

ENGINE_MISSING_MESSAGE = "Не установлен модуль ГОСТ для OpenSSL (пакет libengine-gost-openssl)"

# Where Debian/Ubuntu (multiarch) and other distributions put OpenSSL 3 engines.
_ENGINE_GLOBS = ("/usr/lib/*/engines-3/gost.so", "/usr/lib/engines-3/gost.so", "/usr/lib64/engines-3/gost.so")

# OIDs of GOST R 34.11-2012 and the names the engine gives the digests on the command line.
DIGEST_NAMES = {"1.2.643.7.1.1.2.2": "md_gost12_256", "1.2.643.7.1.1.2.3": "md_gost12_512"}

_TIMEOUT_SECONDS = 60


class SignatureSetupError(RuntimeError):
    """The signature machinery itself is not usable (no openssl, no engine, no key); not a property of the input."""


class GostEngineMissingError(SignatureSetupError):
    pass


class OpenSslError(SignatureSetupError):
    """An openssl command failed where it was expected to succeed."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(f"{message}: {stderr.strip()}" if stderr.strip() else message)
        self.stderr = stderr


_lock = threading.Lock()
_config: Path | None = None


def find_gost_engine() -> Path | None:
    """The GOST engine shared object of the system's OpenSSL 3, or None when it is not installed."""
    for pattern in _ENGINE_GLOBS:
        for found in sorted(glob.glob(pattern)):
            return Path(found)
    return None


def openssl_binary() -> str:
    found = shutil.which("openssl")
    if found is None:
        raise SignatureSetupError("Не найдена программа openssl (пакет openssl)")
    return found


def config_text(engine: Path) -> str:
    """An OpenSSL configuration that loads only the GOST engine and makes its algorithms the defaults."""
    return (
        "# Written by mse.adapters.signature: loads the GOST engine for openssl child processes.\n"
        "openssl_conf = mse_openssl_init\n"
        "\n"
        "[mse_openssl_init]\n"
        "engines = mse_engines\n"
        "\n"
        "[mse_engines]\n"
        "gost = mse_gost\n"
        "\n"
        "[mse_gost]\n"
        "engine_id = gost\n"
        f"dynamic_path = {engine}\n"
        "default_algorithms = ALL\n"
    )


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def gost_config() -> Path:
    """The private configuration file, written and checked on first use (once per process)."""
    global _config
    with _lock:
        if _config is not None and _config.exists():
            return _config
        engine = find_gost_engine()
        if engine is None:
            raise GostEngineMissingError(ENGINE_MISSING_MESSAGE)
        fd, name = tempfile.mkstemp(prefix="mse-openssl-gost-", suffix=".cnf")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(config_text(engine))
        path = Path(name)
        # The file exists but the engine may still fail to load (wrong OpenSSL version, broken package).
        probe = _run([openssl_binary(), "dgst", "-md_gost12_256", "-binary"], path, b"")
        if probe.returncode != 0 or len(probe.stdout) != 32:
            _remove(path)
            raise GostEngineMissingError(f"{ENGINE_MISSING_MESSAGE}: {probe.stderr.decode(errors='replace').strip()}")
        atexit.register(_remove, path)
        _config = path
        return path


def _run(argv: list[str], config: Path, stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "OPENSSL_CONF": str(config)}
    return subprocess.run(  # noqa: S603 - a fixed binary with arguments built by this package, no shell
        argv, input=stdin, capture_output=True, env=env, timeout=_TIMEOUT_SECONDS, check=False
    )


def run_openssl(args: Sequence[str], *, stdin: bytes | None = None, check: bool = True,
                what: str = "Ошибка OpenSSL") -> subprocess.CompletedProcess[bytes]:
    """Run ``openssl <args>`` with the GOST engine loaded; with ``check`` a non-zero exit raises OpenSslError(what)."""
    done = _run([openssl_binary(), *args], gost_config(), stdin)
    if check and done.returncode != 0:
        raise OpenSslError(what, done.stderr.decode(errors="replace"))
    return done


def gost_digest(algorithm_oid: str, data: bytes) -> bytes:
    """GOST R 34.11-2012 (Стрибог) of ``data``; ``algorithm_oid`` is 1.2.643.7.1.1.2.2 (256) or .3 (512)."""
    name = DIGEST_NAMES.get(algorithm_oid)
    if name is None:
        raise ValueError(f"not a GOST R 34.11-2012 digest: {algorithm_oid}")
    return run_openssl(["dgst", f"-{name}", "-binary"], stdin=data, what="Не удалось вычислить хэш ГОСТ Р 34.11-2012").stdout
