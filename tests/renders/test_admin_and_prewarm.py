"""Back office: render jobs per tenant, scene actions, cache figures; the prewarm command."""

import pytest
from django.core.management import CommandError, call_command

from renders.combinations import combination_from_selection
from renders.models import JobStatus, RenderJob
from renders.services import render_request
from tests.renders.conftest import run_queued_jobs

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/renders/renderjob/"
SCENES = "/admin/catalog/scene/"


def _job(scene, selection=None):
    render_request(combination=combination_from_selection(scene=scene, selection=selection or {}))
    return RenderJob.objects.filter(scene=scene).order_by("-pk").first()


def test_staff_see_only_their_tenants_render_jobs(client, owner, scene, other_scene):
    mine, theirs = _job(scene), _job(other_scene)
    client.force_login(owner)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert mine.build in page.content.decode() and theirs.build not in page.content.decode()
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404


def test_outsiders_see_no_render_jobs(client, outsider, scene):
    _job(scene)
    client.force_login(outsider)
    assert client.get(CHANGELIST).status_code == 403


def test_the_job_list_shows_badges_progress_timings_and_errors(client, superuser, scene):
    job = _job(scene)
    run_queued_jobs()
    RenderJob.objects.filter(pk=job.pk).update(error="disk full")
    client.force_login(superuser)
    text = client.get(CHANGELIST).content.decode()
    assert "Ready</span>" in text and 'width:100%' in text
    detail = client.get(f"{CHANGELIST}{job.pk}/change/").content.decode()
    assert "total_s" in detail and "disk full" in detail
    figures = client.get(f"{CHANGELIST}?scene__id__exact={scene.pk}").content.decode()
    assert "1 combinations rendered, 6 tiles stored" in figures
    scenes = client.get(SCENES).content.decode()
    assert f"?scene__id__exact={scene.pk}" in scenes and "1 ready · 6 tiles" in scenes


def test_prerender_shows_the_count_first_then_queues_every_combination(client, owner, scene):
    client.force_login(owner)
    action = {"action": "prerender_all_combinations", "_selected_action": [scene.pk]}
    confirm = client.post(SCENES, action)
    assert confirm.status_code == 200
    assert "<td>4</td>" in confirm.content.decode()  # 2 layers × 2 options
    assert RenderJob.objects.count() == 0
    done = client.post(SCENES, {**action, "confirm": "yes"}, follow=True)
    assert "4 combination(s) queued" in done.content.decode()
    assert RenderJob.objects.filter(status=JobStatus.QUEUED, requested_by="admin").count() == 4


def test_prerender_is_capped_by_the_setting(client, owner, scene, settings):
    settings.PANOCONFIG_PREWARM_CAP = 3
    client.force_login(owner)
    client.post(SCENES, {"action": "prerender_all_combinations", "_selected_action": [scene.pk], "confirm": "yes"})
    assert RenderJob.objects.count() == 3


def test_staff_cannot_act_on_another_tenants_scene(client, owner, scene, other_scene):
    client.force_login(owner)
    client.post(SCENES, {"action": "prerender_all_combinations", "_selected_action": [other_scene.pk],
                         "confirm": "yes"})
    assert RenderJob.objects.count() == 0


def test_rerender_queues_preparation_and_the_most_requested_combinations(client, owner, scene):
    job = _job(scene)
    run_queued_jobs()
    client.force_login(owner)
    client.post(SCENES, {"action": "rerender_scenes", "_selected_action": [scene.pk]})
    job.refresh_from_db()
    scene.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.requested_by == "admin"
    assert scene.preparation_status == "pending"
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.tiles_rendered == 0  # the tiles were there already


def test_the_prewarm_command_queues_combinations(owner_tenant, scene, capsys):
    call_command("prewarm", "acme", "kitchen", "--limit", "2")
    assert RenderJob.objects.count() == 2
    call_command("prewarm", "acme", "kitchen")
    assert RenderJob.objects.count() == 4
    assert "4 combinations; 2 queued, 2 already known" in capsys.readouterr().out
    first = RenderJob.objects.order_by("pk").first()
    assert first.selection == {"layer-0": "0", "layer-1": "0"}  # the default combination comes first


def test_the_prewarm_command_checks_its_arguments(owner_tenant, scene, other_scene):
    with pytest.raises(CommandError):
        call_command("prewarm", "acme", "bath")  # another tenant's scene
    with pytest.raises(CommandError):
        call_command("prewarm", "ghost", "kitchen")
    with pytest.raises(CommandError):
        call_command("prewarm", "acme", "kitchen", "--limit", "0")
