#!/usr/bin/env python3
"""Run a systemd service unit's ExecStart as systemd would, where systemd is not
PID 1 (a container, a CI runner): what this emulates and what it cannot, it says.

  unitrun.py start UNIT     the process becomes the unit's main process (exec);
                            notes on stderr, one line each ("unitrun: ...")
  unitrun.py stop UNIT PID  SIGTERM (KillSignal's default), wait up to 30 s, then
                            remove the unit's RuntimeDirectory as systemd does
  unitrun.py reload UNIT PID  the unit's ExecReload, $MAINPID the PID, as systemd
                            runs it: its exit code
  unitrun.py show UNIT      the [Service] settings read, as KEY=VALUE

Emulated: User, Group, SupplementaryGroups (initgroups, then them),
EnvironmentFile (with '-': optional), Environment, ExecStart ($VAR split into
words, ${VAR} one word, a leading '-' or '@' refused), WorkingDirectory,
RuntimeDirectory/StateDirectory/LogsDirectory (+Mode; owned by User:Group, what is
below an existing one owned by others chowned too, as systemd does), UMask,
LimitNOFILE/LimitMEMLOCK, NoNewPrivileges, NotifyAccess (NOTIFY_SOCKET
passed on when the caller gives one: its listener is the caller's), ExecReload
(reload), and in a mount namespace of its
own (when the kernel lets us make one) ProtectSystem (full, strict),
ProtectHome, PrivateTmp. Anything else in [Service] that changes how the
process runs is named on stderr as not emulated."""
import ctypes
import ctypes.util
import grp
import os
import pwd
import re
import resource
import shlex
import signal
import subprocess
import sys
import time

# settings that only matter to systemd's supervision, not to how the process runs
SUPERVISION = {"Type", "Restart", "RestartSec", "TimeoutStopSec", "TimeoutStartSec", "KillSignal",
               "KillMode"}
EMULATED = {"User", "Group", "SupplementaryGroups", "EnvironmentFile", "Environment", "ExecStart",
            "WorkingDirectory", "RuntimeDirectory", "RuntimeDirectoryMode", "StateDirectory",
            "StateDirectoryMode", "LogsDirectory", "LogsDirectoryMode", "UMask", "LimitNOFILE", "LimitMEMLOCK", "NoNewPrivileges",
            "ProtectSystem", "ProtectHome", "PrivateTmp", "NotifyAccess", "ExecReload"}

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38


def note(msg):
    print("unitrun: " + msg, file=sys.stderr, flush=True)


def parse(path):
    """[Service]'s settings: {key: [values in order]}; continuation lines joined"""
    svc, section, cur = {}, None, ""
    for raw in open(path):
        line = raw.rstrip("\n")
        if cur:
            line, cur = cur + " " + line.strip(), ""
        if line.endswith("\\"):
            cur = line[:-1].rstrip()
            continue
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("["):
            section = s
            continue
        if section == "[Service]" and "=" in s:
            k, v = s.split("=", 1)
            svc.setdefault(k.strip(), []).append(v.strip())
    return svc


def last(svc, key, default=None):
    return svc[key][-1] if key in svc and svc[key] else default


def env_of(svc):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    for v in svc.get("Environment", []):
        for w in shlex.split(v):
            k, _, val = w.partition("=")
            env[k] = val
    for f in svc.get("EnvironmentFile", []):
        optional = f.startswith("-")
        f = f.lstrip("-")
        try:
            text = open(f).read()
        except OSError as e:
            if optional:
                note("EnvironmentFile %s: absent (optional)" % f)
                continue
            raise SystemExit("unitrun: EnvironmentFile %s: %s" % (f, e.strerror))
        for line in text.splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            k, _, val = line.partition("=")
            w = shlex.split(val)
            env[k.strip()] = w[0] if w else ""
    return env


def expand(cmd, env):
    """systemd's ExecStart: $VAR splits into words, ${VAR} stays one word"""
    if cmd[:1] in ("-", "@", "+", "!", ":"):
        raise SystemExit("unitrun: ExecStart prefix %r not emulated" % cmd[0])
    out = []
    for w in shlex.split(cmd):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m:
            out += env.get(m.group(1), "").split()
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda x: env.get(x.group(1), ""), w))
    return out


def ids(svc):
    user = last(svc, "User", "root")
    pw = pwd.getpwnam(user)
    gid = grp.getgrnam(last(svc, "Group")).gr_gid if "Group" in svc else pw.pw_gid
    return pw, gid


def dirs(svc, base, key):
    return [os.path.join(base, d) for v in svc.get(key, []) for d in v.split()]


# the directories a unit owns, where systemd makes them
OWN_DIRS = (("RuntimeDirectory", "/run"), ("StateDirectory", "/var/lib"), ("LogsDirectory", "/var/log"))


def make_dirs(svc, pw, gid):
    for key, base in OWN_DIRS:
        mode = int(last(svc, key + "Mode", "0755"), 8)
        for d in dirs(svc, base, key):
            os.makedirs(d, exist_ok=True)
            st = os.stat(d)
            # systemd.exec(5): an existing directory owned by another user or group is
            # chowned with everything below it (a user made again has another uid)
            if (st.st_uid, st.st_gid) != (pw.pw_uid, gid):
                for root, subdirs, files in os.walk(d):
                    for x in subdirs + files:
                        os.lchown(os.path.join(root, x), pw.pw_uid, gid)
            os.chown(d, pw.pw_uid, gid)
            os.chmod(d, mode)


def mount(src, target, fstype, flags, data=None):
    if libc.mount(src and src.encode(), target.encode(), fstype and fstype.encode(), flags,
                  data and data.encode()) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "mount %s: %s" % (target, os.strerror(e)))


def sandbox(svc):
    """ProtectSystem, ProtectHome, PrivateTmp in a mount namespace of our own"""
    ps, ph, pt = last(svc, "ProtectSystem", "no"), last(svc, "ProtectHome", "no"), last(svc, "PrivateTmp", "no")
    if ps == "no" and ph == "no" and pt == "no":
        return
    if libc.unshare(CLONE_NEWNS) != 0:
        note("ProtectSystem=%s ProtectHome=%s PrivateTmp=%s not emulated: no mount namespace "
             "(unshare: %s)" % (ps, ph, pt, os.strerror(ctypes.get_errno())))
        return
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    if pt in ("yes", "true"):
        for d in ("/tmp", "/var/tmp"):
            mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        note("PrivateTmp: /tmp and /var/tmp are the unit's own")
    if ph in ("yes", "true", "read-only", "tmpfs"):
        for d in ("/home", "/root", "/run/user"):
            if os.path.isdir(d):
                mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                      "mode=0755" if ph == "tmpfs" else "mode=0000")
        note("ProtectHome=%s: /home, /root, /run/user hidden" % ph)
    if ps in ("yes", "true", "full", "strict"):
        # the writable: what the unit owns; bind them onto themselves first, so
        # that making their file system read-only leaves them as they were
        rw = [d for key, base in OWN_DIRS for d in dirs(svc, base, key)]
        for v in svc.get("ReadWritePaths", []):
            rw += [p.lstrip("-") for p in v.split()]
        own = ["/tmp", "/var/tmp"] if pt in ("yes", "true") else []
        for d in rw:
            mount(d, d, None, MS_BIND | MS_REC)
        ro = {"yes": ["/usr", "/boot", "/efi"], "true": ["/usr", "/boot", "/efi"],
              "full": ["/usr", "/boot", "/efi", "/etc"]}.get(ps)
        points = []
        for line in open("/proc/self/mountinfo"):
            mp = line.split()[4].replace("\\040", " ")
            if ro is None:      # strict: all but the API file systems and the writable
                if any(mp == p or mp.startswith(p + "/") for p in ("/dev", "/proc", "/sys")):
                    continue
                if any(mp == d or mp.startswith(d + "/") for d in rw + own):
                    continue
                points.append(mp)
        for d in ro or []:
            if os.path.isdir(d):
                mount(d, d, None, MS_BIND | MS_REC)
                points.append(d)
        for mp in points:
            try:
                st = os.statvfs(mp)
                keep = 0
                for bit, f in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
                    keep |= f if st.f_flag & bit else 0
                mount(None, mp, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)
            except OSError as e:
                note("ProtectSystem=%s: %s stays writable (%s)" % (ps, mp, e.strerror))
        note("ProtectSystem=%s: read-only but %s" % (ps, " ".join(rw) or "nothing"))


def start(unit):
    svc = parse(unit)
    for k in sorted(svc):
        if k not in EMULATED and k not in SUPERVISION:
            note("%s=%s not emulated" % (k, last(svc, k)))
    if "ExecStart" not in svc:
        raise SystemExit("unitrun: %s has no ExecStart" % unit)
    env = env_of(svc)
    argv = expand(last(svc, "ExecStart"), env)
    # systemd's notification socket, for a unit that may use it: the caller's
    if last(svc, "NotifyAccess", "none") != "none" and os.environ.get("NOTIFY_SOCKET"):
        env["NOTIFY_SOCKET"] = os.environ["NOTIFY_SOCKET"]
        note("NotifyAccess=%s: NOTIFY_SOCKET %s (the caller's listener)" % (last(svc, "NotifyAccess"),
                                                                      env["NOTIFY_SOCKET"]))
    pw, gid = ids(svc)
    make_dirs(svc, pw, gid)
    sandbox(svc)
    for key, res in (("LimitNOFILE", resource.RLIMIT_NOFILE), ("LimitMEMLOCK", resource.RLIMIT_MEMLOCK)):
        v = last(svc, key)
        if v is not None:
            n = resource.RLIM_INFINITY if v == "infinity" else int(v)
            try:
                resource.setrlimit(res, (n, n))
            except (ValueError, OSError):
                hard = resource.getrlimit(res)[1]
                resource.setrlimit(res, (hard, hard))
                note("%s=%s not emulated: this process may not raise it past %s (no "
                     "CAP_SYS_RESOURCE here); it runs with %s" % (key, v, hard, hard))
    groups = os.getgrouplist(pw.pw_name, gid)
    for v in svc.get("SupplementaryGroups", []):
        groups += [grp.getgrnam(g).gr_gid for g in v.split()]
    os.setgroups(sorted(set(groups)))
    os.setgid(gid)
    os.setuid(pw.pw_uid)
    if last(svc, "NoNewPrivileges", "no") in ("yes", "true"):
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SystemExit("unitrun: NoNewPrivileges: prctl failed")
    os.umask(int(last(svc, "UMask", "0022"), 8))
    env.update(HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name, SHELL=pw.pw_shell)
    for key, base in OWN_DIRS:
        d = dirs(svc, base, key)
        if d:
            env[key.upper()] = ":".join(d)
    os.chdir(last(svc, "WorkingDirectory", "/"))
    note("exec as %s:%s (groups %s): %s" % (pw.pw_name, grp.getgrgid(gid).gr_name,
         ",".join(grp.getgrgid(g).gr_name for g in os.getgroups()), " ".join(argv)))
    os.execve(argv[0], argv, env)


def reload(unit, pid):
    svc = parse(unit)
    if "ExecReload" not in svc:
        raise SystemExit("unitrun: %s has no ExecReload" % unit)
    env = env_of(svc)
    env["MAINPID"] = str(pid)
    argv = expand(last(svc, "ExecReload"), env)
    note("reload: %s" % " ".join(argv))
    return subprocess.run(argv, env=env).returncode


def stop(unit, pid):
    svc = parse(unit)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        note("pid %d was already gone" % pid)
    deadline = time.time() + 30
    while time.time() < deadline and os.path.exists("/proc/%d" % pid) and \
            open("/proc/%d/stat" % pid).read().split(") ")[1][0] != "Z":
        time.sleep(0.1)
    alive = os.path.exists("/proc/%d" % pid) and open("/proc/%d/stat" % pid).read().split(") ")[1][0] != "Z"
    if alive:
        note("pid %d still running after 30 s: SIGKILL (as systemd would)" % pid)
        os.kill(pid, signal.SIGKILL)
    if last(svc, "RuntimeDirectoryPreserve", "no") == "no":
        for d in dirs(svc, "/run", "RuntimeDirectory"):
            if os.path.isdir(d):
                for r, ds, fs in os.walk(d, topdown=False):
                    for f in fs:
                        os.unlink(os.path.join(r, f))
                    for x in ds:
                        os.rmdir(os.path.join(r, x))
                os.rmdir(d)
    return 1 if alive else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "start":
        start(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "reload":
        return reload(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "stop":
        return stop(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "show":
        for k, v in sorted(parse(sys.argv[2]).items()):
            print("%s=%s" % (k, v[-1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
