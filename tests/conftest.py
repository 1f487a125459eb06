import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep tests off the user's real model store and settings.
os.environ.setdefault("VANISH_TESTING", "1")
