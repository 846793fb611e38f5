"""The app's state, between the wire and the UI: the ordered store of conversations, the
synchronizer that keeps it in step with Pieces OS, the marks of a multi-selection (`marks`) and
the undo window of deletes (`deletes`). No Textual, no Rich here."""
