"""Face detection and face landmarks (MediaPipe BlazeFace and Face Mesh weights, run with TFLite).

Pure logic (anchors, letterboxing, decoding, non-max suppression, crops, mouth opening) lives in
``blazeface`` and ``landmarks``; ``frames`` checks input images; ``runtime`` finds the packaged
weights and runs a ``.tflite`` interpreter. Nothing here knows about Triton or Kafka.
"""
