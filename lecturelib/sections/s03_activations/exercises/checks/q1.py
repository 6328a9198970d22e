OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s03_activations.exercises import solutions as nb03\n"
                    ">>> nb03.q1_ok(record)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: return the module's output for the images (register_forward_hook on it, one forward pass without gradients), and remove the hook afterwards, even when the forward pass fails (try/finally).",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
