"""Rehearse a federation on one machine: a SuperLink and one SuperNode per site on 127.0.0.1.

Used by ``scripts/federated_rehearsal.py`` and the deployment tests. Every process is the real
``rtpredict federated`` command (``python -m rtpredict federated``) with TLS and SuperNode
authentication unless ``secure=False``. With ``site_users`` each site's SuperNode (and every
ClientApp it starts) runs as its own Linux user, in its own 0700 folder, with a minimal
environment, so the operating system stops a site from opening another site's files; directories
on the way to the Python installation that other users cannot enter (e.g. ``/root`` holding a
pyenv) are re-exposed inside a private mount namespace for that process only. Needs root for
``site_users``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import rtpredict
from rtpredict.errors import InputError

#: seconds to wait for the SuperLink to start and allow-list the sites
START_TIMEOUT = 180


@dataclass
class LoopbackFederation:
    """A SuperLink and its sites on 127.0.0.1, in folders under ``root``.

    ``sites`` maps site codes to cohort files; each site gets ``root/site-<code>`` (owned by its
    user when ``site_users`` is given). The coordinator works in ``root/coordinator``.
    """

    root: Path
    plan: Path
    sites: Mapping[str, Path]
    port: int = 9092
    secure: bool = True
    site_users: Mapping[str, str] | None = None
    timeout: float = 900
    processes: list[subprocess.Popen] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.coordinator = self.root / "coordinator"
        self.logs = self.root / "logs"

    def site_dir(self, code: str) -> Path:
        """The private folder of site ``code``."""
        return self.root / f"site-{code}"

    def run(self) -> Path:
        """Prepare, start everything, run the federation; return the model card's path."""
        try:
            self.prepare()
            self.start()
            return self.train()
        finally:
            self.stop()

    # --------------------------------------------------------------- set-up
    def prepare(self) -> None:
        """Write certificates and keys and give every site its folder, cohort and plan."""
        for folder in (self.coordinator, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o711)
        closed = blocked_ancestors([self.root / "site"])
        if self.site_users and closed:
            raise InputError(
                f"site users cannot reach {self.root}: {sorted(map(str, closed))} are closed to "
                "other users; choose a folder whose parents others may enter (o+x)."
            )
        keys = self.coordinator / "site-keys"
        keys.mkdir(exist_ok=True)
        if self.secure:
            self._cli("certificates", str(self.coordinator / "certs"))
        for code, cohort in self.sites.items():
            folder = self.site_dir(code)
            folder.mkdir(exist_ok=True)
            shutil.copyfile(cohort, folder / "cohort.features.h5ad")
            shutil.copyfile(self.plan, folder / "plan.yaml")
            if self.secure:
                self._cli("keygen", str(folder), "--site-code", code)
                shutil.copyfile(folder / f"{code}.pub", keys / f"{code}.pub")
                shutil.copyfile(self.coordinator / "certs" / "ca.crt", folder / "ca.crt")
            if self.site_users:
                _own(folder, self.site_users[code])

    def start(self) -> None:
        """Start the SuperLink, wait until it allow-listed every site, start the sites."""
        run_dir = self.coordinator / "run"
        args = ["superlink", str(run_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        if self.secure:
            certs, keys = self.coordinator / "certs", self.coordinator / "site-keys"
            args += ["--certificates", str(certs), "--site-keys", str(keys)]
        else:
            args.append("--insecure")
        log = self.logs / "superlink.log"
        self._spawn(_python(*args), log, cwd=self.coordinator)
        expected = [f"allow-listed site key {c}.pub" for c in self.sites] if self.secure else []
        self._wait_for(log, expected or ["Uvicorn running on"])
        for i, code in enumerate(self.sites):
            folder = self.site_dir(code)
            args = ["site", str(folder), "--cohort", str(folder / "cohort.features.h5ad")]
            args += ["--site-code", code, "--plan", str(folder / "plan.yaml")]
            args += ["--superlink", f"127.0.0.1:{self.port}"]
            args += ["--runtime-port", str(self.port + 10 + i), "--once"]
            if self.secure:
                args += ["--ca", str(folder / "ca.crt"), "--key", str(folder / f"{code}.key")]
            else:
                args.append("--insecure")
            command = _python(*args)
            if self.site_users:
                command = as_user(self.site_users[code], command, home=folder)
            self._spawn(command, self.logs / f"site-{code}.log", cwd=folder)

    def train(self) -> Path:
        """Submit the run and wait for the model; return the card's path."""
        args = ["run", str(self.coordinator / "run"), "--plan", str(self.plan)]
        args += ["--superlink", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout)]
        args += (
            ["--ca", str(self.coordinator / "certs" / "ca.crt")] if self.secure else ["--insecure"]
        )
        with open(self.logs / "run.log", "wb") as out:
            done = subprocess.run(
                _python(*args), cwd=self.coordinator, stdout=out, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            raise InputError(f"the federated run failed; see {self.logs}.")
        cards = sorted((self.coordinator / "run" / "output").glob("*.card.json"))
        return cards[-1]

    def stop(self) -> None:
        """Stop every process started here (SIGTERM, then SIGKILL after 20 s)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    # ------------------------------------------------------------- helpers
    def _cli(self, *args: str) -> None:
        subprocess.run(_python(*args), check=True, capture_output=True)

    def _spawn(self, command: list[str], log: Path, *, cwd: Path) -> None:
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)

    def _wait_for(self, log: Path, needles: list[str]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = log.read_text(errors="replace")
            if all(n in text for n in needles):
                return
            if any(p.poll() is not None for p in self.processes) or time.monotonic() > deadline:
                raise InputError(f"the SuperLink did not come up; see {log}:\n{text[-3000:]}")
            time.sleep(0.5)


def _python(*args: str) -> list[str]:
    """Return the command running ``python -m rtpredict federated`` with ``args``."""
    return [sys.executable, "-m", "rtpredict", "federated", *args]


def _own(folder: Path, user: str) -> None:
    """Give ``folder`` and its files to ``user`` with owner-only permissions."""
    import pwd

    entry = pwd.getpwnam(user)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def needed_paths() -> list[Path]:
    """Directories a process must reach to run this Python and rtpredict."""
    paths = {
        Path(sys.executable).resolve().parent.parent,
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(rtpredict.__file__).resolve().parents[1],
        Path(sys.executable).parent,
    }
    return sorted(paths)


def blocked_ancestors(paths: list[Path]) -> dict[Path, set[str]]:
    """Return directories other users cannot enter on the way to ``paths``, with the child
    each path needs in them."""
    blocked: dict[Path, set[str]] = {}
    for path in paths:
        parts = path.resolve().parts
        for depth in range(1, len(parts) - 1):
            parent = Path(*parts[:depth])
            if not os.stat(parent).st_mode & 0o001:
                blocked.setdefault(parent, set()).add(parts[depth])
                break
    return blocked


def as_user(user: str, command: list[str], *, home: Path) -> list[str]:
    """Wrap ``command`` to run as ``user`` with a minimal environment and ``HOME=home``.

    The process gets a private mount namespace in which each directory other users cannot enter
    on the way to Python and rtpredict is covered by an empty tmpfs that shows only the needed
    child directories (bind mounts); nothing else of those directories is visible to it.
    """
    lines = ["set -e"]
    for i, (parent, children) in enumerate(sorted(blocked_ancestors(needed_paths()).items())):
        stash = home / f".mount-{i}"
        for child in sorted(children):
            lines.append(f"mkdir -p {shlex.quote(str(stash / child))}")
            source = shlex.quote(str(parent / child))
            lines.append(f"mount --bind {source} {shlex.quote(str(stash / child))}")
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(parent))}")
        for child in sorted(children):
            target = shlex.quote(str(parent / child))
            lines.append(
                f"mkdir {target} && mount --move {shlex.quote(str(stash / child))} {target}"
            )
    env = [
        f"HOME={home}",
        f"PATH={Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG=C.UTF-8",
        f"NUMBA_CACHE_DIR={home / '.numba'}",
        f"MPLCONFIGDIR={home / '.matplotlib'}",
    ]
    import pwd

    entry = pwd.getpwnam(user)
    setpriv = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
    lines.append('exec "$@"')
    script = "\n".join(lines)
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        *setpriv,
        "--",
        "env",
        "-i",
        *env,
        *command,
    ]
