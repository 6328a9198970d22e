OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s07_guided_backprop.exercises import solutions as nb07\n>>> nb07.q2_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: if every ReLU input s is positive, 1{s>0} = 1 everywhere. Write out the three rules of the table with that and compare them.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
