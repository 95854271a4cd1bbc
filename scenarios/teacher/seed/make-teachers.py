#!/usr/bin/env python3
"""Writes teachers.json, the 200 teachers the app seeds an empty database with. Deterministic: the same file
every run, so the Swift app and the reference Django app hold the same rows."""
import json
import os

FIRST = ["Ada", "Bo", "Chen", "Dana", "Élodie", "Fatima", "Goran", "Hana", "Ivo", "Jun",
         "Kai", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Søren", "Tariq"]
LAST = ["Alvarez", "Brandt", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito", "Jensen"]
SUBJECTS = ["Mathematics", "Physics", "Chemistry", "Biology", "History", "Geography", "Literature",
            "Music", "Art", "Computer Science", "Economics", "Philosophy"]

def ascii_name(name):
    return name.lower().replace("é", "e").replace("ø", "o")


teachers = []
for n in range(200):
    first, last = FIRST[n % len(FIRST)], LAST[(n * 7 // len(FIRST)) % len(LAST)]
    teachers.append({
        "name": f"{first} {last}",
        "subject": SUBJECTS[(n * 5) % len(SUBJECTS)],
        "email": f"{ascii_name(first)}.{ascii_name(last)}{n}@school.example",
        "years": (n * 13) % 41,
    })
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "teachers.json"), "w") as out:
    json.dump(teachers, out, indent=1, ensure_ascii=False)
    out.write("\n")
