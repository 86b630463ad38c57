#!/usr/bin/env python3
"""Stage the operator's page in the build tree, laid out as it is installed.

www_stage.py STAMP SHELL_DIR [--feat FILE...] [FILE...]: the shell's files
go to DIR/www/ (DIR: the stamp's), each feature's view (after --feat) to
DIR/www/feat/, so sxcd run from the build tree serves what `meson install`
puts under share/sxcd/www. Standard library only.
"""
import os
import shutil
import sys


def main():
    stamp = sys.argv[1]
    out = os.path.join(os.path.dirname(os.path.abspath(stamp)), "www")
    feat = False
    os.makedirs(os.path.join(out, "feat"), exist_ok=True)
    for a in sys.argv[2:]:
        if a == "--feat":
            feat = True
            continue
        dst = os.path.join(out, "feat" if feat else "", os.path.basename(a))
        shutil.copyfile(a, dst + ".tmp")
        os.replace(dst + ".tmp", dst)
    with open(stamp, "w") as f:
        f.write("staged\n")


if __name__ == "__main__":
    main()
