"""The benchmark harness's pure parts: reading wrk, judging a row, writing the table between the markers."""

from bench.harness import MARK_END, MARK_START, Row, Scenario, parse_wrk, render_table, write_between_markers
from bench.run import discover

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:41234/articles/xi/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.20ms  48.00ms   80.00%
    Req/Sec   661.12     40.10   750.00     70.00%
  Latency Distribution
     50%   11.50ms
     75%   13.20ms
     90%   16.00ms
     99%    1.02s
  10580 requests in 8.00s, 250.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   1322.50
Transfer/sec:     31.26MB
"""


def test_wrk_output_gives_rate_latency_percentiles_and_errors():
    result = parse_wrk(WRK_OUTPUT)

    assert result.rps == 1322.5
    assert result.p50_ms == 11.5
    assert result.p99_ms == 1020.0
    assert result.requests == 10580
    assert result.non_2xx == 7
    assert result.errors == 3


def test_microsecond_latencies_are_converted():
    result = parse_wrk(WRK_OUTPUT.replace("11.50ms", "850.00us"))

    assert result.p50_ms == 0.85


def test_a_row_passes_at_its_target_and_fails_below_it():
    assert Row("page", rps=50, ceiling_rps=100, ratio=0.5, target=0.5).result == "pass"
    assert Row("page", rps=49, ceiling_rps=100, ratio=0.49, target=0.5).result == "FAIL"
    assert Row("floor", rps=80, ceiling_rps=100, ratio=0.8, target=None).result == "reported"
    assert Row("page", note="error: no seed article").result == "error"


def test_the_table_replaces_only_what_is_between_the_markers(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        f"# Benchmarks\n\nProse before.\n\n{MARK_START}\nold table\n{MARK_END}\n\n## Popular\n\nProse after.\n"
    )
    rows = [
        Row("article page", rps=700, ceiling="django", ceiling_rps=1000, ratio=0.7, target=0.5, rounds=[(700, 1000)])
    ]

    write_between_markers(
        doc, render_table(rows, [("spam_throughput.py", "420 comments/s", "pass")], command="make bench", settings="s")
    )

    text = doc.read_text()
    assert "old table" not in text
    assert text.startswith("# Benchmarks\n\nProse before.\n")
    assert text.endswith("## Popular\n\nProse after.\n")
    block = text.split(MARK_START)[1].split(MARK_END)[0]
    assert "| article page | 700 | hello-world Django | 1,000 | 70% | >= 50% |" in block
    assert "| spam_throughput.py | 420 comments/s | pass |" in block
    assert "cores (nproc)" in block and "Command: `make bench`" in block


def test_markers_are_added_when_the_document_has_none(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n")

    write_between_markers(doc, "the table")

    assert doc.read_text() == f"# Benchmarks\n\n{MARK_START}\nthe table\n{MARK_END}\n"


def test_scenarios_are_found_with_the_article_page_against_hello_world_django_at_half():
    scenarios = discover()

    assert all(isinstance(s, Scenario) for s in scenarios)
    article = scenarios[0]
    assert article.name.startswith("article page")
    assert (article.ceiling, article.target) == ("django", 0.5)
    assert len({s.name for s in scenarios}) == len(scenarios)
