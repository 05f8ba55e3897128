"""Pure planning: desired state against live state, as values that can be reviewed.

No I/O here: callers pass live state in and get plans, decisions and messages back.
"""
