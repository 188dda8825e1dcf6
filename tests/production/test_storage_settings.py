import importlib

import pytest

R2 = {
    "R2_BUCKET": "panoconfig-tiles",
    "R2_ENDPOINT_URL": "https://account.r2.cloudflarestorage.com",
    "R2_ACCESS_KEY_ID": "id",
    "R2_SECRET_ACCESS_KEY": "secret",
    "R2_PUBLIC_URL": "https://tiles.example.com",
}


@pytest.fixture
def reloaded_settings(monkeypatch):
    import panoconfig.settings as module

    def reload(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(module)

    yield reload
    monkeypatch.undo()
    importlib.reload(module)


def test_with_r2_uploads_go_to_the_bucket_beside_the_tiles(reloaded_settings):
    settings = reloaded_settings(**R2)
    default, tiles = settings.STORAGES["default"], settings.STORAGES["tiles"]
    assert default["BACKEND"] == tiles["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["location"] == "media"
    assert default["OPTIONS"]["file_overwrite"] is False
    assert default["OPTIONS"]["bucket_name"] == tiles["OPTIONS"]["bucket_name"] == "panoconfig-tiles"
    assert "location" not in tiles["OPTIONS"]


def test_with_r2_the_csp_lets_pages_load_tiles_from_the_cdn(reloaded_settings):
    settings = reloaded_settings(**R2)
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert "https://tiles.example.com" in directives["img-src"]
    assert "https://tiles.example.com" in directives["connect-src"]
    assert "https://tiles.example.com" not in directives["script-src"]


def test_without_r2_uploads_stay_on_local_disk(reloaded_settings, monkeypatch):
    monkeypatch.delenv("R2_BUCKET", raising=False)
    settings = reloaded_settings()
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
