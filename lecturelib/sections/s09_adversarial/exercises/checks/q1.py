OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s09_adversarial.exercises import solutions as nb09\n>>> nb09.q1_ok(prediction)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: the attack's step is lr times the input gradient of the cross-entropy, whose gradient with respect to the logits is softmax(z) - e_y. What is it when p_y is exactly 1?",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
