"""Controllers: owned by the main window, each with explicit references to the views, document
and job runner it needs; they turn user actions into edits of the core document and into jobs."""
