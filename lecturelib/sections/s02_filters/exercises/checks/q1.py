OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s02_filters.exercises import solutions as nb02\n"
                    ">>> nb02.q1_ok(to_image)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: return a tensor of the kernel's shape whose smallest entry is 0 and largest 1, every entry moved and stretched by the same two numbers.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
