"""Command lines, environment and files of a Flower deployment, with a hospital's defaults.

Every Flower process gets `flower_env`: telemetry off (``FLWR_TELEMETRY_ENABLED=0``), update
checks off (``FLWR_DISABLE_UPDATE_CHECK=1``; both names as Flower 1.42 reads them), and
``FLWR_HOME`` inside the run or site folder (Flower's state, installed apps, CLI config). The
SuperLink never installs an app's dependencies at run time
(``--disable-runtime-dependency-installation``; Flower 1.42 enables it by default) and the
SuperNode is never given ``--allow-runtime-dependency-installation``: the code that runs is
the rtpredict installed at each site. TLS and SuperNode authentication are on unless
``insecure`` is asked for explicitly.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rtpredict.errors import InputError
from rtpredict.federated._plan import FederationPlan

#: Flower App name (letters, digits, hyphens) and publisher written into the app's pyproject
APP_NAME = "rtpredict-federated"
PUBLISHER = "rtpredict"
#: environment a Flower process of a hospital needs (see the module docstring)
FLOWER_ENV = {"FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1"}


@dataclass(frozen=True)
class Tls:
    """TLS material: the CA every party trusts, and the SuperLink's certificate and key."""

    ca: Path
    certificate: Path | None = None
    key: Path | None = None


def flower_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a Flower process whose state lives in ``home``.

    The directory of the running Python comes first on ``PATH`` because the SuperLink and
    SuperNode start Flower's helper executables (``flower-superexec``, ``flwr-serverapp``,
    ``flwr-clientapp``) by name.
    """
    env = dict(os.environ if base is None else base)
    env.update(FLOWER_ENV)
    env["FLWR_HOME"] = str(Path(home).resolve())
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")])
    return env


def superlink_command(database: Path, *, host: str, port: int, tls: Tls | None) -> list[str]:
    """Return the ``flower-superlink`` command line (one port: Fleet, Control, Runtime APIs)."""
    command = [
        "flower-superlink",
        "--disable-runtime-dependency-installation",
        "--database",
        str(database),
        "--host",
        host,
        "--port",
        str(port),
    ]
    if tls is None:
        return [*command, "--insecure"]
    if tls.certificate is None or tls.key is None:
        raise InputError("the SuperLink needs its server certificate and key for TLS.")
    command += ["--ssl-ca-certfile", str(tls.ca), "--ssl-certfile", str(tls.certificate)]
    return [*command, "--ssl-keyfile", str(tls.key), "--enable-supernode-auth"]


def write_node_config(path: Path, node_config: Mapping[str, str]) -> Path:
    """Write a SuperNode's node config as TOML (``--node-config`` accepts a .toml file)."""
    path.write_text("".join(f"{k} = {_toml_string(v)}\n" for k, v in node_config.items()))
    return path


def supernode_command(
    superlink: str,
    node_config: Path,
    *,
    runtime_port: int,
    ca: Path | None,
    key: Path | None,
) -> list[str]:
    """Return the ``flower-supernode`` command line of a site.

    ``node_config`` is the TOML file of `write_node_config`. ``ca`` (the consortium's CA
    certificate) and ``key`` (the site's private key) are both required unless both are None,
    which means insecure mode.
    """
    command = [
        "flower-supernode",
        "--superlink",
        superlink,
        "--node-config",
        str(node_config),
        "--port",
        str(runtime_port),
        "--max-wait-time",
        "600",
    ]
    if (ca is None) != (key is None):
        raise InputError("a secure site needs both the consortium CA and its private key.")
    if ca is None:
        return [*command, "--insecure"]
    return [*command, "--root-certificates", str(ca), "--auth-supernode-private-key", str(key)]


def write_cli_config(home: Path, name: str, address: str, ca: Path | None) -> Path:
    """Write the ``flwr`` CLI configuration with one SuperLink connection (the default).

    Flower 1.42's default configuration points at Flower's hosted SuperGrid and at a local
    simulation; this file replaces it, so ``flwr`` commands only ever reach ``address``.
    """
    home.mkdir(parents=True, exist_ok=True)
    lines = ["[superlink]", f"default = {_toml_string(name)}", "", f"[superlink.{name}]"]
    lines.append(f"address = {_toml_string(address)}")
    if ca is None:
        lines.append("insecure = true")
    else:
        lines.append(f"root-certificates = {_toml_string(str(Path(ca).resolve()))}")
    path = home / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_app(
    folder: Path,
    plan: FederationPlan,
    output_dir: Path,
    *,
    timeout: float = 600,
    connect_timeout: float = 300,
) -> Path:
    """Write the Flower App (a pyproject.toml only: no code travels) and return its folder.

    The components name rtpredict's own ServerApp and ClientApp, imported from the rtpredict
    installed at the SuperLink and at each site. The run config carries the plan.
    """
    app = folder / APP_NAME
    app.mkdir(parents=True, exist_ok=True)
    from rtpredict import __version__

    text = f"""[project]
name = "{APP_NAME}"
version = "1.0.0"
description = "rtpredict {__version__} federated XGBoost ({plan.name}), code installed at sites"
license = "MIT"
dependencies = ["flwr>=1.42"]

[tool.flwr.app]
publisher = "{PUBLISHER}"

[tool.flwr.app.components]
serverapp = "rtpredict.federated.server_app:app"
clientapp = "rtpredict.federated.client_app:app"

[tool.flwr.app.config]
plan = {_toml_string(plan.to_json())}
output-dir = {_toml_string(str(Path(output_dir).resolve()))}
timeout = {float(timeout)}
connect-timeout = {float(connect_timeout)}
"""
    (app / "pyproject.toml").write_text(text)
    return app


def register_command(public_key: Path, connection: str) -> list[str]:
    """Return the command that allow-lists a site's public key on the SuperLink."""
    return ["flwr", "supernode", "register", str(public_key), connection]


def run_command(app: Path, connection: str) -> list[str]:
    """Return the command that submits the run and follows it to its end."""
    return ["flwr", "run", str(app), connection, "--stream"]


def quote(command: list[str]) -> str:
    """Return a command line as a shell would show it."""
    return shlex.join(command)


def _toml_string(value) -> str:
    """Return a TOML basic string (JSON's escapes of ASCII output are valid TOML)."""
    return json.dumps(str(value), ensure_ascii=True)
