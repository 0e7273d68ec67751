"""Each role's work queue: what a person has to do today, counted from the data.

Reads only (selectors.py). The coordination, the préfet and a commission member read the
département they are in; an association worker reads every département where it works
(`worker_worklist`), each through its own schema and PostgreSQL role.
"""
