"""`sms-docs adopt`: an existing policy repository taken under document control in one commit.

`plan` decides (pure: files and git facts in, a `Plan` out), `importers` read each format
(plain Markdown, strongdm/comply, doorstop), `compose` makes the bytes and proves no text is lost,
`apply` renames with `git mv`, writes and commits.
"""

from __future__ import annotations
