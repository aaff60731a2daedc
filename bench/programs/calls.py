# Calls and returns: the Takeuchi function, three recursive calls deep.
import sys
sys.setrecursionlimit(10000)


def tak(x, y, z):
    if y < x:
        return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
    return z


total = 0
for i in range(160):
    total = total + tak(18 + i % 3, 12, 6)
print(total)
