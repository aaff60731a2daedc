# Strings: interpolation, concatenation, length and search.
total = sevens = 0
line = ""
for i in range(1200000):
    label = f"item-{i}-{i % 7}"
    total = total + len(label)
    if "77" in label:
        sevens = sevens + 1
    line = line + label
    if len(line) > 1000:
        line = ""
print(total, sevens, len(line))
