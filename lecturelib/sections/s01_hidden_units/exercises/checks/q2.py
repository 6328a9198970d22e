OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s01_hidden_units.exercises import solutions as nb01\n"
                    ">>> nb01.q2_ok(permuting_changes_output)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: answer True or False. Try it: load "
                    "snaps.state_dict(ITERATIONS) into two MLP2D, reorder the rows of "
                    "layer 0 (weight and bias) and the columns of layer 2's weight of "
                    "one of them with the same torch.randperm(20), and compare outputs.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
