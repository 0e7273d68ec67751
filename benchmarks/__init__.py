"""Benchmarks: figures of the project's code side by side with stock django-tenants.

A package so that `benchmarks.bench_urls` can be a ROOT_URLCONF and the scripts can share
`benchmarks.common`. Run them with `make bench` (see README.md).
"""
