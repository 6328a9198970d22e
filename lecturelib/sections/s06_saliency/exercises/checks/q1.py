OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s06_saliency.exercises import solutions as nb06\n>>> nb06.q1_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: the lecture differentiates nll_loss(output, target) on raw scores, which is minus one logit. What does minus do to a gradient, and what does .abs() do then?",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
