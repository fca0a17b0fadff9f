#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/report.py RESULTS OUT.md [--plot OUT.png]: the markdown report of a
bench/run, from the raw files it left in RESULTS (standard library only; the
plot needs gnuplot). Fails, naming the file, when a result is missing."""

import glob
import os
import re
import subprocess
import sys

PAM_STACKS = [
    ("permit", "pam_permit (baseline)"),
    ("corral-nolim", "corral, namespaces + cgroups, no limits"),
    ("corral-lim", "corral, namespaces + cgroups + limits"),
    ("corral-net", "corral, limits + network = loopback"),
    ("corral-veth", "corral, limits + network = veth"),
    ("corral-tmp", "corral, limits + private_tmp = session"),
    ("pam_namespace", "pam_namespace (/tmp per user)"),
    ("pam_cgfs", "pam_cgfs (freezer,memory,name=systemd)"),
]
CMD_STACKS = [
    ("true", "fork + exec /bin/true (anchor baseline)"),
    ("unshare", "unshare -pmuif --mount-proc"),
    ("bwrap", "bwrap --unshare-pid,uts,ipc --proc"),
    ("firejail", "firejail --noprofile"),
]
ANCHORS = ["unshare", "bwrap", "firejail"]
TARGET_ADDED_MS = 1.0
TARGET_PSS_KIB = 150
TARGET_DENSITY = 1.2


def fail(msg):
    sys.exit(f"report.py: {msg}")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


def percentile(xs, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def samples(path):
    """{stack: [milliseconds, in round order]} from 'NAME NANOSECONDS OPEN CLOSE' lines;
    the open and close times under 'NAME/open' and 'NAME/close'."""
    out = {}
    for line in read(path).splitlines():
        name, ns, op, cl = line.split()
        out.setdefault(name, []).append(int(ns) / 1e6)
        out.setdefault(name + "/open", []).append(int(op) / 1e6)
        out.setdefault(name + "/close", []).append(int(cl) / 1e6)
    if not out:
        fail(f"{path} has no samples")
    return out


def paired(a, b):
    """Per-round differences a - b (the rounds interleave every stack)."""
    if len(a) != len(b):
        fail("stacks with different sample counts cannot be paired")
    return [x - y for x, y in zip(a, b)]


def kv(path):
    out = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def ms(x):
    return f"{x:.2f}"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def levels_of(res):
    found = []
    for p in glob.glob(os.path.join(res, "login-*.txt")):
        m = re.fullmatch(r"login-(\d+)\.txt", os.path.basename(p))
        if m:
            found.append(int(m.group(1)))
    if not found:
        fail(f"no login-N.txt in {res}")
    return sorted(found)


def overhead(s):
    rows = []
    base = s["permit"]
    for name, label in PAM_STACKS:
        x = s[name]
        d = paired(x, base)
        rows.append([label, ms(median(x)), ms(percentile(x, 99)),
                     "-" if name == "permit" else ms(median(d)),
                     "-" if name == "permit" else ms(percentile(d, 99)),
                     f"{median(x) / median(base):.2f}x"])
    for name, label in CMD_STACKS:
        x = s[name]
        d = paired(x, s["true"])
        rows.append([label, ms(median(x)), ms(percentile(x, 99)),
                     "-" if name == "true" else ms(median(d)),
                     "-" if name == "true" else ms(percentile(d, 99)), "-"])
    return table(["stack", "median ms", "p99 ms", "added median ms", "added p99 ms",
                  "time / pam_permit"], rows)


def added(s, name):
    base = s["permit"] if name in dict(PAM_STACKS) else s["true"]
    return median(paired(s[name], base))


def fdm(res):
    path = os.path.join(res, "login-fdm.txt")
    if not os.path.exists(path):
        return ""
    s = samples(path)
    live = read(os.path.join(res, "login-fdm.live")).strip()
    rows = []
    for name, label in PAM_STACKS + CMD_STACKS:
        if name not in s or name in ("permit", "true"):
            continue
        rows.append([label, ms(median(s[name])), ms(added(s, name)),
                     ms(median(s[name + "/open"])), ms(median(s[name + "/close"]))])
    return ("\n### 1c. The same with favordynmods\n\n"
            f"{len(s['permit'])} rounds with {live} corral sessions live (compare with that "
            "column of section 3), while a cgroup v1 hierarchy of the run's own was mounted "
            "with `favordynmods` (`bench/run --favordynmods`): the kernel then keeps its cgroup "
            "migration lock (cgroup_threadgroup_rwsem) in the mode whose writers wait for no "
            "RCU grace period, host-wide. systemd mounts cgroup2 that way where the kernel "
            "has it.\n\n" +
            table(["stack", "median ms", "added median ms", "open median ms",
                   "close median ms"], rows))


def split(s):
    rows = []
    for name, label in PAM_STACKS:
        rows.append([label, ms(median(s[name + "/open"])), ms(median(s[name + "/close"])),
                     ms(median(s[name]) - median(s[name + "/open"]) - median(s[name + "/close"]))])
    return table(["stack", "pam_open_session median ms", "pam_close_session median ms",
                  "rest (fork, exec, wait) ms"], rows)


def ratios(s):
    rows = []
    for name in ["corral-nolim", "corral-lim", "corral-net", "corral-veth", "corral-tmp",
                 "pam_namespace", "pam_cgfs"]:
        a = added(s, name)
        rows.append([name, ms(a)] + [f"{a / added(s, x):.2f}" for x in ANCHORS])
    return table(["stack", "added median ms"] + [f"/ {x}'s added" for x in ANCHORS], rows)


def netcost(s):
    """What each network mode adds to a login, on top of the same policy with network = host."""
    rows = [["host", ms(median(s["corral-lim"])), "-", "-"]]
    for mode in ["loopback", "veth"]:
        name = "corral-net" if mode == "loopback" else "corral-" + mode
        d = paired(s[name], s["corral-lim"])
        rows.append([mode, ms(median(s[name])), ms(median(d)), ms(percentile(d, 99))])
    return ("\nThe cost of each network mode (same limits, paired rounds):\n\n" +
            table(["network", "login median ms", "more than network = host, median ms",
                   "p99 ms"], rows))


def memory(res, levels):
    def mi(name):
        return {k: int(v) for k, v in kv(os.path.join(res, name)).items()}

    kernel = ["Slab", "KernelStack", "PageTables", "Percpu"]
    pb, pa = mi("mem-permit-before.txt"), mi("mem-permit-after.txt")
    n_permit = levels[-1]
    permit_used = (pb["MemFree"] - pa["MemFree"]) / n_permit
    permit_kern = sum(pa[k] - pb[k] for k in kernel) / n_permit
    cb = mi("mem-corral-before.txt")
    rows, pss_at = [], {}
    for lv in levels:
        inits = []
        for line in read(os.path.join(res, f"init-smaps-{lv}.txt")).splitlines():
            f = line.split()
            inits.append({f[i].rstrip(":"): int(f[i + 1]) for i in range(0, len(f) - 2, 2)})
        if len(inits) != lv:
            fail(f"init-smaps-{lv}.txt: {len(inits)} inits, want {lv}")
        pss = sum(i["Pss"] for i in inits) / lv
        rss = sum(i["Rss"] for i in inits) / lv
        anon = sum(i.get("Pss_Anon", 0) for i in inits) / lv
        pss_at[lv] = pss
        cl = mi(f"mem-corral-{lv}.txt")
        used = (cb["MemFree"] - cl["MemFree"]) / lv
        kern = sum(cl[k] - cb[k] for k in kernel) / lv
        inits_cg = "-"
        for line in read(os.path.join(res, f"cg-{lv}.txt")).splitlines():
            _, key, value = line.split()
            if key in ("memory.usage_in_bytes", "memory.current"):
                inits_cg = f"{int(value) / 1024 / lv:.0f}"
        rows.append([lv, f"{pss:.0f}", f"{anon:.0f}", f"{rss:.0f}", inits_cg,
                     f"{used - permit_used:.0f}", f"{kern - permit_kern:.0f}"])
    head = ["live sessions", "init Pss KiB", "init Pss anon KiB", "init RSS KiB",
            "inits cgroup KiB / session", "corral's added memory KiB / session",
            "of which kernel KiB / session"]
    note = (f"Baseline for the added columns: {n_permit} sessions held through pam_permit "
            f"(holder + idle sleep) used {permit_used:.0f} KiB each, "
            f"{permit_kern:.0f} KiB of it kernel (Slab + KernelStack + PageTables + Percpu). "
            "The added columns are /proc/meminfo deltas (MemFree; kernel fields) per session "
            "with corral minus that baseline: on a shared machine they are noise at 1 "
            "session and meaningful at 100 and more.\n")
    return table(head, rows) + "\n" + note, pss_at


def density(res, levels):
    per = {lv: samples(os.path.join(res, f"login-{lv}.txt")) for lv in levels}
    names = [n for n, _ in PAM_STACKS] + [n for n, _ in CMD_STACKS]
    rows = []
    for name in names:
        r = [name]
        for lv in levels:
            x = per[lv][name]
            r.append(f"{ms(median(x))} / {ms(percentile(x, 99))}")
        r.append(f"{median(per[levels[-1]][name]) / median(per[levels[0]][name]):.2f}x")
        rows.append(r)
    head = ["stack"] + [f"{lv} live: median / p99 ms" for lv in levels] + \
        [f"median {levels[-1]} / {levels[0]}"]
    return table(head, rows), per


def ssh(res):
    s = samples(os.path.join(res, "ssh.txt"))
    d = paired(s["ssh-corral"], s["ssh"])
    rows = [["sshd, pam_unix", ms(median(s["ssh"])), ms(percentile(s["ssh"], 99)), "-", "-"],
            ["sshd, pam_unix + corral (limits)", ms(median(s["ssh-corral"])),
             ms(percentile(s["ssh-corral"], 99)), ms(median(d)), ms(percentile(d, 99))]]
    return table(["ssh USER@127.0.0.1 true", "median ms", "p99 ms", "added median ms",
                  "added p99 ms"], rows)


def burst(res):
    lines = [ln.split() for ln in read(os.path.join(res, "burst.txt")).splitlines()]
    lines = [ln for ln in lines if len(ln) == 3]
    n = len(lines)
    good = [float(b) - float(a) for rc, a, b in lines if rc == "0"]
    wall = max(float(b) for _, _, b in lines) - min(float(a) for _, a, _ in lines)
    if not good:
        return table(["logins", "succeeded"], [[n, 0]]), 0, n
    rows = [[n, len(good), f"{median(good):.2f}", f"{percentile(good, 99):.2f}",
             f"{wall:.2f}"]]
    return table(["concurrent logins", "succeeded", "p50 s", "p99 s", "wall s"], rows), \
        len(good), n


def teardown(res):
    t = kv(os.path.join(res, "teardown.txt"))
    labels = {
        "cgroups": "session and user cgroups under the run's cgroup root",
        "inits": "processes in corral's inits cgroups",
        "processes": "processes of the bench users",
        "mounts": "mounts added to the bench's mount namespace",
        "fds": "fds added to the bench's shell",
        "holder_fds": "PAM applications left with an fd after close",
        "state_files": "session state files in /run/corral",
        "veths": "veth host ends on the network = veth bridge",
    }
    rows = [[labels[k], t[k]] for k in labels]
    head = f"After closing {t['sessions']} sessions (in {t['close_seconds']} s, 8 at a time):\n\n"
    return head + table(["left behind", "count"], rows), all(t[k] == "0" for k in labels)


def plot(per, levels, png):
    series = [("corral-lim", "corral (limits)"), ("corral-nolim", "corral (no limits)"),
              ("permit", "pam\\_permit"), ("pam_namespace", "pam\\_namespace"),
              ("pam_cgfs", "pam\\_cgfs"), ("unshare", "unshare"), ("bwrap", "bwrap"),
              ("firejail", "firejail")]
    data = png + ".dat"
    with open(data, "w") as f:
        for lv in levels:
            f.write(f"{lv} " + " ".join(f"{median(per[lv][n]):.4f}" for n, _ in series) + "\n")
    plots = ", ".join(f"'{data}' using 1:{i + 2} with linespoints lw 2 title '{t}'"
                      for i, (_, t) in enumerate(series))
    script = f"""set terminal pngcairo size 900,560 font ',10'
set output '{png}'
set title 'Login latency (median) against live corral sessions'
set xlabel 'corral sessions live on the machine'
set ylabel 'ms per login (open + exec /bin/true + close)'
set logscale xy
set xrange [0.7:{levels[-1] * 1.5}]
set xtics ({", ".join(str(lv) for lv in levels)})
set key outside right
set grid
plot {plots}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(data)


def targets(s, pss_at, per, levels, burst_ok, burst_n, teardown_ok):
    a = added(s, "corral-lim")
    lv0, lvn = levels[0], levels[-1]
    dens = median(per[lvn]["corral-lim"]) / median(per[lv0]["corral-lim"])
    pss = max(pss_at.values())
    rows = [
        ["corral (limits) adds at most 1.0 ms median", f"{ms(a)} ms", a <= TARGET_ADDED_MS],
        ["below unshare's own cost", f"{a / added(s, 'unshare'):.2f}x unshare",
         a < added(s, "unshare")],
        ["under a third of bwrap's", f"{a / added(s, 'bwrap'):.2f}x bwrap",
         a < added(s, "bwrap") / 3],
        ["under a twentieth of firejail's", f"{a / added(s, 'firejail'):.3f}x firejail",
         a < added(s, "firejail") / 20],
        [f"session init Pss at most {TARGET_PSS_KIB} KiB", f"{pss:.0f} KiB",
         pss <= TARGET_PSS_KIB],
        [f"open latency at {lvn} live within {TARGET_DENSITY}x of {lv0}", f"{dens:.2f}x",
         dens <= TARGET_DENSITY],
        [f"{burst_n} concurrent sshd logins all succeed", f"{burst_ok}/{burst_n}",
         burst_ok == burst_n],
        ["nothing left after teardown", "0" if teardown_ok else "see below", teardown_ok],
    ]
    return table(["target", "measured", "met"],
                 [[t, m, "yes" if ok else "**no**"] for t, m, ok in rows])


def main():
    args = sys.argv[1:]
    png = None
    if "--plot" in args:
        i = args.index("--plot")
        png = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        fail("usage: report.py RESULTS OUT.md [--plot OUT.png]")
    res, out_md = args
    levels = levels_of(res)
    machine = read(os.path.join(res, "machine.txt")).strip().splitlines()
    s = samples(os.path.join(res, f"login-{levels[0]}.txt"))
    mem, pss_at = memory(res, levels)
    dens, per = density(res, levels)
    btab, bok, bn = burst(res)
    ttab, tok = teardown(res)
    if png:
        plot(per, levels, png)
    n1 = len(s["permit"])
    md = ["# corral benchmarks\n",
          "Written by `bench/run` (see [bench/README.md](../bench/README.md) for what each "
          "number is and how it is measured); not edited by hand.\n",
          "## Machine\n", "\n".join(f"- {line}" for line in machine) + "\n",
          "## Targets (issue 5)\n", targets(s, pss_at, per, levels, bok, bn, tok),
          f"## 1. Login overhead ({n1} interleaved rounds, {levels[0]} session live)\n",
          "One login = PAM open_session + fork + exec /bin/true as the user + wait + "
          "close_session, each in a fresh process as sshd does per connection (pam_start "
          "and pam_end untimed). Anchors run the same /bin/true as root, as whole commands "
          "(fork + exec + wait). *Added* is the per-round difference to pam_permit (PAM "
          "stacks) or to the bare fork + exec of /bin/true (anchors).\n",
          overhead(s), "\nWhere the time goes (medians of the same rounds):\n", split(s),
          "\nRatios of added time (median) to each anchor's added time:\n",
          ratios(s), netcost(s), fdm(res), "\n### 1b. Through a real sshd on loopback\n", ssh(res),
          "\n## 2. Memory per live session\n", mem,
          "\n## 3. Density: login latency with sessions live\n",
          "Live sessions are corral sessions (limits) of 10 other users, each held by a "
          "process of its own with an idle `sleep` inside; the measured logins are a "
          "separate user's, on every stack, interleaved.\n",
          dens]
    if png:
        md.append(f"\n![login latency against live sessions]({os.path.basename(png)})\n")
    md += ["\n## 4. Burst through sshd\n", btab, "\n## 5. Teardown\n", ttab]
    with open(out_md, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
