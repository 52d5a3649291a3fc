"""casework: the issue lifecycle: the 10:30 queue, dispatch, the 24-hour clock, clarifications, reports."""
