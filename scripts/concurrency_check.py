"""Start the real app on a copy of the seeds, ask the same questions from 1 and from 50 API clients at
once, and print errors, whether the answers are the same, and the throughput ratio (issue 14).

    .venv/bin/python scripts/concurrency_check.py [--clients 50] [--rounds 2]

A measurement, not a test: it prints numbers (no wall-clock threshold anywhere).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["Who signed the agreement with Tsinghua University?", "Where was the agreement signed?",
             "When was the conference held?", "What is Chen Cunfa's position?",
             "Who presided over the ceremony?", "What will the Shanghai-Tsinghua centre do?",
             "Who was the president of France in 1850?", "Which universities released achievements?"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=2, help="times each client asks the question list")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-conc-"))
    shutil.copytree(ROOT / "seeds", work / "docs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--docs", str(work / "docs"),
                             "--index", str(work / "index")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        from gradio_client import Client

        url = f"http://127.0.0.1:{port}/"
        t0 = time.time()
        client = None
        while time.time() - t0 < 300:
            try:
                client = Client(url, verbose=False)
                break
            except Exception:
                time.sleep(1)
        if client is None:
            print("the app did not start")
            return 1

        def ask(q: str) -> dict:
            return client.predict(q, [], api_name="/ask")

        for q in QUESTIONS:  # warm-up
            ask(q)
        t = time.perf_counter()
        single = {q: ask(q) for q in QUESTIONS * args.rounds}
        one_s = time.perf_counter() - t
        one_rate = len(QUESTIONS) * args.rounds / one_s

        clients = [Client(url, verbose=False) for _ in range(args.clients)]
        jobs = [(c, q) for c in clients for q in QUESTIONS * args.rounds]
        errors, same = 0, 0

        def run(job):
            c, q = job
            try:
                return q, c.predict(q, [], api_name="/ask")
            except Exception as exc:  # counted, not raised
                return q, {"error": repr(exc)}

        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(run, jobs))
        many_s = time.perf_counter() - t
        for q, got in results:
            if "error" in got and "answer" not in got:
                errors += 1
            elif json.dumps(got, sort_keys=True) == json.dumps(single[q], sort_keys=True):
                same += 1
        many_rate = len(jobs) / many_s
        print(json.dumps({"clients": args.clients, "questions": len(jobs), "errors": errors,
                          "identical_to_single_client": same, "single_client_per_s": round(one_rate, 2),
                          "concurrent_per_s": round(many_rate, 2), "throughput_ratio": round(many_rate / one_rate, 2)},
                         indent=1))
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
