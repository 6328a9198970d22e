OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s01_hidden_units.exercises import solutions as nb01\n"
                    ">>> nb01.q1_ok(active_side)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: return one True/False per point (a "
                    "tensor of shape (N,)), True on the side the unit's arrow points to. "
                    "Compare with the sign of the hidden layer's input for that unit.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
