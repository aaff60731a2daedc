# A tight integer loop: the lengths of Collatz sequences.
longest = best = all_steps = 0
for n in range(1, 100000):
    x, steps = n, 0
    while x != 1:
        if x % 2 == 0:
            x = x // 2
        else:
            x = 3 * x + 1
        steps = steps + 1
    all_steps = all_steps + steps
    if steps > longest:
        longest, best = steps, n
print(best, longest, all_steps)
