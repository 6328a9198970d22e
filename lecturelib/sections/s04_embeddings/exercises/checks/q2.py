OK_FORMAT = True

test = {
    "name": "q2",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> from lecturelib.sections.s04_embeddings.exercises import solutions as nb04\n"
                    ">>> nb04.q2_ok(knn_acc)\nTrue",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Not yet: for each point, take the k nearest points other than itself, take their most common label, and count how often it is the point's own label; return that count divided by N.",
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
