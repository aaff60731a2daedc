# List growth and indexed reads and writes: a million pseudo-random
# numbers, then a histogram of them.
seed = 42
xs = []
for _ in range(4000000):
    seed = (seed * 16807) % 2147483647
    xs.append(seed % 1000)
buckets = [0] * 1000
for x in xs:
    buckets[x] = buckets[x] + 1
most = at = 0
for b in range(1000):
    if buckets[b] > most:
        most, at = buckets[b], b
print(len(xs), at, most)
