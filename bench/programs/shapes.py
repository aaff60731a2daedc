# Objects: fields, methods and dispatch through a trait over three kinds.
class Rect:
    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

    def scale(self, k):
        self.w = self.w * k % 97 + 1


class Square:
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

    def scale(self, k):
        self.side = self.side * k % 89 + 1


class Triangle:
    def __init__(self, base, height):
        self.base, self.height = base, height

    def area(self):
        return self.base * self.height // 2

    def scale(self, k):
        self.height = self.height * k % 83 + 1


shapes = [Rect(3, 4), Square(5), Triangle(6, 7)]
total = 0
for i in range(1500000):
    s = shapes[i % 3]
    total = total + s.area()
    s.scale(3)
print(total)
