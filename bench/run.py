#!/usr/bin/env python3
"""`make bench`: every benchmark of the project, as ratios against hello-world ceilings measured in the same run.

1. A fresh database (SQLite in $BENCH_TMP, or --database-url for PostgreSQL) gets migrate, load_seed,
   seed_demo and a moderator.
2. The project runs under gunicorn -w 2 in production settings (DJANGO_DEBUG=0); bench/ceiling.py (a
   hello-world Django view and a DRF JSON view) runs under the same gunicorn the same way.
3. Each scenario (bench/scenarios.py and every bench/scenarios_*.py) is warmed, then measured with wrk
   (16 connections) alternately with its ceiling: A B A B. Reported: req/s, the ratio, p50/p99 latency.
4. The standalone benchmarks (STANDALONE below; each prints its figure as its last line, exit 0 = on target)
   run one after another.
5. One table goes into docs/benchmarks.md between <!-- bench:start --> and <!-- bench:end -->.

Run by hand (it takes a few minutes); needs wrk (installed with apt-get when missing).
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    ROOT,
    WORK,
    Context,
    Row,
    Scenario,
    ceiling_server,
    ensure_wrk,
    exit_cleanly_on_sigterm,
    fresh_database,
    measure,
    prepare_database,
    production_env,
    project_server,
    render_table,
    say,
    venv_bin,
    write_between_markers,
)

# Benchmarks that measure something other than an HTTP endpoint (a ranking pass, a queue query, the scorer).
# Each writes its own section of docs/benchmarks.md (between its markers) too, unless --no-write.
STANDALONE = {
    "popular_ranking.py": [],
    "view_counting.py": [],
    "moderation_queue.py": ["--write-docs"],
    "spam_throughput.py": [],
}
NO_WRITE = {"view_counting.py": ["--no-write"], "spam_throughput.py": ["--no-write"]}
DOC = ROOT / "docs" / "benchmarks.md"


def discover() -> list[Scenario]:
    """bench/scenarios.py first, then bench/scenarios_*.py in name order."""
    names = ["bench.scenarios"] + [f"bench.{p.stem}" for p in sorted((ROOT / "bench").glob("scenarios_*.py"))]
    found: list[Scenario] = []
    for name in names:
        found.extend(importlib.import_module(name).SCENARIOS)
    return found


def run_standalone(script: Path, args: list[str], timeout: int) -> tuple[str, str, str]:
    say(f"standalone: {script.name} ...")
    try:
        argv = [venv_bin("python"), str(script), *args]
        r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return script.name, f"no figure within {timeout} s", "error"
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    figure = lines[-1].strip() if lines else (r.stderr.strip().splitlines() or ["no output"])[-1]
    say(f"  {figure}")
    return script.name, figure, "pass" if r.returncode == 0 else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="seconds per measured wrk round (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds per scenario (default 2)")
    parser.add_argument("--conns", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers on both sides (default 2)")
    parser.add_argument("--only", action="append", default=[], help="run scenarios whose name contains this")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database for every scenario (dropped and created afresh); default SQLite"
    )
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/np_bench",
        help="the PostgreSQL database (dropped and created afresh) of the scenarios marked postgres, e.g. the POST",
    )
    parser.add_argument("--articles", type=int, default=200, help="seed_demo articles (default 200)")
    parser.add_argument("--comments", type=int, default=2000, help="seed_demo comments (default 2000)")
    parser.add_argument("--no-standalone", action="store_true", help="skip the standalone benchmarks")
    parser.add_argument("--standalone-timeout", type=int, default=900)
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()
    ensure_wrk()

    scenarios = [s for s in discover() if not args.only or any(o.lower() in s.name.lower() for o in args.only)]
    WORK.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        database_url, db_label = args.database_url, "PostgreSQL"
    else:
        dbfile = WORK / "bench.sqlite3"
        dbfile.unlink(missing_ok=True)
        database_url, db_label = f"sqlite:///{dbfile}", "SQLite"
    envs: dict[str, dict] = {}

    def env_for(postgres: bool) -> dict:
        """The prepared database's environment: the run's own, or PostgreSQL for a scenario marked so."""
        url = (args.database_url or args.postgres_url) if postgres else database_url
        if url not in envs:
            label = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
            if label == "PostgreSQL":
                fresh_database(url)
            say(f"preparing the {label} database (migrate, load_seed, seed_demo {args.articles}/{args.comments}) ...")
            envs[url] = production_env(url)
            for note in prepare_database(envs[url], articles=args.articles, comments=args.comments):
                say(f"  note: {note}")
        return envs[url]

    rows: list[Row] = []
    servers = {}
    ceiling = ceiling_server(args.workers)
    try:
        for scenario in scenarios:
            env = env_for(scenario.postgres)
            key = (env["DATABASE_URL"], *sorted(scenario.server_env.items()))
            if key not in servers:
                servers[key] = project_server({**env, **scenario.server_env}, f"project-{len(servers)}", args.workers)
            ctx = Context(servers[key].base, {**env, **scenario.server_env})
            say(f"{scenario.name} ...")
            try:
                row = measure(scenario, ctx, ceiling.base, seconds=args.seconds, rounds=args.rounds, conns=args.conns)
            except Exception as exc:  # noqa: BLE001 - one scenario's missing piece must not end the run
                row = Row(scenario.name, ceiling=scenario.ceiling, target=scenario.target, note=f"error: {exc}")
            rows.append(row)
            ratio = f"{100 * row.ratio:.0f}% of the ceiling" if row.ratio is not None else ""
            latency = f"p50 {row.p50_ms or 0:.1f} ms, p99 {row.p99_ms or 0:.1f} ms" if row.rps else ""
            say(f"  {row.result}: {row.rps or 0:.0f} req/s {ratio} {latency} {row.note}".rstrip())
    finally:
        for server in servers.values():
            server.stop()
        ceiling.stop()

    standalone = []
    if not args.no_standalone:
        for name, script_args in STANDALONE.items():
            script = ROOT / "bench" / name
            if args.no_write:
                script_args = NO_WRITE.get(name, [a for a in script_args if a != "--write-docs"])
            if script.exists():
                standalone.append(run_standalone(script, script_args, args.standalone_timeout))

    command = "make bench" + (
        f" (python bench/run.py {shlex.join(argv or sys.argv[1:])})" if (argv or sys.argv[1:]) else ""
    )
    settings = (
        f"Both sides: gunicorn -w {args.workers} on 127.0.0.1, DJANGO_DEBUG=0, {db_label} (rows marked PostgreSQL: "
        f"PostgreSQL) with load_seed + seed_demo "
        f"{args.articles}/{args.comments}; wrk -t2 -c{args.conns}, {args.rounds} alternating rounds of "
        f"{args.seconds} s after a 2 s warm-up. Ratio = project req/s / ceiling req/s."
    )
    table = render_table(rows, standalone, command=command, settings=settings)
    print()
    print(table)
    if not args.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        write_between_markers(DOC, table)
        say(f"\nwritten to {DOC.relative_to(ROOT)}")
    failed = [r.name for r in rows if r.result in ("FAIL", "error")] + [n for n, _, res in standalone if res != "pass"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
