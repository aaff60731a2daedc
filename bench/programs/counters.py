# Closures: making counters that share captured, mutable state, and
# calling them.
def make_counter(step):
    n = 0

    def count():
        nonlocal n
        n = n + step
        return n

    return count


total = 0
for i in range(1500000):
    count = make_counter(i % 5 + 1)
    count()
    count()
    total = total + count()
print(total)
