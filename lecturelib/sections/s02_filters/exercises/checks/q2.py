OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s02_filters.exercises import solutions as nb02\n"
                    ">>> nb02.q2_ok(smoother_layer)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": 'Not yet: answer "conv1" or "conv2". Measure it: filters.filter_smoothness(filters.compute_filters(lenet, layer)).mean() for both layers, trained and random.',
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
