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
