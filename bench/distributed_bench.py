#!/usr/bin/env python3
"""Learners and actors as processes on this machine (a benchmark, not a test).

Prints: positions/s ingested by one learner with 1, 2 and 3 actors (one worker each: on 2 cores
this shows overhead, not speed-up), the policy lag (learner steps from the net that played a
position to the step that trained on it; median over train lines of each line's p50 and p95) and
the actors' delay from a net's publication to its pick-up; learner steps/s with 1 and 2 ranks on
the same data, with the all-reduce's time and bytes per step; the time for rank 0 to notice a
killed rank, and to resume. The network is experiments/train/go9.json's.

Usage: bench/distributed_bench.py [--seconds 60] [--steps 40] [--out /tmp/tenuki_dist_bench]
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENUKI = os.environ.get("TENUKI", os.path.join(ROOT, "build", "tenuki"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_config(path, train_ratio):
    with open(os.path.join(ROOT, "experiments/train/go9.json")) as f:
        c = json.load(f)
    c["selfplay"].update({"chunk_games": 8, "sgf": False, "games_per_worker": 16})
    c["replay"]["min_positions"] = 1000
    c["training"].update({"train_ratio": train_ratio, "checkpoint_every": 10, "metrics_every": 5,
                          "progress_seconds": 0})
    c.pop("evaluation", None)
    c.pop("budget", None)
    with open(path, "w") as f:
        json.dump(c, f)
    return path


def learners(config, run, n, port, flags, log):
    procs = []
    for r in range(n):
        env = dict(os.environ, RANK=str(r), WORLD_SIZE=str(n), LOCAL_RANK=str(r),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen([TENUKI, "train", config, "--out", run, "--role", "learner"]
                                      + flags, env=env, stdout=open(f"{log}.{r}", "w"),
                                      stderr=subprocess.STDOUT))
    return procs


def actors(run, k, log):
    return [subprocess.Popen([TENUKI, "selfplay", "--run", run, "--id", f"bench{a}",
                              "--progress-seconds", "0"], stdout=open(f"{log}.actor{a}", "w"),
                             stderr=subprocess.STDOUT) for a in range(k)]


def stop(procs):
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        p.wait(timeout=120)


def lines(run, kind):
    out = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("type") == kind:
                out.append(j)
    return out


def state(run):
    with open(os.path.join(run, "state.json")) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--out", default="/tmp/tenuki_dist_bench")
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    print(f"machine: {os.cpu_count()} cores; net: experiments/train/go9.json (9x9)")

    # 1. Ingest with 1, 2, 3 actors and one learner (time-limited), with the policy lag of what
    # the learner trained on and the actors' pick-up delay of each published net.
    print("\nactors  positions ingested/s  games/s  policy lag p50/p95 (steps)  pick-up mean/most (s)"
          "  (one learner rank, 1 worker per actor)")
    for k in (1, 2, 3):
        run = os.path.join(a.out, f"ingest{k}")
        config = bench_config(os.path.join(a.out, f"ingest{k}.json"), 6)
        ls = learners(config, run, 1, free_port(), ["--budget-minutes", str(a.seconds / 60)],
                      os.path.join(a.out, f"ingest{k}.log"))
        acts = actors(run, k, os.path.join(a.out, f"ingest{k}"))
        ls[0].wait()
        stop(acts)
        s = state(run)
        wall = s["wall_seconds"]
        train = [j for j in lines(run, "train") if "policy_lag_p50" in j]
        p50 = statistics.median(j["policy_lag_p50"] for j in train) if train else float("nan")
        p95 = statistics.median(j["policy_lag_p95"] for j in train) if train else float("nan")
        pickups = []
        for n in range(k):
            with open(os.path.join(a.out, f"ingest{k}.actor{n}")) as f:
                m = re.search(r"pick-up after publication: mean ([0-9.]+) s, most ([0-9.]+) s",
                              f.read())
            if m:
                pickups.append((float(m.group(1)), float(m.group(2))))
        mean = statistics.mean(p[0] for p in pickups) if pickups else float("nan")
        most = max(p[1] for p in pickups) if pickups else float("nan")
        print(f"{k:6d}  {s['positions'] / wall:21.1f}  {s['games'] / wall:7.2f}  "
              f"{p50:12.0f} / {p95:<12.0f}  {mean:10.2f} / {most:<8.2f}")

    # 2. Learner speed on the same data: 1 rank, then 2 ranks (train_ratio high: no waiting).
    run = os.path.join(a.out, "learn")
    config = bench_config(os.path.join(a.out, "learn.json"), 1000)
    # The run's config and first net from a learner stopped at once, then games with no learner
    # running (learners.json says nothing was ingested, so the actors do not pause).
    ls = learners(config, run, 1, free_port(), [], os.path.join(a.out, "fill"))
    while not os.path.exists(os.path.join(run, "state.json")):
        time.sleep(0.1)
    stop(ls)
    acts = actors(run, 2, os.path.join(a.out, "fill"))
    time.sleep(a.seconds)
    stop(acts)
    print("\nranks  steps/s  all-reduce ms/step  all-reduce bytes  (batch 128 split over ranks)")
    step = state(run)["step"]
    for n in (1, 2):
        step += a.steps
        t = time.time()
        ls = learners(config, run, n, free_port(), ["--budget-steps", str(step)],
                      os.path.join(a.out, f"learn{n}"))
        for p in ls:
            p.wait()
        summary = lines(run, "summary")[-1]
        train = [j for j in lines(run, "train") if j.get("learners") == n]
        ms = train[-1].get("allreduce_ms", 0) if train else 0
        nbytes = train[-1].get("allreduce_bytes", 0) if train else 0
        # Steps per second of training, from the train lines' wall clock (start-up excluded).
        rate = ((train[-1]["step"] - train[0]["step"]) / (train[-1]["wall_s"] - train[0]["wall_s"])
                if len(train) > 1 and train[-1]["wall_s"] > train[0]["wall_s"] else float("nan"))
        print(f"{n:5d}  {rate:7.2f}  {ms:18.2f}  {nbytes:16d}   (process wall {time.time() - t:.1f} s)")

    # 3. A killed rank, and the resume.
    port = free_port()
    ls = learners(config, run, 2, port, ["--budget-steps", str(step + 100000), "--group-timeout",
                                         "10"], os.path.join(a.out, "kill"))
    time.sleep(15)
    ls[1].kill()
    t = time.time()
    rc = ls[0].wait(timeout=120)
    detect = time.time() - t
    ls[1].wait()
    t = time.time()
    step = state(run)["step"] + 5
    ls = learners(config, run, 2, free_port(), ["--budget-steps", str(step)],
                  os.path.join(a.out, "resume"))
    for p in ls:
        p.wait()
    print(f"\nkilled rank 1: rank 0 exited (status {rc}) after {detect:.1f} s "
          f"(group timeout 10 s); relaunched job: 5 more steps in {time.time() - t:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
