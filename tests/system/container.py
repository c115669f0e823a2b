"""A Debian 12 root booted with systemd-nspawn -b: systemd as PID 1, its
console on a pty of this machine (nspawn's interactive console, read and
written with pexpect), commands run inside with nsenter.

The host's PID 1 is not systemd here, so nothing on the host registers or
places the container: it runs in a cgroup this module makes by hand in the
host's cgroup v2 hierarchy (nspawn needs one of its own to give the
container), with --register=no (no machined), --keep-unit (no scope asked
of a host systemd) and the unified hierarchy inside
(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1).  The container is ended by
its nspawn's PID, never by name, and its cgroup removed.
"""
import os
import signal
import subprocess
import time

import pexpect

CGROUP2 = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]


def cgroup2_mount():
    for m in CGROUP2:
        if os.path.exists(os.path.join(m, "cgroup.procs")) and \
                os.path.exists(os.path.join(m, "cgroup.controllers")):
            return m
    return None


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                kids.append(int(d))
    return kids


def ns_pid(pid):
    """The PID in the innermost PID namespace, from NSpid."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    return None


class Container:
    def __init__(self, root, binds=(), log=None, boot_timeout=120):
        self.root, self.log = root, log
        mount = cgroup2_mount()
        if mount is None:
            raise RuntimeError("no cgroup v2 hierarchy on this machine")
        self.cgroup = os.path.join(mount, f"tpath-check-{os.getpid()}")
        os.makedirs(self.cgroup, exist_ok=True)
        argv = ["-D", root, "--ephemeral", "-b", "--register=no", "--keep-unit", "-q",
                "--console=interactive", "--hostname=tpath-check",
                f"--machine=tpath-check-{os.getpid()}"]
        argv += [f"--bind-ro={a}:{b}" for a, b in binds]
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1",
                   TERM="vt100")
        # nspawn starts in the cgroup made for it (a child moved there
        # before exec, through a shell that writes its own PID)
        self.console = pexpect.spawn(
            "/bin/sh", ["-c", 'echo $$ > "$0/cgroup.procs" && exec '
                        'systemd-nspawn "$@"', self.cgroup, *argv],
            env=env, encoding="utf-8", codec_errors="replace",
            timeout=boot_timeout, dimensions=(24, 80))
        if log is not None:
            self.console.logfile_read = log
        self.leader = self._find_leader(boot_timeout)

    def _find_leader(self, timeout):
        """The container's PID 1: a descendant of nspawn whose PID in its
        own namespace is 1."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            todo = [self.console.pid]
            while todo:
                p = todo.pop()
                try:
                    if p != self.console.pid and ns_pid(p) == 1:
                        return p
                except OSError:
                    pass
                todo += children(p)
            if not self.console.isalive():
                raise RuntimeError("systemd-nspawn ended:\n" +
                                   (self.console.before or ""))
            time.sleep(0.1)
        raise RuntimeError("no container PID 1 after {timeout} s")

    def sh(self, cmd, check=True, timeout=120):
        """A shell command inside the container: all its namespaces."""
        r = subprocess.run(["nsenter", "-t", str(self.leader), "-a", "--",
                            "/bin/sh", "-c", cmd], capture_output=True,
                           text=True, errors="replace", timeout=timeout,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                "LANG": "C.UTF-8", "SYSTEMD_PAGER": "",
                                "TERM": "dumb"})
        if check and r.returncode != 0:
            raise AssertionError(f"in the container: {cmd}: exit "
                                 f"{r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def wait_until(self, cmd, timeout=30, what=None):
        """Poll cmd inside until it exits 0; its result."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.sh(cmd, check=False)
            if r.returncode == 0:
                return r
            if time.monotonic() > deadline:
                raise AssertionError(f"{what or cmd}: not within {timeout} s"
                                     f"\n{r.stdout}{r.stderr}")
            time.sleep(0.2)

    def wait_booted(self, timeout=120):
        self.wait_until("systemctl is-system-running --wait | "
                        "grep -Eq '^(running|degraded)$'", timeout,
                        "the container's boot")

    def end(self):
        """Power off; nspawn killed by its PID if it does not end."""
        if self.console.isalive():
            try:
                self.sh("systemctl poweroff --no-block", check=False,
                        timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                pass
            deadline = time.monotonic() + 30
            while self.console.isalive() and time.monotonic() < deadline:
                try:
                    self.console.read_nonblocking(4096, timeout=0.5)
                except (pexpect.TIMEOUT, pexpect.EOF):
                    pass
            if self.console.isalive():
                os.kill(self.console.pid, signal.SIGKILL)
        self.console.close(force=True)
        # empty once nspawn and the container are gone: nspawn's own
        # (supervisor, payload) and what the container left, deepest first
        for _ in range(50):
            try:
                for d, _, _ in os.walk(self.cgroup, topdown=False):
                    os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)
