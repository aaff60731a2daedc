# Allocation and release of many small lists: complete binary trees of
# several depths, built and counted again and again.
def build(depth):
    if depth == 0:
        return []
    return [build(depth - 1), build(depth - 1)]


def count(tree):
    if len(tree) == 0:
        return 1
    return 1 + count(tree[0]) + count(tree[1])


total = 0
for depth in range(4, 19, 2):
    for _ in range(1 << (18 - depth)):
        total = total + count(build(depth))
print(total)
