from streams.cli.console import bar, clock, result_json


def test_clock_rounds_before_splitting_minutes():
    assert clock(0) == "0:00.0"
    assert clock(65.34) == "1:05.3"
    assert clock(59.96) == "1:00.0"  # never "0:60.0"


def test_bar_is_filled_in_proportion_and_clamped():
    assert bar(0.5, width=4) == "██░░"
    assert bar(1.7, width=2) == "██" and bar(-1, width=2) == "░░"


def test_result_json_of_a_failed_video_carries_the_reason_and_no_clips():
    video = {"video_id": "v1", "status": "failed", "error": {"code": "no_audio", "message": "a.mp4 has no audio"}}
    assert result_json(video, []) == {"video_id": "v1", "status": "failed", "ranking": None,
                                      "error": "a.mp4 has no audio", "error_code": "no_audio", "clips": []}
