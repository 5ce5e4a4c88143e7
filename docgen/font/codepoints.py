"""Prints the code points kept in the subset font, one U+XXXX a line:
ASCII, a few general punctuation marks, CJK symbols and punctuation,
half-width and full-width forms, and every character of GB2312 (its symbol
rows and its 6763 hanzi, from decoding 0xA1A1..0xF7FE)."""
cps = set(range(0x20, 0x7F))          # ASCII
cps |= set(range(0x2010, 0x2028))     # dashes, quotes, ellipsis
cps |= {0x00B0, 0x00B7, 0x00D7, 0x00F7, 0x2030, 0x203B, 0x2116}
cps |= set(range(0x3000, 0x3040))     # CJK symbols and punctuation
cps |= set(range(0xFF00, 0xFFF0))     # half-width and full-width forms
for hi in range(0xA1, 0xF8):          # GB2312
    for lo in range(0xA1, 0xFF):
        try:
            cps.add(ord(bytes([hi, lo]).decode('gb2312')))
        except UnicodeDecodeError:
            pass
for c in sorted(cps):
    print('U+%04X' % c)
