OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s05_occlusion.exercises import solutions as nb05\n"
                    ">>> nb05.q2_ok(occlusion_map)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: return an (H', W') tensor, H' = (H - size) // stride + 1: for each top-left corner (i·stride, j·stride), the target's logit on x minus its logit on a copy of x whose size×size square there is set to 0.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
