"""Prosody: how a voice sounds over time, measured from 16 kHz mono PCM (pure numpy): its pitch
(``pitch``) and its loudness (``loudness``). The transcribe stage measures both for each chunk;
the ranking reads them back (``streams.moments``)."""
