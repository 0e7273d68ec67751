"""frontend/views/national.py: the provisioning button's refusal names the code cut short."""

from __future__ import annotations


def test_a_long_unknown_code_in_the_address_is_not_echoed_whole(
    login, django_capture_on_commit_callbacks
) -> None:
    client = login("national_operator", None)
    code = "Z" * 5_000
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/departements/{code}/provisionner/", follow=True)

    assert callbacks == []
    html = response.content.decode()
    assert "Code(s) de département inconnu(s) : ZZZZZ…" in html
    assert "Z" * 6 not in html
