"""What the benchmark scripts share: the CPU time of a process's threads
(on a shared 2-CPU machine a worker's share of its CPU over the window says
whether someone else ran there)."""
import os


def thread_cpu(pid):
    """{tid: (thread name, CPU seconds user + system)} of process pid."""
    res = {}
    hz = os.sysconf("SC_CLK_TCK")
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            f = open("%s/%s/stat" % (base, tid)).read()
        except OSError:
            continue
        v = f[f.rindex(")") + 2:].split()
        res[tid] = (f[f.index("(") + 1:f.rindex(")")], (int(v[11]) + int(v[12])) / hz)
    return res
