OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s08_maximize_response.exercises import solutions as nb08\n>>> nb08.q1_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: h is a sum of squares of (x - blurred x) at each scale, and the blur and the downscaling are linear. What does doubling x do to a square?",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
