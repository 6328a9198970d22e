OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s07_guided_backprop.exercises import solutions as nb07\n>>> nb07.q1_ok(guided_relu_backward)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: guided_relu_backward(s, g) should keep g only where the forward input s was positive AND g itself is positive, and give 0 elsewhere (same shape as g).",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
