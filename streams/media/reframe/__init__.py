"""Reframing a wide video onto a tall (or square) canvas that stays on the speaker.

observations  what was seen on sampled frames: faces (boxes, keypoints, mouth opening), scene cuts
tracking      faces linked across frames into tracks
speaker       which track is talking (mouth opening against the speech energy)
camera        a smooth virtual camera: dead zone, bounded speed and acceleration, cuts at scene cuts
layout        single crop, split screen or blurred fit; the ``ReframePlan`` the renderer draws
scenes        scene cut detection (PySceneDetect) on the source
sampling      frames decoded with PyAV and sent to the Triton face models
"""
