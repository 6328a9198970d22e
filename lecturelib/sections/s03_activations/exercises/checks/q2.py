OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s03_activations.exercises import solutions as nb03\n"
                    ">>> nb03.q2_ok(more_selective)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": 'Not yet: answer "relu1" or "relu3". The purity printed above (trained LeNet) answers it.',
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
