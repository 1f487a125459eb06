"""Workers: the threads that run :mod:`inpaint_core.jobs` jobs off the UI thread (``runners``) and
the Qt-free job functions the editor runs on them (``jobfns``)."""
