import pytest
from django.core.exceptions import ImproperlyConfigured

from panoconfig.env import env_bool, env_int, env_list, env_secret


def test_env_bool_reads_true_and_false_words(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False


def test_env_bool_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_env_bool_refuses_a_malformed_value(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG")


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be an integer"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("COUNT", 1, minimum=0)
    monkeypatch.setenv("COUNT", "42")
    assert env_int("COUNT", 1) == 42


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , ,b.example,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_env_secret_is_required_and_never_blank(monkeypatch):
    monkeypatch.setenv("TOKEN", "   ")
    with pytest.raises(ImproperlyConfigured, match="TOKEN must be set"):
        env_secret("TOKEN", required=True)
    assert env_secret("TOKEN", required=False, fallback="dev") == "dev"
