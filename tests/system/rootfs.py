"""A Debian 12 root for the system test, made once with debootstrap from
the machine's own apt sources and cached under /var/cache/tpath-check/,
keyed by the suite and the package list (a changed list makes a new root).

The mirror is read from /etc/apt/sources.list.d/*.sources (deb822) or
/etc/apt/sources.list at run time: no host name is written here.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess

CACHE = os.environ.get("TPATH_SYSTEM_CACHE", "/var/cache/tpath-check")
SUITE = "bookworm"
# systemd as PID 1 with logind (pam_systemd), and what tpath's package
# depends on that minbase lacks; procps for pgrep in the checks
PACKAGES = ["systemd", "systemd-sysv", "dbus", "libpam-systemd", "adduser",
            "procps", "libbpf1", "libssl3", "libacl1", "libaudit1",
            "libtinfo6", "libpam0g"]


def mirror():
    """The first main-archive URI of the machine's apt sources for SUITE."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for stanza in re.split(r"\n\s*\n", f.read()):
                fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza,
                                         re.M))
                if SUITE in fields.get("Suites", "").split() and \
                        "deb" in fields.get("Types", "").split():
                    return fields["URIs"].split()[0]
    if os.path.exists("/etc/apt/sources.list"):
        with open("/etc/apt/sources.list") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0] == "deb" and w[2] == SUITE:
                    return w[1]
    return None


def key(packages):
    return hashlib.sha256(" ".join([SUITE, *sorted(packages)])
                          .encode()).hexdigest()[:16]


def cached_root(packages=PACKAGES, log=print):
    """The path of a ready root, made now if the cache has none."""
    root = os.path.join(CACHE, f"root-{key(packages)}")
    ready = root + ".ready"             # outside the root: the test looks
    if os.path.exists(ready) and os.path.isdir(root):
        return root
    url = mirror()
    if url is None:
        raise RuntimeError(f"no apt source for {SUITE} on this machine")
    os.makedirs(CACHE, exist_ok=True)
    work = root + ".new"
    shutil.rmtree(work, ignore_errors=True)
    log(f"debootstrap {SUITE} from {url} into {work} (cached afterwards)")
    subprocess.run(["debootstrap", "--variant=minbase",
                    "--include=" + ",".join(sorted(packages)), SUITE, work,
                    url], check=True, stdout=subprocess.DEVNULL)
    # the container's own name; root's password is set by the test
    with open(os.path.join(work, "etc/hostname"), "w") as f:
        f.write("tpath-check\n")
    shutil.rmtree(root, ignore_errors=True)
    os.rename(work, root)
    open(ready, "w").close()
    return root


if __name__ == "__main__":
    print(cached_root())
