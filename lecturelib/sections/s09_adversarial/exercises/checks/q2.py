OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s09_adversarial.exercises import solutions as nb09\n>>> nb09.q2_ok(attack_step)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: attack_step(model, x, y, lr) should return x + lr * (gradient of the summed cross-entropy of model(x) and y with respect to x): one SGD step that *increases* the loss. Return a new tensor of x's shape.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
