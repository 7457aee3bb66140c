"""The CLI speaks one language per run, through the installed ``facturahub`` entry point: click's
own usage errors and the system's reasons (a missing file, a busy port) included. Spanish by
default; English with ``--lang en``, ``FACTURAHUB_LANGUAGE=en`` or the TOML file's ``language``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FACTURAHUB = str(Path(sys.executable).parent / "facturahub")


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FACTURAHUB_")}
    env["FACTURAHUB_DATA_DIR"] = str(tmp_path / "var")
    env.update({f"FACTURAHUB_{name.upper()}": value for name, value in values.items()})
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.mark.parametrize(
    ("args", "spanish", "english"),
    [
        (["nosuch"], "Error: No existe el comando 'nosuch'.", "Error: No such command 'nosuch'."),
        (
            ["serv"],
            "(¿Quería decir alguna de estas: 'serve', 'user'?)",
            "(Did you mean one of: 'serve', 'user'?)",
        ),
        (
            ["certificate", "register"],
            "Error: Falta el argumento 'INTEGRATOR_NIF'.",
            "Missing argument 'INTEGRATOR_NIF'.",
        ),
        (["client", "send", "--bogus"], "Error: No existe la opción '--bogus'.", "No such option '--bogus'."),
        (
            ["serve", "--port"],
            "Error: La opción '--port' necesita un valor.",
            "Option '--port' requires an argument.",
        ),
        (
            ["serve", "--port", "0"],
            "Valor no válido para '--port': 0 está fuera del intervalo 1<=x<=65535.",
            "Invalid value for '--port': 0 is not in the range 1<=x<=65535.",
        ),
        (
            ["notice", "withdraw", "\uff11"],
            "'１' no es un número escrito con cifras ASCII.",
            "'１' is not a number written in ASCII digits.",
        ),
        (
            ["notice", "withdraw", "1", "2"],
            "Error: Sobra un argumento (2)",
            "Got unexpected extra argument (2)",
        ),
        (["sign-invoice", ""], "una ruta vacía no nombra ningún fichero.", "an empty path names no file."),
        (
            ["client", "send", "x", "--timeout", "nan"],
            "'nan' no es un número de segundos.",
            "'nan' is not a number of seconds.",
        ),
    ],
)
def test_usage_errors_speak_spanish_by_default(
    tmp_path: Path, args: list[str], spanish: str, english: str
) -> None:
    env = _env(tmp_path)
    done = _run(env, *args)
    assert done.returncode == 2 and spanish in done.stderr, done.stderr
    assert "Uso: facturahub" in done.stderr or "Uso:" not in done.stderr  # the usage line, when shown
    assert "Usage:" not in done.stderr and "Try '" not in done.stderr, done.stderr
    done = _run(env, "--lang", "en", *args)
    assert done.returncode == 2 and english in done.stderr, done.stderr


def test_the_language_comes_from_the_flag_the_environment_or_the_file(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('language = "en"\n', encoding="utf-8")
    english = "Error: No such command 'nosuch'."
    spanish = "Error: No existe el comando 'nosuch'."
    assert english in _run(_env(tmp_path, language="en"), "nosuch").stderr
    assert english in _run(_env(tmp_path), "--config", str(config), "nosuch").stderr
    assert english in _run(_env(tmp_path), f"--config={config}", "--json", "nosuch").stderr
    assert spanish in _run(_env(tmp_path, language="en"), "--lang", "es", "nosuch").stderr
    assert spanish in _run(_env(tmp_path, language="en"), "--lang=es-ES", "nosuch").stderr
    # an unusable --lang is refused in the settings' language; unreadable settings: Spanish
    done = _run(_env(tmp_path, language="en"), "--lang", "xx", "nosuch")
    assert (
        done.returncode == 2
        and "Invalid value for '--lang': unsupported language 'xx' (es, en)" in done.stderr
    )
    done = _run(_env(tmp_path), "--lang", "xx", "notice", "list")
    assert (
        done.returncode == 2
        and "Valor no válido para '--lang': idioma no admitido 'xx' (es, en)" in done.stderr
    )
    assert spanish in _run(_env(tmp_path, workers="many"), "nosuch").stderr


def test_the_systems_reasons_are_in_the_same_language(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = _run(env, "sign-invoice", str(tmp_path / "absent.xml"), "--p12", "x.p12")
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().endswith(": No existe el fichero o el directorio [cli.file_unreadable]"), (
        done.stderr
    )
    done = _run(env, "--lang", "en", "sign-invoice", str(tmp_path / "absent.xml"), "--p12", "x.p12")
    assert done.stderr.strip().endswith(": No such file or directory [cli.file_unreadable]"), done.stderr

    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x", encoding="utf-8")
    done = _run(_env(tmp_path, data_dir=str(in_the_way / "var")), "db", "upgrade")
    assert done.returncode == 7 and ": No es un directorio [config.data_dir_unusable]" in done.stderr, (
        done.stderr
    )

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = _run(env, "serve", "--host", "127.0.0.1", "--port", port)
        assert done.returncode == 7, done.stderr
        assert done.stderr.strip().endswith(": La dirección ya se está usando [cli.address_unusable]"), (
            done.stderr
        )
        done = _run(_env(tmp_path, language="en"), "serve", "--host", "127.0.0.1", "--port", port)
        assert done.stderr.strip().endswith(": Address already in use [cli.address_unusable]"), done.stderr


def test_the_help_of_our_commands_and_options_is_in_the_same_language(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = _run(env, "--help")
    assert done.returncode == 0, done.stderr
    for spanish in ("Opciones:", "Fichero de configuración TOML.", "Sirve el hub por HTTP."):
        assert spanish in done.stdout, done.stdout
    assert "TOML settings file." not in done.stdout and "Serve the hub" not in done.stdout, done.stdout
    done = _run(env, "blobs", "verify", "--help")  # a subcommand's paragraphs, wrapped by click
    text = " ".join(done.stdout.split())
    assert "Relee cada fichero al que remite una factura registrada" in text, done.stdout
    assert "(código de salida 8): restáurelos de una copia de seguridad" in text, done.stdout
    done = _run(env, "client", "--help")  # click's no-rewrap block keeps its lines
    assert "  Códigos de salida: 0 bien; 3 entrada no válida; 10 resultado/codigo ≠ 0; 11 SOAP Fault;\n" in (
        done.stdout
    ), done.stdout
    for english_run in (_run(env, "--lang", "en", "--help"), _run(_env(tmp_path, language="en"), "--help")):
        assert "Options:" in english_run.stdout and "TOML settings file." in english_run.stdout
        assert "Serve the hub over HTTP." in english_run.stdout, english_run.stdout
    done = _run(_env(tmp_path, language="en"), "worker", "--help")
    assert "Worker threads (FACTURAHUB_JOBS_THREADS)." in done.stdout, done.stdout
