"""STTN (Zeng, Fu, Chao, ECCV 2020): the spatial-temporal transformer preview engine.

Modules: :mod:`.network` (generator in the released parameter layout), :mod:`.checkpoint`
(``load_checkpoint``/``verify_checkpoint``), :mod:`.discriminator` (T-PatchGAN, for training),
:mod:`.runner` (devices, exact and fast paths), :mod:`.windows` (streamed windowed completion),
:mod:`.engine` (``STTNEngine``). Importing this package loads no weights and no torch.
"""
