from django.dispatch import Signal

# Sent (sender=Scene, scene=<Scene>) after the transaction commits, whenever the
# base, a mask or an option image of a scene changed, or a layer or option went.
# The render service connects a receiver that queues the scene's preparation.
scene_images_changed = Signal()
