"""No state name outside the workflow definition: the code asks the definition instead.

A state's name written in code (`"authorised"`, `'in_commission'`…) is a second copy of the
procedure that a new template version or a département's variant silently contradicts: the
callers ask the `Workflow` (its final states, a state's clock, the states where the association
edits the file, the commission's session steps, who may fire what). This test reads every
first-party module and template (migrations, tests and the JSON definitions aside) and lists
each string literal that is exactly a state name of a shipped definition.

Some words are also values of another vocabulary (a decision is `refused`, an approval
`complete`, an API error `refused`): `OTHER_VOCABULARIES` lists where, and why. `PENDING` lists
the files of the commission and the demo seeders, which name states until they ask the
definition too; it empties as they do.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

from parcours.workflows.services import DEFINITIONS

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("platform", "tenants", "api", "frontend", "infra", "routes")
STATES = frozenset(
    code for path in DEFINITIONS.glob("*.json") for code in json.loads(path.read_text())["states"]
)

# Another vocabulary that shares a word with a state: (file, literal) → why it is not a state.
OTHER_VOCABULARIES: dict[tuple[str, str], str] = {
    ("tenants/casework/models.py", "refused"): "Decision, PathwayStatus and RightStatus values",
    ("tenants/casework/models.py", "authorised"): "the Decision value",
    ("tenants/casework/models.py", "withdrawn"): "a PathwayStatus value",
    ("tenants/agrements/models.py", "incomplete"): "an approval's status",
    ("tenants/agrements/models.py", "complete"): "an approval's status",
    (
        "tenants/agrements/commands.py",
        "complete",
    ): "the approval action that marks a request complete",
    ("tenants/agrements/models.py", "refused"): "an approval's status",
    ("tenants/agrements/models.py", "withdrawn"): "an approval's status",
    ("frontend/templates/associations/agrements.html", "incomplete"): "an approval's status",
    ("frontend/templates/associations/agrements.html", "complete"): "an approval's status",
    ("frontend/templates/associations/agrements.html", "refused"): "an approval's status",
    ("frontend/templates/associations/agrements.html", "withdrawn"): "an approval's status",
    ("frontend/views/associations.py", "complete"): "an approval action and status",
    ("api/views/associations.py", "complete"): "an approval action and status",
    ("api/errors.py", "refused"): "the API's error code for a domain refusal",
    ("api/serializers_casework.py", "refused"): "a RightStatus value",
    ("tenants/pilotage/selectors.py", "authorised"): "a Decision value",
    ("tenants/pilotage/selectors.py", "refused"): "a Decision value",
}

# Code that still names states, outside the workflow's own modules; each entry says what the
# definition answers instead. To be emptied as the commission and the seeders ask it.
PENDING: dict[tuple[str, str], str] = {}

TEMPLATE_LITERAL = re.compile(r"""(["'])([a-z_]+)\1""")


def _python_literals(text: str) -> list[tuple[int, str]]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.STRING:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue  # an f-string: its parts are not a name written out
        if isinstance(value, str):
            found.append((token.start[0], value))
    return found


def _template_literals(text: str) -> list[tuple[int, str]]:
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(2))
        for match in TEMPLATE_LITERAL.finditer(text)
    ]


def state_names_written_out() -> list[tuple[str, int, str]]:
    hits = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or path.suffix not in {".py", ".html"}:
                continue
            text = path.read_text()
            literals = _python_literals(text) if path.suffix == ".py" else _template_literals(text)
            hits += [(relative, line, value) for line, value in literals if value in STATES]
    return hits


def test_the_scan_sees_the_state_names_where_they_are_written() -> None:
    # Proof the scan reaches what it claims to check: the allowed other vocabularies are found.
    hits = {(path, value) for path, _, value in state_names_written_out()}

    assert {"draft", "authorised", "refused", "withdrawn"} <= STATES
    assert ("tenants/casework/models.py", "authorised") in hits
    assert ("api/errors.py", "refused") in hits


def test_no_state_name_is_written_outside_the_definition() -> None:
    allowed = OTHER_VOCABULARIES.keys() | PENDING.keys()
    written = [
        f"{path}:{line}: {value!r}"
        for path, line, value in state_names_written_out()
        if (path, value) not in allowed
    ]

    assert written == [], "ask the workflow definition instead:\n" + "\n".join(written)


def test_the_allow_lists_name_only_what_is_still_there() -> None:
    # An entry whose literal is gone is dropped, so the lists only ever shrink.
    hits = {(path, value) for path, _, value in state_names_written_out()}

    assert sorted((OTHER_VOCABULARIES.keys() | PENDING.keys()) - hits) == []
