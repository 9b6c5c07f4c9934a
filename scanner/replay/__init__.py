"""Recorded devices served again: an evidence bundle or a corpus folder loaded into records, and served on loopback
as live devices (`camaudit lab --replay`), so that `camaudit scan` runs its whole pipeline against real answers."""
