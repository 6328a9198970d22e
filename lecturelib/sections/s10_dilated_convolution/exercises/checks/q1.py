OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s10_dilated_convolution.exercises import solutions as nb10\n>>> nb10.q1_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: a kernel of size k with dilation d spans 1 + (k - 1) d inputs; without padding or stride the output loses that span minus one.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
