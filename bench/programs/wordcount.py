# Dicts with string keys: counting half a million pseudo-random words.
counts = {}
seed = 7
for _ in range(1500000):
    seed = (seed * 16807) % 2147483647
    word = f"w{seed % 5000}"
    counts[word] = counts.get(word, 0) + 1
top = 0
for word in counts.keys():
    if counts[word] > top:
        top = counts[word]
print(len(counts), top)
