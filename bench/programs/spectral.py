# Float arithmetic in nested loops: the spectral norm of an infinite
# matrix, by power iteration on its top-left corner.
import math


def entry(i, j):
    ij = i + j
    return 1.0 / (ij * (ij + 1) // 2 + i + 1)


def times(v, n, transposed):
    out = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            if transposed:
                total = total + entry(j, i) * v[j]
            else:
                total = total + entry(i, j) * v[j]
        out.append(total)
    return out


def times_ata(v, n):
    return times(times(v, n, False), n, True)


n = 320
u = [1.0] * n
v = []
for _ in range(10):
    v = times_ata(u, n)
    u = times_ata(v, n)
vbv = vv = 0.0
for k in range(n):
    vbv = vbv + u[k] * v[k]
    vv = vv + v[k] * v[k]
print(int(math.sqrt(vbv / vv) * 1000000000.0))
