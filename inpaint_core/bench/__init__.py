"""Quality and speed benchmark of fill engines (``vanish bench``) and its synthetic masks."""
