"""Served models, read one way: weights that come from the registry in pieces (``weights``) and a
model's settings from its Triton ``config.pbtxt`` (``parameters``). The models themselves live
with their concern (``streams.asr.weights``, ``streams.judge.weights``, ``streams.vision.face_models``)."""
