"""Who speaks when: voice activity, a speaker-embedding model (GE2E) and clustering that labels
every stretch of speech with a speaker, chunk by chunk, with labels that stay put across a video.

- ``checkpoint``: reads a PyTorch checkpoint's tensors into numpy without torch (or its pickle's code).
- ``models``: the encoder's weights from the ``Resemblyzer`` package, checked and converted once to ONNX.
- ``features``: the encoder's mel front end and the windows cut from speech.
- ``encoder``: the encoder run by onnxruntime (what the Triton model serves), and a numpy reference.
- ``clustering``: windows to speakers: streaming assignment with stable labels, and the final pass.
- ``turns``: labelled windows to speaker turns, and turns to words.
- ``scoring``: diarization error rate, as NIST's md-eval defines it.
"""
