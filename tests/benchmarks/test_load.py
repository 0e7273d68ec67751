"""The load benchmark's journeys and options, checked without starting any server."""

from __future__ import annotations

import pytest

from benchmarks import load, run_all


def test_the_journeys_cover_every_role_and_page_of_the_issue() -> None:
    names = {journey.name for journey in load.JOURNEYS}
    assert names == {
        "coordination queue",
        "coordination file page",
        "association file list",
        "association file creation",
        "commission session page",
        "national dashboard",
        "figures API",
    }
    assert {journey.persona for journey in load.JOURNEYS} == {
        "coordinator",
        "association",
        "national",
    }
    for journey in load.JOURNEYS:
        assert journey.weight > 0
        assert journey.method in {"GET", "POST"}
        # Every placeholder is one the load generator fills.
        journey.path.format(dossier=1, session=2, release=3)


def test_the_defaults_measure_both_servers_at_the_target_concurrencies() -> None:
    args = load.parse_args([])
    assert args.clients == (8, 32)
    assert args.servers == ("gunicorn", "runserver")
    assert args.departements >= 3


def test_the_database_is_the_benchmark_s_own_unless_named() -> None:
    assert load.parse_args([]).database == load.DATABASE
    assert load.parse_args(["--database", "parcours_bench_load_b"]).database == (
        "parcours_bench_load_b"
    )


def test_the_smoke_run_is_two_clients() -> None:
    args = load.parse_args(["--smoke"])
    assert args.clients == (2,)
    assert args.duration * len(args.servers) == 20


@pytest.mark.parametrize(
    "argv",
    [["--clients", "0"], ["--clients", "x"], ["--servers", "uwsgi"], ["--departements", "2"]],
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        load.parse_args(argv)


def test_the_load_benchmark_is_only_an_option_of_run_all(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(run_all, "caller_url", lambda: "postgres://x@127.0.0.1/parcours")
    monkeypatch.setattr(run_all, "header", lambda: "header")
    monkeypatch.setattr(run_all, "drop_database", lambda *, name: None)

    def run_benchmark(module: str, args: list[str], sink: list[str]) -> int:
        ran.append(module)
        return 0

    monkeypatch.setattr(run_all, "run_benchmark", run_benchmark)
    output = "/dev/null"
    run_all.main(["--quick", "--output", output])
    assert "load" not in ran
    ran.clear()
    run_all.main(["--quick", "--load", "--output", output])
    assert ran[-1] == "load"


def test_the_cpu_is_counted_by_part_and_grows() -> None:
    import os

    group = os.getpgid(0)
    before = load.cpu_seconds(server_group=group)
    assert set(before) == {"web", "PostgreSQL", "Redis", "load generator", "machine", "steal"}
    sum(range(3_000_000))  # some work in this process, which is in its own group
    after = load.cpu_seconds(server_group=group)
    assert after["web"] > before["web"]
    assert after["machine"] >= before["machine"]
    assert all(value >= 0 for value in after.values())


def test_the_cpu_line_gives_milliseconds_per_request_and_the_rest_of_the_machine() -> None:
    cpu = {
        "web": 2.0,
        "PostgreSQL": 0.5,
        "Redis": 0.0,
        "load generator": 0.1,
        "machine": 3.0,
        "steal": 0.2,
    }
    line = load.cpu_line(cpu, requests=100, elapsed=2.0)
    assert line.startswith("CPU ms per request: web 20.0, PostgreSQL 5.0, Redis 0.0")
    assert "the rest of the machine 4.0; machine 30.0 in all (1.50 of" in line
    assert "0.10 stolen by the host" in line
    assert load.cpu_line(cpu, requests=0, elapsed=2.0) == "CPU ms per request: no request"


def test_the_cost_only_option_skips_the_servers() -> None:
    assert load.parse_args(["--cost-only"]).cost_only
    assert not load.parse_args([]).cost_only


def test_python_speed_is_a_figure_in_milliseconds() -> None:
    from benchmarks.common import python_speed

    assert python_speed().split(" ms ")[0].isdigit()
