from django.core.management import call_command


def test_the_documented_superuser_command_works(monkeypatch, db):
    """DEPLOYMENT.md's first administrator, created without a prompt."""
    from django.contrib.auth.models import User

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long random passphrase")
    call_command("createsuperuser", "--no-input", username="admin", email="ops@example.com")
    user = User.objects.get(username="admin")
    assert user.is_superuser and user.check_password("a long random passphrase")
