OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s10_dilated_convolution.exercises import solutions as nb10\n>>> nb10.q2_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: each 3-tap layer with dilation d widens the receptive field by 2 d. Start from 1.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
