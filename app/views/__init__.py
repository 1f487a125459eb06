"""Views: the editor's widgets and dialogs. They show the document and the jobs and emit what the
user did; they import no controller (an import-linter layers contract)."""
