_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def to_base36(number):
    """Lower-case base36 of a non-negative integer (0 -> "0")."""
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = _DIGITS[rest] + text
        if number == 0:
            return text
