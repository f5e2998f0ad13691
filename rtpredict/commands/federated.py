"""Train one model across hospitals with Flower: only trees and aggregate sums leave a site.

Subcommands (needs the optional extra: ``pip install 'rtpredict[federated]'``):

* ``certificates DIR --host NAME``: the coordinator's CA and SuperLink server certificate.
* ``keygen DIR --site-code CODE``: a site's SuperNode key pair (send only ``CODE.pub``).
* ``superlink RUN_DIR --certificates DIR --site-keys DIR``: run the coordinator's SuperLink
  (TLS + SuperNode authentication) and allow-list the sites' public keys.
* ``site SITE_DIR --cohort FILE --site-code CODE --plan PLAN --superlink HOST:PORT``: run a
  site's SuperNode on its own cohort, agreeing to exactly this plan (its SHA-256).
* ``run RUN_DIR --plan PLAN --superlink HOST:PORT --ca CA``: submit the run and wait for the
  model (``RUN_DIR/output/<plan name>.json``, written by the SuperLink's ServerApp).

Every Flower process runs with telemetry and update checks off, ``FLWR_HOME`` inside its
folder, and no run-time installation of dependencies. ``--insecure`` (no TLS, no
authentication) exists for rehearsals on one machine only. See ``docs/federated.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from rtpredict.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_PORT = 9092
CONNECTION = "rtpredict"
#: seconds a site's SuperNode is left to forward its last reply (``site --once``)
FINAL_GRACE = 15


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``federated`` subcommands."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = sub.add_parser("certificates", help="make the consortium CA and SuperLink certificate")
    p.add_argument("folder", type=Path)
    p.add_argument(
        "--host",
        action="append",
        default=[],
        help="SuperLink host name or IP address the sites use (repeat); 127.0.0.1 and "
        "localhost are always added for the SuperLink's own helper processes",
    )

    p = sub.add_parser("keygen", help="make a site's SuperNode key pair")
    p.add_argument("folder", type=Path)
    p.add_argument("--site-code", required=True, help="pseudonymous site code, e.g. H01")

    p = sub.add_parser("superlink", help="run the coordinator's SuperLink")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--certificates", type=Path, help="folder of `federated certificates`")
    p.add_argument(
        "--site-keys",
        type=Path,
        help="folder of the sites' <code>.pub keys, allow-listed once the SuperLink is up",
    )
    p.add_argument("--insecure", action="store_true", help="no TLS, no authentication")

    p = sub.add_parser("site", help="run a site's SuperNode on its own cohort")
    p.add_argument("site_dir", type=Path, help="the site's private folder (FLWR_HOME, register)")
    p.add_argument("--cohort", type=Path, required=True, help="cohort.features.h5ad (or .tsv)")
    p.add_argument("--site-code", required=True)
    p.add_argument("--plan", type=Path, required=True, help="the agreed federation plan (YAML)")
    p.add_argument("--superlink", required=True, help="HOST:PORT of the SuperLink")
    p.add_argument("--ca", type=Path, help="the consortium's ca.crt")
    p.add_argument("--key", type=Path, help="the site's private key (from `federated keygen`)")
    p.add_argument("--runtime-port", type=int, default=9094, help="local port for ClientApps")
    p.add_argument(
        "--once",
        action="store_true",
        help="stop the SuperNode once this site has answered a run's final step",
    )
    p.add_argument("--insecure", action="store_true", help="no TLS, no authentication")

    p = sub.add_parser("run", help="run the federation and wait for the model")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--plan", type=Path, required=True)
    p.add_argument("--superlink", default=f"127.0.0.1:{DEFAULT_PORT}", help="HOST:PORT")
    p.add_argument("--ca", type=Path, help="the consortium's ca.crt")
    p.add_argument("--timeout", type=float, default=600, help="seconds per step (default 600)")
    p.add_argument("--insecure", action="store_true", help="no TLS, no authentication")


def run(args: argparse.Namespace) -> int:
    """Dispatch to the subcommand."""
    return {
        "certificates": _certificates,
        "keygen": _keygen,
        "superlink": _superlink,
        "site": _site,
        "run": _run,
    }[args.action](args)


def _certificates(args: argparse.Namespace) -> int:
    from rtpredict.federated._certificates import make_certificates

    hosts = list(dict.fromkeys([*args.host, "127.0.0.1", "localhost"]))
    paths = make_certificates(args.folder, hosts)
    log.info("wrote %s; give every site ca.crt only, keep ca.key offline", sorted(paths.values()))
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from rtpredict.federated._certificates import make_site_keys

    _, public = make_site_keys(args.folder, args.site_code)
    log.info("wrote the key pair; send %s to the coordinator, keep the .key here", public)
    return 0


def _superlink(args: argparse.Namespace) -> int:
    from rtpredict.federated import _deploy

    run_dir = args.run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    tls = keys = None
    if not args.insecure:
        if args.certificates is None or args.site_keys is None:
            raise InputError(
                "give --certificates DIR (TLS) and --site-keys DIR (the allow-listed sites' "
                "public keys), or --insecure for a rehearsal on one machine."
            )
        folder = args.certificates.resolve()
        tls = _deploy.Tls(folder / "ca.crt", folder / "server.crt", folder / "server.key")
        _require_files(tls.ca, tls.certificate, tls.key)
        keys = sorted(args.site_keys.resolve().glob("*.pub"))
        if not keys:
            raise InputError(f"no <code>.pub site keys in {args.site_keys}.")
    command = _deploy.superlink_command(
        run_dir / "superlink.db", host=args.host, port=args.port, tls=tls
    )
    env = _deploy.flower_env(run_dir / "flwr-home")
    log.info("running in %s: %s", run_dir, _deploy.quote(command))
    process = subprocess.Popen(command, env=env, cwd=run_dir)
    with _forwarding_signals(process):
        if keys:
            _allow_list(process, run_dir, args.port, tls.ca, keys)
        return process.wait()


def _allow_list(process, run_dir: Path, port: int, ca: Path, keys: list[Path]) -> None:
    """Register the sites' public keys once the SuperLink accepts connections.

    A SuperNode whose key is not registered is refused and exits, so sites start after this.
    Keys already registered (a restarted SuperLink keeps its database) are left as they are.
    """
    from rtpredict.federated import _deploy

    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise InputError("the SuperLink stopped before the site keys could be registered.")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise InputError(f"the SuperLink did not open port {port} within 120 s.") from None
            time.sleep(0.5)
    home = run_dir / "flwr-cli"
    _deploy.write_cli_config(home, CONNECTION, f"127.0.0.1:{port}", ca)
    env = _deploy.flower_env(home)
    for key in keys:
        command = _deploy.register_command(key, CONNECTION)
        done = subprocess.run(command, env=env, cwd=run_dir, capture_output=True, text=True)
        text = done.stdout + done.stderr
        if done.returncode != 0 and "already" not in text.lower():
            raise InputError(f"allow-listing {key.name} failed:\n{text}")
        log.info("allow-listed site key %s", key.name)


def _site(args: argparse.Namespace) -> int:
    from rtpredict.federated import _deploy, load_plan

    os.umask(0o077)  # the register and Flower's state stay readable by the site only
    site_dir = args.site_dir.resolve()
    site_dir.mkdir(parents=True, exist_ok=True)
    plan = load_plan(args.plan)
    if args.site_code not in plan.sites:
        raise InputError(f"site code {args.site_code!r} is not in the plan's sites {plan.sites}.")
    _require_files(args.cohort)
    ca, key = _secure_pair(args)
    node_config = _deploy.write_node_config(
        site_dir / "node-config.toml",
        {
            "cohort": str(args.cohort.resolve()),
            "site-code": args.site_code,
            "plan-sha256": plan.sha256,
            "workdir": str(site_dir),
        },
    )
    log.info(
        "site %s agrees to plan %r (sha256 %s), privacy policy %s",
        args.site_code,
        plan.name,
        plan.sha256,
        json.dumps(plan.privacy, sort_keys=True),
    )
    command = _deploy.supernode_command(
        args.superlink, node_config, runtime_port=args.runtime_port, ca=ca, key=key
    )
    env = _deploy.flower_env(site_dir / "flwr-home")
    if not args.once:
        return _foreground(command, env, site_dir)
    return _until_finalised(command, env, site_dir, plan.name)


def _until_finalised(command: list[str], env: dict, site_dir: Path, name: str) -> int:
    """Run the SuperNode until this site has sent a run's final aggregates, then stop it.

    The ClientApp writes ``sent-<plan>-<run>-finalise.json`` just before its reply; the
    SuperNode forwards the reply within a second, so it is stopped `FINAL_GRACE` seconds later.
    """
    from rtpredict.federated._deploy import quote

    pattern = f"sent-{name}-*-finalise.json"
    before = set(site_dir.glob(pattern))
    log.info("running in %s until a run is finalised: %s", site_dir, quote(command))
    process = subprocess.Popen(command, env=env, cwd=site_dir)
    with _forwarding_signals(process):
        while process.poll() is None:
            if set(site_dir.glob(pattern)) - before:
                time.sleep(FINAL_GRACE)
                log.info("the run is finalised at this site; stopping the SuperNode")
                process.terminate()
                process.wait()
                return 0
            time.sleep(1)
    return process.returncode


def _run(args: argparse.Namespace) -> int:
    from rtpredict.federated import _deploy, load_plan

    run_dir = args.run_dir.resolve()
    plan = load_plan(args.plan)
    output = run_dir / "output"
    app = _deploy.write_app(run_dir / "app", plan, output, timeout=args.timeout)
    home = run_dir / "flwr-cli"
    ca = None if args.insecure else _require_files(args.ca)[0].resolve()
    _deploy.write_cli_config(home, CONNECTION, args.superlink, ca)
    env = _deploy.flower_env(home)
    card = output / f"{plan.name}.card.json"
    before = card.stat().st_mtime_ns if card.exists() else None
    code = _foreground(_deploy.run_command(app, CONNECTION), env, run_dir)
    if code != 0 or not card.exists() or card.stat().st_mtime_ns == before:
        raise InputError(
            f"the federated run ended without writing {card}; see the SuperLink's log and the "
            "sites' logs for the failing step."
        )
    log.info("federated model written: %s", card)
    return 0


def _secure_pair(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """Return (CA, key) for a secure site, or (None, None) with --insecure."""
    if args.insecure:
        return None, None
    if args.ca is None or args.key is None:
        raise InputError("give --ca and --key (TLS + authentication), or --insecure.")
    return tuple(p.resolve() for p in _require_files(args.ca, args.key))


def _require_files(*paths: Path | None) -> list[Path]:
    missing = [str(p) for p in paths if p is None or not Path(p).is_file()]
    if missing:
        raise InputError(f"file(s) not found: {missing}.")
    return [Path(p) for p in paths]


def _foreground(command: list[str], env: dict, cwd: Path) -> int:
    """Run a Flower process in the foreground, passing SIGTERM and SIGINT on to it."""
    from rtpredict.federated._deploy import quote

    log.info("running in %s: %s", cwd, quote(command))
    process = subprocess.Popen(command, env=env, cwd=cwd)
    with _forwarding_signals(process):
        return process.wait()


@contextlib.contextmanager
def _forwarding_signals(process: subprocess.Popen):
    """Pass SIGTERM and SIGINT on to ``process`` while the block runs."""

    def forward(signum, _frame) -> None:
        process.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
