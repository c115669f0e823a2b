"""A fleet on one machine: tpath's events on a node reach a central auditd
with the node's name, and the collector's own tools show them whole.

Two network namespaces of the test's own, joined by a veth pair with
link-local addresses and nothing else: in one the collector, an auditd
with local_events = no listening on TCP, logging under the test's
directory; in the other the node, the kernel's audit daemon (the kernel
takes its one daemon from any network namespace; only the initial user
and PID namespaces are required) as this machine configures it, plus
name_format = user and the audisp-remote plugin (audispd-plugins), whose
fixed /etc/audit/audisp-remote.conf is the test's own by a bind mount in
the node's mount namespace.  The node replaces this session's plain auditd
only while the events are made (auditd.replaced), writing the machine's
trail meanwhile, so that others reading it (other tests, other sessions)
miss only what the kernel sends in the moments between the daemons.

What tpath cannot do yet is an expected failure with its reason: a
trusted shell run by a user writes no audit record (tgetty(8) BUGS).

The collector's tools read with a passwd and group that do not have the
node's user, as a central server would not: the names must come from the
node (log_format = ENRICHED), never be looked up where they are read.
"""
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from auditd import SBIN_PATH, auditd  # noqa: F401 (the fixture)
from conftest import program
from test_login import pamconf, user  # noqa: F401 (fixtures)
from test_sak import SAK, TSH_PROMPT, config, users
from test_tgetty import getty, log_in, shell_user  # noqa: F401 (fixtures)
from test_tsh import register

NODE = "node-test"
PORT = 60                       # auditd's own port, in the collector's netns
COLLECTOR, NODE_ADDR = "169.254.61.1", "169.254.61.2"
ARRIVAL_SECONDS = 10.0

# A namespace holder: a private /run (the daemons' pid files stay out of
# the machine's), the binds it is given ("source target" lines), then it
# says so and sleeps until the test ends it by its PID.
HOLDER = """
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
while read -r src dst; do mount --bind "$src" "$dst"; done <<EOF
$1
EOF
echo ready
exec sleep 86400
"""

COLLECTOR_CONF = """\
local_events = no
write_logs = yes
log_file = {dir}/audit.log
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 1
max_log_file = 0
max_log_file_action = ignore
space_left = 2
space_left_action = ignore
admin_space_left = 1
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
name_format = none
tcp_listen_port = {port}
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
use_libwrap = no
transport = TCP
distribute_network = no
plugin_dir = {dir}/plugins
"""

REMOTE_PLUGIN = """\
active = yes
direction = out
path = {path}
type = always
format = string
"""

REMOTE_CONF = """\
remote_server = {server}
port = {port}
transport = tcp
mode = immediate
queue_file = {dir}/remote.queue
queue_depth = 2048
format = managed
network_retry_time = 1
max_tries_per_record = 3
max_time_per_record = 5
heartbeat_timeout = 0
network_failure_action = syslog
disk_low_action = ignore
disk_full_action = ignore
disk_error_action = syslog
remote_ending_action = reconnect
generic_error_action = syslog
generic_warning_action = syslog
queue_error_action = syslog
overflow_action = syslog
startup_failure_action = warn_once_continue
"""

# what the node changes in the machine's auditd.conf
NODE_SETTINGS = {"name_format": "user", "name": NODE,
                 "log_format": "ENRICHED"}


def need(name):
    path = shutil.which(name, path=SBIN_PATH)
    if path is None:
        pkg = {"audisp-remote": "audispd-plugins", "ip": "iproute2"}.get(
            name, "util-linux")
        pytest.skip(f"{name} not installed (Debian package {pkg}; make deps)")
    return path


def conf_file(path, text):
    path.write_text(text)
    path.chmod(0o640)           # auditd and its plugins refuse others'


def node_conf(path, plugins):
    """The machine's auditd.conf with the node's settings."""
    try:
        lines = Path("/etc/audit/auditd.conf").read_text().splitlines()
    except FileNotFoundError:
        pytest.skip("no /etc/audit/auditd.conf (Debian package auditd)")
    settings = dict(NODE_SETTINGS, plugin_dir=str(plugins))
    out = [line for line in lines
           if line.split("=", 1)[0].strip().lower() not in settings]
    out += [f"{k} = {v}" for k, v in settings.items()]
    conf_file(path, "\n".join(out) + "\n")


class Fleet:
    """The two namespaces, their daemons, and the collector's tools."""

    def __init__(self, tmp_path, daemon):
        self.dir, self.daemon = tmp_path / "fleet", daemon
        self.holders = []
        self.unshare, self.nsenter = need("unshare"), need("nsenter")
        self.ip, self.auditd = need("ip"), need("auditd")
        self.remote = need("audisp-remote")
        self.ausearch, self.aureport = need("ausearch"), need("aureport")
        if not os.path.exists("/etc/audit/audisp-remote.conf"):
            pytest.skip("no /etc/audit/audisp-remote.conf to bind over "
                        "(Debian package audispd-plugins; make deps)")

    def setup(self, hidden_user):
        d = self.dir
        for sub in ("collector", "collector/plugins", "node",
                    "node/plugins"):
            (d / sub).mkdir(parents=True)
            (d / sub).chmod(0o750)
        c, n = d / "collector", d / "node"
        conf_file(c / "auditd.conf",
                  COLLECTOR_CONF.format(dir=c, port=PORT))
        node_conf(n / "auditd.conf", n / "plugins")
        conf_file(n / "plugins" / "au-remote.conf",
                  REMOTE_PLUGIN.format(path=self.remote))
        conf_file(n / "audisp-remote.conf",
                  REMOTE_CONF.format(server=COLLECTOR, port=PORT, dir=n))
        self.log = c / "audit.log"
        # the collector's accounts: the machine's, without the node's user
        for f in ("passwd", "group"):
            kept = [line for line in
                    Path(f"/etc/{f}").read_text().splitlines(True)
                    if line.split(":", 1)[0] != hidden_user]
            (c / f).write_text("".join(kept))
        self.collector = self.holder(f"{c}/passwd /etc/passwd\n"
                                     f"{c}/group /etc/group")
        self.node = self.holder(f"{n}/audisp-remote.conf "
                                f"/etc/audit/audisp-remote.conf")
        self.link()

    def holder(self, binds):
        p = subprocess.Popen([self.unshare, "--net", "--mount",
                              "--propagation", "private", "sh", "-c",
                              HOLDER, "sh", binds],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.holders.append(p)
        if p.stdout.readline() != "ready\n":
            p.wait()
            pytest.skip(f"no network and mount namespace of the test's own "
                        f"here: {p.stderr.read().strip()}")
        return p.pid

    def run_in(self, pid, *argv, check=True):
        r = subprocess.run([self.nsenter, "-t", str(pid), "-n", "-m", "--",
                            *argv], capture_output=True, text=True,
                           errors="replace")
        if check:
            assert r.returncode == 0, (argv, r.stderr)
        return r

    def link(self):
        """The veth pair: one end in each namespace, nothing outside."""
        a, b = f"tpc{os.getpid() % 100000}", f"tpn{os.getpid() % 100000}"
        self.veth = a
        r = subprocess.run([self.ip, "link", "add", a, "type", "veth",
                            "peer", "name", b], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"no veth pair here: {r.stderr.strip()}")
        for end, pid, addr in ((a, self.collector, COLLECTOR),
                               (b, self.node, NODE_ADDR)):
            subprocess.run([self.ip, "link", "set", end, "netns", str(pid)],
                           check=True)
            self.run_in(pid, self.ip, "addr", "add", f"{addr}/30", "dev", end)
            self.run_in(pid, self.ip, "link", "set", end, "up")
            self.run_in(pid, self.ip, "link", "set", "lo", "up")

    def start_collector(self):
        argv = [self.nsenter, "-t", str(self.collector), "-n", "-m", "--",
                self.auditd, "-n", "-c", str(self.dir / "collector")]
        self.collector_proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ss = self.run_in(self.collector, "ss", "-Htln", check=False)
            if f":{PORT} " in ss.stdout:
                return
            assert self.collector_proc.poll() is None, \
                f"the collector's auditd exited with " \
                f"{self.collector_proc.returncode}"
            time.sleep(0.05)
        pytest.fail(f"the collector does not listen on {PORT}")

    def node_argv(self):
        return [self.nsenter, "-t", str(self.node), "-n", "-m", "--",
                self.auditd, "-n", "-c", str(self.dir / "node")]

    def connected(self):
        """Is the node's audisp-remote connected to the collector?"""
        ss = self.run_in(self.collector, "ss", "-Htn", "state",
                         "established", check=False)
        return NODE_ADDR in ss.stdout

    def tool(self, *argv):
        """An audit tool run where the collector's accounts are."""
        r = self.run_in(self.collector, *argv, check=False)
        assert r.returncode in (0, 1), r.stderr     # 1: no match
        return r.stdout

    def search(self, *args):
        return self.tool(self.ausearch, "--input", str(self.log), "--node",
                         NODE, *args)

    def stop_collector(self):
        p = getattr(self, "collector_proc", None)
        if p is not None and p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
            p.wait(timeout=10)

    def end(self):
        self.stop_collector()
        for p in self.holders:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
            p.wait()
        # gone with its namespace, unless the test stopped before moving it
        if getattr(self, "veth", None):
            subprocess.run([self.ip, "link", "del", self.veth],
                           capture_output=True)


@pytest.fixture
def fleet(tmp_path, auditd):  # noqa: F811
    f = Fleet(tmp_path, auditd)
    yield f
    f.end()


def admin(argv, uid):
    """argv as root on a terminal of its own, by an administrator who
    logged in as uid (the records' auid), as after su: (result, pty)."""
    def login_uid():
        with open("/proc/self/loginuid", "w") as f:
            f.write(str(uid))
    master, slave = os.openpty()
    try:
        return subprocess.run(argv, stdin=slave, capture_output=True,
                              text=True, preexec_fn=login_uid), \
            os.ttyname(slave).removeprefix("/dev/")
    finally:
        os.close(master)
        os.close(slave)


def events(fleet, getty, user, cfg, password, secrets):  # noqa: F811
    """Every kind of event on the node; what the records must say of each:
    (type, op, user, terminal, program, result)."""
    name, confdir = user.pw_name, getty.confdir
    tgetty = os.path.realpath(program("tgetty"))
    want = []
    # a wrong password, a name no account has (a password typed as a
    # name), a login; the key; a trusted command and a refused one; logout
    p, child, path, _ = getty(cfg, users=users(name, "on"))
    port = path.removeprefix("/dev/")
    log_in(child, name, secrets[0])
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, secrets[1], password)
    child.expect_exact("Login incorrect\r\n")
    child.expect_exact("login: ")
    log_in(child, name, password)
    child.expect_exact("$ ")
    want += [("USER_LOGIN", "login", name, port, tgetty, "failed"),
             ("USER_LOGIN", "login", "(unknown)", port, tgetty, "failed"),
             ("USER_LOGIN", "login", name, port, tgetty, "success")]
    child.send(SAK)
    child.expect_exact(TSH_PROMPT)
    want.append(("TRUSTED_APP", "sak", name, port, tgetty, "success"))
    child.sendline("tty")
    child.expect(r"/dev/(pts/\d+)")
    shell_pty = child.match.group(1)
    child.expect_exact(TSH_PROMPT)
    child.sendline("ls /")      # not in the database
    child.expect_exact("not a trusted program")
    child.expect_exact(TSH_PROMPT)
    # tsh, run by the user, may not write to the trail (no
    # CAP_AUDIT_WRITE): tgetty writes its commands' records, naming the
    # user and tsh's pty
    commands = [("USER_CMD", "tsh-exec", name, shell_pty, tgetty, "success"),
                ("USER_CMD", "tsh-refuse", name, shell_pty, tgetty,
                 "failed")]
    child.sendline("logout")
    assert p.wait(timeout=10) == 0
    want.append(("USER_LOGOUT", "logout", name, port, tgetty, "success"))
    # a port locked by one failure; the right password then fails too
    p, child, path, _ = getty("default:\n\tlogindelay = 0\n"
                              "\tlogindisable = 1\n\tlogininterval = 60\n"
                              "\tloginreenable = 0\n")
    port = path.removeprefix("/dev/")
    for pw in (secrets[0], password, password):
        log_in(child, name, pw)
        child.expect_exact("Login incorrect\r\n")
    assert p.wait(timeout=10) == 1
    want += [("USER_LOGIN", "login", name, port, tgetty, "failed"),
             ("TRUSTED_APP", "port-lock", name, port, tgetty, "success"),
             ("USER_LOGIN", "login", name, port, tgetty, "failed"),
             ("USER_LOGIN", "login", name, port, tgetty, "failed")]
    # the database: recorded, mended, marked, found changed, deleted, by
    # root on a terminal, logged in as the user
    f = fleet.dir / f"fleet-{uuid.uuid4().hex[:8]}"
    f.write_text("content\n")
    tcbck, chtcb = (os.path.realpath(program(p)) for p in ("tcbck", "chtcb"))
    c = str(confdir)
    for argv, rc, op, res in (
            ([tcbck, "-C", c, "-a", str(f)], 0, "tcbck-add", "success"),
            (lambda: f.chmod(0o777), None, None, None),
            ([tcbck, "-C", c, "-y", str(f)], 0, "tcbck-fix", "success"),
            ([chtcb, "-C", c, "off", str(f)], 0, "chtcb-off", "success"),
            ([chtcb, "-C", c, "on", str(f)], 0, "chtcb-on", "success"),
            (lambda: f.write_text("changed\n"), None, None, None),
            ([tcbck, "-C", c, "-n", str(f)], 1, "tcbck-hash-mismatch",
             "failed"),
            ([tcbck, "-C", c, "-d", str(f)], 0, "tcbck-delete", "success")):
        if callable(argv):
            argv()
            continue
        r, pty = admin(argv, user.pw_uid)
        assert r.returncode == rc, (argv, r.stdout, r.stderr)
        want.append(("USYS_CONFIG", op, name, pty, argv[0], res))
    return want, commands, f


def interpreted(text):
    """ausearch -i records as dicts of their fields (msg='...' opened;
    the names of the node's enriched log as the tools show them)."""
    recs = []
    for line in text.splitlines():
        m = re.match(r"node=(\S+) type=(\S+) msg=audit\([^)]*\) : (.*)", line)
        if m is None:
            continue
        head, _, body = m.group(3).partition(" msg='")
        fields = dict(re.findall(r"([\w-]+)=(\S+)", head))
        fields.update(re.findall(r"([\w-]+)=(\S+)", body.rstrip("' ")))
        fields["node"], fields["type"] = m.group(1), m.group(2)
        recs.append(fields)
    return recs


def who(rec):
    """The user a record names: the account, else who logged in, else the
    process's user."""
    if "acct" in rec:
        return rec["acct"]
    if rec.get("auid") not in (None, "unset", "4294967295"):
        return rec["auid"]
    return None


def matches(rec, want):
    _, op, user, term, prog, res = want
    return (rec.get("op"), who(rec), rec.get("terminal"), rec.get("exe"),
            rec.get("res")) == (op, user, term, prog, res)


def test_a_node_s_events_reach_the_collector_with_its_name(
        fleet, getty, shell_user, auditd):  # noqa: F811
    """Every kind of tpath event on the node arrives at the collector,
    named by the node; ausearch --node and aureport -l --node there show
    user, terminal, program and result of each, with names that come from
    the node (the collector has no such user); no password and no typed
    name that no account has reaches the collector, plain or hex."""
    name = shell_user.pw_name
    (getty.pamconf / "tptest").write_text(
        (getty.pamconf / "tptest").read_text() +
        "session  required pam_loginuid.so\n")
    tag = uuid.uuid4().hex[:10]
    password = f"Fleet-Pass-{tag}"
    secrets = (f"Fleet-Wrong-{tag}", f"Fleet-Typo-{tag}", password)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True,
                   check=True)
    cfg = config(getty.confdir)     # made before: its records are not ours
    register(getty.confdir, "/usr/bin/tty")
    fleet.setup(name)
    fleet.start_collector()
    with auditd.replaced(fleet.node_argv()):
        deadline = time.monotonic() + 10
        while not fleet.connected():
            assert time.monotonic() < deadline, \
                "audisp-remote did not connect to the collector"
            time.sleep(0.05)
        want, commands, f = events(fleet, getty, shell_user, cfg, password,
                                   secrets)
        # the last event is there: the others were sent before it
        deadline = time.monotonic() + ARRIVAL_SECONDS
        while f"op=tcbck-delete path={f} " not in \
                fleet.search("-m", "USYS_CONFIG", "-i"):
            assert time.monotonic() < deadline, \
                f"the last event not at the collector in {ARRIVAL_SECONDS} s"
            time.sleep(0.1)
    fleet.stop_collector()

    types = "USER_LOGIN,USER_LOGOUT,USER_CMD,TRUSTED_APP,USYS_CONFIG"
    ours = [r for r in interpreted(fleet.search("-m", types, "-i"))
            if r.get("exe") in {w[4] for w in want + commands}]
    assert all(r["node"] == NODE for r in ours)
    # each event, in order, with its user, terminal, program and result
    got = [r for r in ours if r["type"] != "USER_CMD"]
    assert len(got) == len(want), "\n".join(map(str, got))
    for rec, w in zip(got, want):
        assert rec["type"] == w[0] and matches(rec, w), (rec, w)
    # no name left unknown: the tools name every uid and auid they
    # interpret from the node's log, though this collector has no such user
    for rec in got:
        for k in ("uid", "auid"):
            if rec["type"] != "TRUSTED_APP":    # shown as written
                assert not rec[k].isdigit() and "unknown" not in rec[k], rec
        assert "?" not in (who(rec), rec["terminal"], rec["exe"]), rec
    assert [who(r) for r in got].count("(unknown)") == 1    # the typed name
    # aureport -l: the logins' user, terminal, program and result
    report = fleet.tool(fleet.aureport, "--input", str(fleet.log), "-l",
                        "--node", NODE, "-i")
    print(report)                       # pytest -s: the collector's view
    rows = [r.split()[3:8] for r in report.splitlines()
            if re.match(r"\d+\. ", r)]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        (w[2], w[3], w[4], "yes" if w[5] == "success" else "no")
        for w in want if w[0] == "USER_LOGIN"], report
    # no password, no typed name that no account has: plain or hex
    log = fleet.log.read_bytes()
    for secret in secrets:
        for form in (secret.encode(), secret.encode().hex().upper().encode()):
            assert form not in log, secret
    # a trusted shell's commands, written by tgetty for the user: the
    # user's account and login uid, on tsh's pty
    cmds = [r for r in ours if r["type"] == "USER_CMD"]
    for rec in cmds:                    # pytest -s: the collector's view
        print(" ".join(f"{k}={v}" for k, v in rec.items()))
    assert len(cmds) == len(commands), cmds
    for rec, w in zip(cmds, commands):
        assert matches(rec, w) and not rec["uid"].isdigit(), (rec, w)
        assert rec["auid"] == name, rec
