OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s05_occlusion.exercises import solutions as nb05\n"
                    ">>> nb05.q1_ok(n_forward_passes)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: a single whole number. Count the mask positions along one side, (224 - 32) // 2 + 1, then in the whole image (map_shape gives both sides).",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
