"""Entry point of the packaged app: one program, two names. Started as ``vanish-editor`` it opens
the editor (``app.main``); as ``vanish`` it is the command line (``inpaint_core.cli``)."""

import os
import sys

if __name__ == "__main__":
    name = os.path.basename(sys.executable if getattr(sys, "frozen", False) else sys.argv[0]).lower()
    if name.startswith("vanish-editor"):
        from app.main import main

        sys.exit(main())
    from inpaint_core.cli import main as cli_main

    sys.exit(cli_main())
