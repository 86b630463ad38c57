#!/usr/bin/env python3
"""The man pages (docs/man) against the programs: every long option a program's
--help lists is in its page's OPTIONS section and every one there is in --help;
sxctl's commands likewise (each command --help lists is named in the page's
COMMANDS section, and each entry there names a command --help lists).
The pages are written by hand: this is what keeps them true.
usage: test_manpages.py SXDP SXCD SXCTL MAN_DIR"""
import os
import re
import subprocess
import sys

OPT = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
fails = 0


def check(ok, what):
    global fails
    print(("ok - " if ok else "not ok - ") + what)
    fails += not ok


def roff_plain(s):
    """the text of a roff line: escapes dropped, hyphens plain"""
    s = s.replace("\\-", "-").replace("\\&", "").replace("\\(em", "-")
    return re.sub(r"\\f[BIRP]", "", s)


def section(page, name):
    """the lines of .SH NAME, up to the next .SH"""
    out, on = [], False
    for line in page.splitlines():
        if line.startswith(".SH "):
            on = line[4:].strip().strip('"') == name
            continue
        if on:
            out.append(line)
    return out


def help_of(prog):
    r = subprocess.run([prog, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=30, env=dict(os.environ, SXDP_SOCKET="/nonexistent/sock"))
    check(r.returncode == 0, "%s --help exits 0 (%d)" % (os.path.basename(prog), r.returncode))
    return r.stdout


def bold_words(line):
    """the words set in bold on a roff line (.B line or \\fB...\\fR runs)"""
    if line.startswith(".B "):
        line = "\\fB" + line[3:]
    words = []
    for seg in re.findall(r"\\fB(.*?)(?=\\f[RIP]|$)", line):
        words += re.findall(r"[a-z][a-z0-9-]*", roff_plain(seg))
    return words


def main():
    progs = dict(zip(("sxdp", "sxcd", "sxctl"), sys.argv[1:4]))
    mandir = sys.argv[4]
    for prog, page in (("sxdp", "sxdp.8"), ("sxcd", "sxcd.8"), ("sxctl", "sxctl.1")):
        text = help_of(progs[prog])
        man = open(os.path.join(mandir, page)).read()
        in_help = set(OPT.findall(text))
        in_man = set(OPT.findall(roff_plain("\n".join(section(man, "OPTIONS")))))
        check(len(in_help) > 0, "%s --help lists options" % prog)
        check(in_help - in_man == set(), "%s: every --help option is in %s's OPTIONS: missing %s"
              % (prog, page, sorted(in_help - in_man)))
        check(in_man - in_help == set(), "%s: every option in %s's OPTIONS is in --help: extra %s"
              % (prog, page, sorted(in_man - in_help)))
    # sxctl's commands: the lines "  cmd ..." before its options
    text = help_of(progs["sxctl"])
    cmds = set()
    for line in text.split("\nOptions")[0].splitlines():
        m = re.match(r"  ([a-z][a-z0-9-]*)(?: |$)", line)
        if m:
            cmds.add(m.group(1))
    man = open(os.path.join(mandir, "sxctl.1")).read().splitlines()
    cmdsec = section("\n".join(man), "COMMANDS")
    tags = [cmdsec[i + 1] for i, l in enumerate(cmdsec[:-1]) if l.strip() == ".TP"]
    named, first = set(), []
    for t in tags:
        w = bold_words(t)
        named |= set(w)
        if w:
            first.append(w[0])
    check(len(cmds) > 20, "sxctl --help lists its commands (%d)" % len(cmds))
    check(cmds - named == set(), "every sxctl command is in sxctl.1's COMMANDS: missing %s"
          % sorted(cmds - named))
    check(set(first) - cmds == set(), "every entry of sxctl.1's COMMANDS is an sxctl command: extra %s"
          % sorted(set(first) - cmds))
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
