OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s08_maximize_response.exercises import solutions as nb08\n>>> nb08.q2_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: with the prior, each step also pushes down h(x). Which run spends all of its steps on f alone?",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
