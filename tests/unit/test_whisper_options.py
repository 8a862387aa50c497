from streams.asr.whisper import Recognition, Segment, WhisperOptions, Word


def test_options_from_triton_parameters():
    o = WhisperOptions.from_parameters({"beam_size": "5", "vad_filter": "false", "compute_type": "float16",
                                        "device": "cuda", "model_dir": "", "cpu_threads": "2"})
    assert (o.beam_size, o.vad_filter, o.compute_type, o.device, o.cpu_threads) == (5, False, "float16", "cuda", 2)
    assert o.model_dir == "" and o.word_timestamps is True


def test_shift_moves_chunk_times_to_video_times_and_json_round_trips():
    r = Recognition("en", 60.0, [Word("Hello", 0.5, 0.9, 0.98)], [Segment("Hello", 0.5, 0.9, -0.2, 0.01)])
    moved = r.shift(120.0)
    assert moved.words[0].start == 120.5 and moved.words[0].end == 120.9
    assert moved.segments[0].start == 120.5
    assert Recognition.from_json(moved.as_json()) == moved
