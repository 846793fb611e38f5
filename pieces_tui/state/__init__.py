"""The app's state, between the wire and the UI: the ordered store of conversations and the
synchronizer that keeps it in step with Pieces OS. No Textual, no Rich here."""
