# Many live small objects: a million instances of a three-field frame
# kept in a list, then read back.
class Particle:
    __slots__ = ("x", "y", "mass")

    def __init__(self, x, y, mass):
        self.x, self.y, self.mass = x, y, mass


particles = []
for i in range(1000000):
    particles.append(Particle(i, i * 2 % 1000, i % 7 + 1))
momentum = 0
for p in particles:
    momentum = momentum + p.x % 1000 * p.mass + p.y
print(len(particles), momentum)
