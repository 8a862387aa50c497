from streams.cli.console import bar, clips_table, clock, result_json, whole_words


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


def test_a_title_is_shown_whole_or_cut_between_words():
    sixty = "Where a sentence starts, and then where a sentence ends, now"
    assert len(sixty) == 60 and whole_words(sixty, 60) == sixty
    assert whole_words("Where a sentence starts, and then where it ends", 30) == "Where a sentence starts, and…"
    assert whole_words("Where a sentence starts, and then", 24) == "Where a sentence starts…"
    assert whole_words("Supercalifragilistic", 10) == "Supercali…"  # one word longer than the column


def test_the_clips_table_shows_each_title_whole():
    title = "Where a sentence starts, and then where a sentence ends now"
    clip = {"rank": 1, "score": 74.0, "start": 0.0, "end": 40.7, "title": title, "reason": "A reason",
            "clip_id": "c1", "mp4": "s3://clips/c1.mp4"}
    table = clips_table([clip])
    assert title in table.splitlines()[1] and "#1: A reason" in table


def test_a_clip_outranked_while_streaming_shows_a_dash_not_none():
    def clip(clip_id, rank, reason):
        return {"rank": rank, "score": 60.0, "start": 0.0, "end": 30.0, "title": f"Title {clip_id}",
                "reason": reason, "clip_id": clip_id, "mp4": f"s3://clips/{clip_id}.mp4"}

    table = clips_table([clip("c1", 1, "The ranked one"), clip("c2", None, "The early one")])
    lines = table.splitlines()
    assert "None" not in table
    assert lines[2].startswith("- ") and "Title c2" in lines[2]
    assert "  #1: The ranked one" in lines and "The early one" not in table
    assert lines[-1].startswith("  -: picked while the video streamed")
    assert "-:" not in clips_table([clip("c1", 1, "The ranked one")])
