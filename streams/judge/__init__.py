"""The clip judge: a language model that reads a candidate clip's words and says how well it works
on its own (four scores), with a title and a one-sentence reason.

``verdict`` is the pure part (the prompt, the checks an answer must pass); ``models`` the registry
packages that hold the weights and their installation; ``convert`` the one-time GGUF to
CTranslate2 conversion; ``engine`` runs the model (inside Triton, ``models/triton_repo/clip_judge``).
"""
