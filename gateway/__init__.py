"""Jeugdhulp message gateway: iJw 3.2 intake, rules, retours and the CJG route."""
