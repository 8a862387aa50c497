from base64 import urlsafe_b64decode

from streams.stack.kafka import new_cluster_id


def test_cluster_ids_never_look_like_options_and_decode_to_16_bytes():
    ids = [new_cluster_id() for _ in range(2000)]
    assert not any(i.startswith("-") for i in ids)
    assert all(len(urlsafe_b64decode(i + "==")) == 16 for i in ids)
    assert len(set(ids)) == len(ids)
