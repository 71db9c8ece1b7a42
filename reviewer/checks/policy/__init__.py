"""Policy rules (POL0xx): what a careful maintainer checks in the mails and
the series before reading the code."""
